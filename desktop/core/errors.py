"""Errors the desktop core raises, and the words a person reads for each.

The UI never shows a traceback: every failure a user can meet becomes one of these, and
`describe()` turns any exception into a sentence for the window's error banner.
"""

from __future__ import annotations

import os
from pathlib import Path

from desktop.core import limits
from desktop.core.tr import QT_TRANSLATE_NOOP


class ClientError(Exception):
    """Base of every expected failure of the desktop core."""


class ServerUnreachableError(ClientError):
    """No HTTP answer: wrong address, server down, network gone."""

    def __init__(self, url: str) -> None:
        super().__init__(url)
        self.url = url


class ApiError(ClientError):
    """The server answered with an RFC 9457 problem; `code` is the stable part."""

    def __init__(
        self,
        status: int,
        code: str,
        detail: str = "",
        context: str = "",
        fields: tuple[str, ...] = (),
        retry_after: float | None = None,
        limit: int | None = None,
    ) -> None:
        super().__init__(f"{status} {code}")
        self.status = status
        self.code = code
        self.detail = detail
        self.context = context
        self.fields = fields  # names of the fields a 422 complained about
        self.retry_after = retry_after  # seconds the server asked us to wait (429, 503)
        self.limit = limit  # the limit a 413 names (bytes of a file, of a chunk)


class SessionExpiredError(ClientError):
    """The refresh token was refused: the user must sign in again."""


class MessageTooLongError(ClientError):
    def __init__(self, length: int, limit: int) -> None:
        super().__init__(str(length))
        self.length = length
        self.limit = limit


class FileTooLargeError(ClientError):
    """A file over the server's upload limit (or over the whole of a user's storage quota: it
    could never fit), refused before a byte is sent."""

    def __init__(self, name: str, size: int, limit: int, quota: bool = False) -> None:
        super().__init__(name)
        self.name, self.size, self.limit, self.quota = name, size, limit, quota


def check_text(text: str) -> None:
    """Refuse a text over the server's limit before it is sent (its figure, not a guess)."""
    most = limits.current().max_text_chars
    if len(text) > most:
        raise MessageTooLongError(len(text), most)


def check_file(path: Path) -> None:
    """Refuse a file over the server's upload limit, or over what is left of the user's quota
    (as the server last said: read at sign-in and after each of the user's uploads), before a
    byte of it is sent. The server stays the authority for what this cannot know."""
    now, size = limits.current(), path.stat().st_size
    if size > now.max_upload_bytes:
        raise FileTooLargeError(path.name, size, now.max_upload_bytes)
    left = limits.room_left(now)
    if left is not None and size > left:
        raise FileTooLargeError(path.name, size, left, quota=True)


# Sentences with a value in them: the UI translates the template and puts the value back
# (desktop/ui/i18n.tr_error matches a described text against these).
UNREACHABLE = QT_TRANSLATE_NOOP(
    "errors", "Cannot reach the server at %1. Check the address and that the server is running."
)
TOO_LONG = QT_TRANSLATE_NOOP("errors", "Message is too long (at most %1 characters).")
TOO_LONG_BY = QT_TRANSLATE_NOOP("errors", "Message is too long: %1 characters (at most %2).")
UNEXPECTED = QT_TRANSLATE_NOOP("errors", "Something went wrong: %1.")
REFUSED = QT_TRANSLATE_NOOP("errors", "The server refused that (%1).")
FILE_GONE = QT_TRANSLATE_NOOP("errors", "The file %1 is no longer on this computer.")
FILE_TOO_LARGE = QT_TRANSLATE_NOOP(
    "errors", "%1 is %2: this server takes files of at most %3. It was not attached."
)
UPLOAD_TOO_LARGE = QT_TRANSLATE_NOOP(
    "errors", "That file is too large: this server takes at most %1."
)
OVER_QUOTA = QT_TRANSLATE_NOOP(
    "errors",
    "%1 is %2, more than is left of your storage quota on this server (%3). It was not attached.",
)
QUOTA_USED = QT_TRANSLATE_NOOP(
    "errors", "Your files on this server have used up your quota of %1. Nothing was sent."
)
TEMPLATES = (
    QUOTA_USED,
    UNREACHABLE,
    TOO_LONG,
    TOO_LONG_BY,
    UNEXPECTED,
    REFUSED,
    FILE_GONE,
    FILE_TOO_LARGE,
    OVER_QUOTA,
    UPLOAD_TOO_LARGE,
)

_BY_CODE = {
    "invalid_credentials": QT_TRANSLATE_NOOP("errors", "Wrong username or password."),
    "username_taken": QT_TRANSLATE_NOOP("errors", "That username or email is already taken."),
    "email_taken": QT_TRANSLATE_NOOP("errors", "That username or email is already taken."),
    "wrong_password": QT_TRANSLATE_NOOP("errors", "The current password is wrong."),
    "text_empty": QT_TRANSLATE_NOOP("errors", "A message needs some text."),
    "user_not_found": QT_TRANSLATE_NOOP("errors", "No user with that name."),
    "chat_not_found": QT_TRANSLATE_NOOP(
        "errors", "That chat is gone, or you are no longer a member."
    ),
    "group_calls_need_jitsi": QT_TRANSLATE_NOOP(
        "errors", "Group calls need a Jitsi server; this server has none."
    ),
    "call_not_found": QT_TRANSLATE_NOOP("errors", "That call has ended."),
    "not_admin": QT_TRANSLATE_NOOP("errors", "Only the owner or an admin can do that."),
    "too_many_members": QT_TRANSLATE_NOOP("errors", "That chat is full."),
    "refresh_invalid": QT_TRANSLATE_NOOP("errors", "Your session has ended. Please sign in again."),
    "refresh_reused": QT_TRANSLATE_NOOP("errors", "Your session has ended. Please sign in again."),
    "store_unavailable": QT_TRANSLATE_NOOP(
        "errors", "The server could not store the message. Try again."
    ),
}

