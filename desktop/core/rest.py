"""The REST client: every `/api/v1` call the app makes, with silent token refresh.

One `httpx.AsyncClient` per signed-in server. A 401 on an authenticated call triggers one refresh
(single-flight: concurrent callers wait for the same refresh) and one retry; a refused refresh
raises `SessionExpiredError`. Network failures become `ServerUnreachableError`, problem+json
answers `ApiError`.
"""

from __future__ import annotations

import asyncio
import email.utils
import logging
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import quote

import httpx

from desktop.core.errors import ApiError, ServerUnreachableError, SessionExpiredError
from desktop.core.wire import JSON, Chat, Message, Tokens, User

log = logging.getLogger(__name__)

TokensSaved = Callable[[Tokens], None]


def normalize_server(url: str) -> str:
    """`localhost:8080` → `http://localhost:8080`; no trailing slash, no `/api/v1` suffix."""
    url = url.strip().rstrip("/")
    if not url:
        raise ValueError("empty server address")
    if "://" not in url:
        url = "http://" + url
    if url.endswith("/api/v1"):
        url = url[: -len("/api/v1")]
    return url


class RestClient:
    """Typed calls of the contract in DESIGN.md; holds the tokens of one session."""

    def __init__(
        self,
        server_url: str,
        *,
        timeout: float = 10.0,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.server_url = normalize_server(server_url)
        self._http = httpx.AsyncClient(
            base_url=self.server_url + "/api/v1",
            timeout=httpx.Timeout(timeout, connect=5.0),
            headers={"User-Agent": "parley-desktop/0.1"},
            transport=transport,
        )
        self._access: str | None = None
        self._refresh: str | None = None
        self._refresh_lock = asyncio.Lock()
        self.on_tokens: TokensSaved | None = None

    @property
    def signed_in(self) -> bool:
        return self._refresh is not None

    async def aclose(self) -> None:
        await self._http.aclose()

    # -- plumbing ---------------------------------------------------------------------------

    async def _send(
        self,
        method: str,
        path: str,
        *,
        json: JSON | None = None,
        params: JSON | None = None,
        auth: bool = True,
        context: str = "",
    ) -> httpx.Response:
        headers = {"Authorization": f"Bearer {self._access}"} if auth and self._access else {}
        try:
            resp = await self._http.request(method, path, json=json, params=params, headers=headers)
        except httpx.TransportError as exc:
            log.info("%s %s failed: %s", method, path, type(exc).__name__)
            raise ServerUnreachableError(self.server_url) from exc
        if resp.status_code >= 400:
            raise _api_error(resp, context)
        return resp

    async def _call(
        self,
        method: str,
        path: str,
        *,
        json: JSON | None = None,
        params: JSON | None = None,
        context: str = "",
    ) -> Any:
        """An authenticated call: refresh once on 401, then retry once."""
        used = self._access
        try:
            resp = await self._send(method, path, json=json, params=params, context=context)
        except ApiError as exc:
            if exc.status != 401 or self._refresh is None:
                raise
            await self.refresh(stale_access=used)
            resp = await self._send(method, path, json=json, params=params, context=context)
        if resp.status_code == 204 or not resp.content:
            return {}
        return resp.json()

    async def call(self, method: str, path: str, *, params: JSON | None = None) -> Any:
        """An authenticated call for features with their own module (search)."""
        return await self._call(method, path, params=params)

    def set_tokens(self, tokens: Tokens) -> None:
        self._access = tokens.access_token
        self._refresh = tokens.refresh_token
        if self.on_tokens is not None:
            self.on_tokens(tokens)

    def restore(self, refresh_token: str) -> None:
        """Resume a saved session; the first call refreshes the access token."""
        self._access = None
        self._refresh = refresh_token

    async def access_token(self) -> str:
        """A current access token for the WebSocket (refreshing if there is none yet)."""
        if self._access is None:
            await self.refresh(stale_access=None)
        assert self._access is not None
        return self._access

    async def refresh(self, stale_access: str | None) -> None:
        """Rotate the refresh token; concurrent callers share one rotation."""
        async with self._refresh_lock:
            if self._access is not None and self._access != stale_access:
                return  # someone else refreshed while we waited
            if self._refresh is None:
                raise SessionExpiredError()
            try:
                resp = await self._send(
                    "POST", "/auth/refresh", json={"refresh_token": self._refresh}, auth=False
                )
            except ApiError as exc:
                if exc.status in (400, 401, 403, 404, 422):
                    self._access = self._refresh = None
                    raise SessionExpiredError() from exc
                raise
            self.set_tokens(Tokens.from_json(resp.json()))

    # -- auth -------------------------------------------------------------------------------

    async def register(self, username: str, email: str, password: str, display_name: str) -> User:
        body = {
            "username": username,
            "email": email,
            "password": password,
            "display_name": display_name or username,
        }
        resp = await self._send("POST", "/auth/register", json=body, auth=False, context="register")
        return User.from_json(resp.json()["user"])

    async def login(self, login: str, password: str, device_name: str = "Parley desktop") -> User:
        body = {"login": login, "password": password, "device_name": device_name}
        resp = await self._send("POST", "/auth/login", json=body, auth=False, context="login")
        data = resp.json()
        self.set_tokens(Tokens.from_json(data))
        return User.from_json(data["user"])

    async def logout(self) -> None:
        if self._refresh is not None:
            token, self._refresh = self._refresh, None
            try:
                await self._send("POST", "/auth/logout", json={"refresh_token": token}, auth=False)
            finally:
                self._access = None

    # -- users ------------------------------------------------------------------------------

    async def me(self) -> User:
        return User.from_json((await self._call("GET", "/me"))["user"])

    async def update_me(self, *, display_name: str | None = None, email: str | None = None) -> User:
        body = {k: v for k, v in (("display_name", display_name), ("email", email)) if v}
        data = await self._call("PATCH", "/me", json=body, context="profile")
        return User.from_json(data["user"])

    async def change_password(self, current: str, new: str) -> None:
        body = {"current_password": current, "new_password": new}
        await self._call("POST", "/me/password", json=body, context="password")

    async def search_users(self, prefix: str) -> list[User]:
        data = await self._call("GET", "/users", params={"query": prefix})
        return [User.from_json(u) for u in data.get("users", [])]

    # -- chats ------------------------------------------------------------------------------

    async def chats(self) -> list[Chat]:
        data = await self._call("GET", "/chats")
        return [Chat.from_json(c) for c in data.get("chats", [])]

    async def chat(self, chat_id: str) -> Chat:
        return Chat.from_json(await self._call("GET", f"/chats/{chat_id}"))

    async def create_chat(self, title: str, member_ids: list[str]) -> Chat:
        data = await self._call("POST", "/chats", json={"title": title, "member_ids": member_ids})
        return Chat.from_json(data)

    async def direct_chat(self, user_id: str) -> Chat:
        return Chat.from_json(await self._call("POST", "/chats/direct", json={"user_id": user_id}))

    async def members(self, chat_id: str) -> list[JSON]:
        data = await self._call("GET", f"/chats/{chat_id}/members")
        return list(data.get("members", []))

    async def invite(self, chat_id: str, username: str) -> None:
        await self._call(
            "POST", f"/chats/{chat_id}/members", json={"username": username}, context="invite"
        )

    async def leave(self, chat_id: str, user_id: str) -> None:
        await self._call("DELETE", f"/chats/{chat_id}/members/{user_id}")

    # -- messages ---------------------------------------------------------------------------

    async def history(
        self,
        chat_id: str,
        *,
        before: int | None = None,
        after: int | None = None,
        limit: int = 100,
    ) -> tuple[list[Message], bool]:
        params: JSON = {"limit": limit}
        if before is not None:
            params["before"] = before
        if after is not None:
            params["after"] = after
        data = await self._call("GET", f"/chats/{chat_id}/messages", params=params)
        return [Message.from_json(m) for m in data.get("messages", [])], bool(data.get("has_more"))

    @property
    def http(self) -> httpx.AsyncClient:
        """The one HTTP client, for transfers that stream (desktop.core.files)."""
        return self._http

    async def auth_headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {await self.access_token()}"}

    def api_error(self, resp: httpx.Response, context: str) -> ApiError:
        return _api_error(resp, context)

    async def send(
        self, chat_id: str, client_msg_id: str, text: str, attachment_ids: list[str] | None = None
    ) -> Message:
        body: JSON = {"client_msg_id": client_msg_id, "text": text}
        if attachment_ids:
            body["attachment_ids"] = attachment_ids
        data = await self._call("POST", f"/chats/{chat_id}/messages", json=body, context="send")
        return Message.from_json(data["message"])

    async def edit_message(self, chat_id: str, seq: int, text: str) -> Message:
        path = f"/chats/{chat_id}/messages/{seq}"
        data = await self._call("PATCH", path, json={"text": text}, context="send")
        return Message.from_json(data["message"])

    async def delete_message(self, chat_id: str, seq: int) -> Message:
        data = await self._call("DELETE", f"/chats/{chat_id}/messages/{seq}")
        return Message.from_json(data["message"])

    async def get(self, path: str, context: str = "") -> JSON:
        """An authenticated GET of one JSON object (the call lookups)."""
        return dict(await self._call("GET", path, context=context))

    async def post(self, path: str, context: str = "") -> JSON:
        """A bodiless authenticated POST (the call actions)."""
        return dict(await self._call("POST", path, context=context))

    async def mark_read(self, chat_id: str, seq: int) -> None:
        await self._call("POST", f"/chats/{chat_id}/read", json={"seq": seq})

    async def react(self, chat_id: str, seq: int, emoji: str, on: bool) -> Message:
        """Put my `emoji` on a message (`on`) or take it off; the message as it is now."""
        path = f"/chats/{chat_id}/messages/{seq}/reactions/{quote(emoji, safe='')}"
        data = await self._call("PUT" if on else "DELETE", path, context="react")
        return Message.from_json(data["message"])


def _api_error(resp: httpx.Response, context: str) -> ApiError:
    code, detail = "error", ""
    fields: tuple[str, ...] = ()
    try:
        body = resp.json()
    except ValueError:
        body = None
    if isinstance(body, dict):
        code = str(body.get("code") or code)
        detail = str(body.get("detail") or body.get("title") or "")
        errors = body.get("errors")
        if isinstance(errors, list):
            fields = tuple(
                str(e["field"]) for e in errors if isinstance(e, dict) and e.get("field")
            )
    if code == "error":
        code = {401: "unauthorized", 404: "not_found", 409: "conflict", 429: "rate_limited"}.get(
            resp.status_code, code
        )
    waits = [_retry_after(resp.headers.get("retry-after"))]
    if isinstance(body, dict) and isinstance(body.get("retry_after"), int | float):
        waits.append(float(body["retry_after"]))  # the header's whole seconds, unrounded
    known = [w for w in waits if w is not None]
    wait = max(known) if known else None
    limit = body.get("limit") if isinstance(body, dict) else None
    limit = limit if isinstance(limit, int) and not isinstance(limit, bool) else None
    return ApiError(resp.status_code, code, detail, context, fields, wait, limit)


def _retry_after(header: str | None) -> float | None:
    """RFC 9110 Retry-After: delay-seconds or an HTTP-date; None when absent or unreadable."""
    if not header:
        return None
    value = header.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(when.timestamp() - time.time(), 0.0)
