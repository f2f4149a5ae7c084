"""The signed-in session without Qt or chat state: sign-in, tokens, the REST client and the
realtime client's lifecycle.

`Session` is the one owner of the two clients and of the saved refresh token: it signs up, signs
in or resumes the saved session, keeps the stored refresh token current as tokens rotate, starts
and stops the realtime client, and signs out. What the user sees of chats lives in the chat list
and timeline services (`desktop.core.chats`, `desktop.core.timelines`), which ask this object
for its clients.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from desktop.core import limits
from desktop.core.backoff import Backoff
from desktop.core.errors import ApiError, ClientError, SessionExpiredError
from desktop.core.realtime import RealtimeClient, RealtimeHandler
from desktop.core.rest import RestClient, normalize_server
from desktop.core.session import SavedSession, SessionStore
from desktop.core.wire import Tokens, User

log = logging.getLogger(__name__)


class Session:
    """The clients of the signed-in user; `rest` is None while signed out (or reading offline)."""

    def __init__(self, store: SessionStore, backoff: Callable[[], Backoff] = Backoff) -> None:
        self.store = store
        self._backoff = backoff
        self.rest: RestClient | None = None
        self.realtime: RealtimeClient | None = None
        self.saved: SavedSession | None = None

    def _client(self, server_url: str) -> RestClient:
        rest = RestClient(server_url)
        rest.on_tokens = self._save_tokens
        return rest

    def _save_tokens(self, tokens: Tokens) -> None:
        if self.saved is not None:
            self.store.save(self.saved, tokens.refresh_token)

    async def register(
        self, server_url: str, username: str, email: str, password: str, display_name: str
    ) -> None:
        rest = self._client(server_url)
        try:
            await rest.register(username, email, password, display_name)
        finally:
            await rest.aclose()

    async def sign_in(self, server_url: str, login: str, password: str) -> tuple[RestClient, User]:
        """A signed-in REST client (not yet `rest`: `attach` makes it current) and who I am."""
        rest = self._client(normalize_server(server_url))
        try:
            me = await rest.login(login, password)
        except BaseException:
            await rest.aclose()
            raise
        self.saved = SavedSession(rest.server_url, me.id, login)
        assert rest._refresh is not None
        self.store.save(self.saved, rest._refresh)
        return rest, me

    async def restore(self) -> tuple[RestClient, User] | None:
        """The saved session's client and user; None when nothing is saved."""
        loaded = self.store.load()
        if loaded is None:
            return None
        saved, refresh_token = loaded
        self.saved = saved
        rest = self._client(saved.server_url)
        rest.restore(refresh_token)
        try:
            me = await rest.me()
        except SessionExpiredError:
            await rest.aclose()
            self.store.clear(saved)  # revoked or expired: a password is needed again
            raise
        except BaseException:
            await rest.aclose()
            raise
        return rest, me

    def attach(self, rest: RestClient) -> None:
        self.rest = rest

    async def read_limits(self) -> None:
        """The server's limits, which every check and every sentence about a size then quotes
        (desktop/core/limits.py): read at sign-in, and again at each socket `ready`, so a server
        restarted with other limits is quoted right without signing in again."""
        if self.rest is not None:
            await read_limits(self.rest)

    def start_realtime(self, handler: RealtimeHandler) -> RealtimeClient:
        """The realtime client for the current REST client; the caller runs it as a task."""
        assert self.rest is not None
        self.realtime = RealtimeClient(
            self.rest.server_url, self._token, handler, backoff=self._backoff()
        )
        return self.realtime

    async def _token(self, fresh: bool) -> str:
        assert self.rest is not None
        if fresh:
            await self.rest.refresh(stale_access=self.rest._access)
        return await self.rest.access_token()

    async def stop_realtime(self) -> None:
        if self.realtime is not None:
            await self.realtime.stop()

    async def release(self) -> None:
        """After the tasks stopped: close a client no saved session will reuse."""
        if self.rest is not None and self.saved is None:
            await self.rest.aclose()
        self.realtime = None

    async def sign_out(self, rest: RestClient | None, saved: SavedSession | None) -> None:
        """Forget the saved session, then tell the server (best effort) and close the client."""
        if saved is not None:
            self.store.clear(saved)
        self.rest, self.saved = None, None
        if rest is not None:
            try:
                await rest.logout()
            except ClientError:
                log.info("logout call failed; the token is forgotten locally anyway")
            finally:
                await rest.aclose()

    async def close(self) -> None:
        """App quit: close the HTTP client."""
        if self.rest is not None:
            await self.rest.aclose()
        self.rest = None


async def read_limits(rest: RestClient) -> None:
    """`GET /limits` adopted: at sign-in, at each `ready`, and after each of the user's own
    uploads (the quota's `upload_used_bytes` has grown: the tray refuses what no longer fits)."""
    try:
        limits.adopt(limits.Limits.from_json((await rest.get("/limits"))["limits"]))
    except ApiError as exc:
        if exc.status != 404:
            raise
        limits.adopt(limits.Limits())  # a server from before /limits: its defaults