_BY_CONTEXT = {
    ("login", "unauthorized"): QT_TRANSLATE_NOOP("errors", "Wrong username or password."),
    ("login", "rate_limited"): QT_TRANSLATE_NOOP(
        "errors", "Too many sign-in attempts. Wait a minute and try again."
    ),
    ("register", "conflict"): QT_TRANSLATE_NOOP(
        "errors", "That username or email is already taken."
    ),
    ("register", "rate_limited"): QT_TRANSLATE_NOOP(
        "errors", "Too many new accounts from here. Try again later."
    ),
    ("send", "rate_limited"): QT_TRANSLATE_NOOP(
        "errors", "You are sending too fast. The message was not sent."
    ),
}

_BY_STATUS = {
    401: QT_TRANSLATE_NOOP("errors", "Your session has ended. Please sign in again."),
    403: QT_TRANSLATE_NOOP("errors", "You are not allowed to do that."),
    404: QT_TRANSLATE_NOOP(
        "errors", "Not found (it may have been deleted, or you are no longer a member)."
    ),
    409: QT_TRANSLATE_NOOP("errors", "That is already taken."),
    413: QT_TRANSLATE_NOOP("errors", "That is too large for the server."),
    429: QT_TRANSLATE_NOOP("errors", "Too many requests. Please wait a moment and try again."),
    503: QT_TRANSLATE_NOOP("errors", "The server is busy or restarting. Try again shortly."),
}

_FIELDS = {
    "username": "a username of 3 to 32 letters, digits, dots, dashes or underscores",
    "email": "a valid email address",
    "password": "a password of at least 8 characters",
    "new_password": "a new password of at least 8 characters",
    "display_name": "a shorter display name",
    "title": "a chat title",
    "text": "a shorter message",
}


def describe(exc: BaseException) -> str:
    """One sentence for a person; never a traceback, never a token or a message body."""
    if isinstance(exc, ServerUnreachableError):
        return UNREACHABLE.replace("%1", exc.url)
    if isinstance(exc, SessionExpiredError):
        return QT_TRANSLATE_NOOP("errors", "Your session has ended. Please sign in again.")
    if isinstance(exc, MessageTooLongError):
        shown = limits.number(exc.length), limits.number(exc.limit)
        return TOO_LONG_BY.replace("%1", shown[0]).replace("%2", shown[1])
    if isinstance(exc, FileTooLargeError):
        size, most = _apart(exc.size, exc.limit)
        said = OVER_QUOTA if exc.quota else FILE_TOO_LARGE
        return said.replace("%1", exc.name).replace("%2", size).replace("%3", most)
    if isinstance(exc, ApiError):
        return _describe_api(exc)
    if isinstance(exc, FileNotFoundError):
        return FILE_GONE.replace("%1", os.path.basename(str(exc.filename or "")))
    if isinstance(exc, TimeoutError):
        return QT_TRANSLATE_NOOP("errors", "The server took too long to answer. Try again.")
    return UNEXPECTED.replace("%1", type(exc).__name__)


def _apart(size: int, limit: int) -> tuple[str, str]:
    """Two sizes that read differently: in bytes when rounding would make them look equal
    (1,025 B over 1,024 B, not "1.0 KB over 1.0 KB"), in the interface language's words."""
    shown = limits.human_size(size), limits.human_size(limit)
    return shown if shown[0] != shown[1] else (limits.exact_size(size), limits.exact_size(limit))


def _too_large(exc: ApiError) -> str | None:
    """The size refusals, with the server's figure: the one its answer names, else the one it
    published at sign-in."""
    text = exc.code == "text_too_long" or (exc.context, exc.code) == ("send", "payload_too_large")
    if text:  # the figure the refusal names (the socket's too), else the one read at sign-in
        most = exc.limit if exc.limit is not None else limits.current().max_text_chars
        return TOO_LONG.replace("%1", limits.number(most))
    if exc.code == "file_too_large":
        most = exc.limit if exc.limit is not None else limits.current().max_upload_bytes
        return UPLOAD_TOO_LARGE.replace("%1", limits.human_size(most))
    quota = limits.current().upload_quota_bytes
    if exc.code == "quota_exceeded" and quota:
        return QUOTA_USED.replace("%1", limits.human_size(quota))
    return None


def _describe_api(exc: ApiError) -> str:
    sized = _too_large(exc)
    if sized:
        return sized
    known = _BY_CODE.get(exc.code) or _BY_CONTEXT.get((exc.context, exc.code))
    if known:
        return known
    if exc.fields:
        wanted = [_FIELDS.get(f, f) for f in exc.fields]
        return "Please enter " + ", ".join(wanted) + "."
    if exc.status >= 500 and exc.status != 503:
        return QT_TRANSLATE_NOOP("errors", "The server ran into a problem. Try again shortly.")
    return _BY_STATUS.get(exc.status) or exc.detail or REFUSED.replace("%1", exc.code)
