"""Errors the desktop core raises, and the words a person reads for each.

The UI never shows a traceback: every failure a user can meet becomes one of these, and
`describe()` turns any exception into a sentence for the window's error banner.
"""

from __future__ import annotations

from desktop.core.wire import MAX_TEXT_CHARS


class ClientError(Exception):
    """Base of every expected failure of the desktop core."""


class ServerUnreachableError(ClientError):
    """No HTTP answer: wrong address, server down, network gone."""

    def __init__(self, url: str) -> None:
        super().__init__(url)
        self.url = url


class ApiError(ClientError):
    """The server answered with an RFC 9457 problem; `code` is the stable part."""

    def __init__(self, status: int, code: str, detail: str = "", context: str = "") -> None:
        super().__init__(f"{status} {code}")
        self.status = status
        self.code = code
        self.detail = detail
        self.context = context


class SessionExpiredError(ClientError):
    """The refresh token was refused: the user must sign in again."""


class MessageTooLongError(ClientError):
    def __init__(self, length: int) -> None:
        super().__init__(str(length))
        self.length = length


_BY_CONTEXT = {
    ("login", "unauthorized"): "Wrong username or password.",
    ("login", "rate_limited"): "Too many sign-in attempts. Wait a minute and try again.",
    ("register", "conflict"): "That username or email is already taken.",
    ("register", "rate_limited"): "Too many new accounts from here. Try again later.",
    ("password", "unauthorized"): "The current password is wrong.",
    ("invite", "not_found"): "No user with that name.",
    ("send", "payload_too_large"): f"Message is too long (at most {MAX_TEXT_CHARS:,} characters).",
    ("send", "rate_limited"): "You are sending too fast. The message was not sent.",
}

_BY_CODE = {
    "unauthorized": "Your session has ended. Please sign in again.",
    "forbidden": "You are not allowed to do that.",
    "not_found": "Not found (it may have been deleted, or you are no longer a member).",
    "conflict": "That is already taken.",
    "rate_limited": "Too many requests. Please wait a moment.",
    "payload_too_large": "That is too large for the server.",
    "unavailable": "The server is busy or one of its parts is down. Try again shortly.",
}


def describe(exc: BaseException) -> str:
    """One sentence for a person; never a traceback, never a token or a message body."""
    if isinstance(exc, ServerUnreachableError):
        return (
            f"Cannot reach the server at {exc.url}. "
            "Check the address and that the server is running."
        )
    if isinstance(exc, SessionExpiredError):
        return "Your session has ended. Please sign in again."
    if isinstance(exc, MessageTooLongError):
        return f"Message is too long: {exc.length:,} characters (at most {MAX_TEXT_CHARS:,})."
    if isinstance(exc, ApiError):
        text = _BY_CONTEXT.get((exc.context, exc.code)) or _BY_CODE.get(exc.code)
        if text is None and exc.status == 422:
            text = f"The server did not accept that: {exc.detail or 'invalid input'}."
        if text is None:
            text = f"The server refused the request ({exc.detail or exc.code})."
        if exc.context == "send" and exc.code == "invalid_input" and "long" in exc.detail:
            text = _BY_CONTEXT[("send", "payload_too_large")]
        return text
    if isinstance(exc, TimeoutError):
        return "The server took too long to answer. Try again."
    return f"Something went wrong: {type(exc).__name__}."
