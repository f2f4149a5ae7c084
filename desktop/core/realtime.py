"""The realtime client: one WebSocket per app, kept up for as long as the user is signed in.

It connects and authenticates with the last `seq` the app has seen of every chat (`auth` →
`ready`, then the missed events, then `resumed`), and then streams events to its handler: the
server sends each chat's events in `seq` order with no hole, so no hole tracking is needed here.
When the connection drops it reconnects with exponential backoff and jitter; a `reconnect`
frame from a draining server is obeyed at once.
Messages written while offline wait in an ordered outbox and are sent (with their original
`client_msg_id`, so the server de-duplicates retries) as soon as a connection is ready.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import contextlib
import json
import logging
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from desktop.core.backoff import Backoff, retry_delay
from desktop.core.errors import ClientError, SessionExpiredError
from desktop.core.wire import JSON

if TYPE_CHECKING:
    from websockets.asyncio.client import ClientConnection

# `websockets` is imported when the first connection starts, not at app start: it costs ~80 ms of
# imports that would otherwise sit between launching the app and a usable chat list.

log = logging.getLogger(__name__)

AUTH_FAILED = 4401
READY_TIMEOUT_S = 10.0
MAX_INFLIGHT = 16  # unacknowledged sends per socket; the server refuses more than 32
RETRYABLE = {"too_many_inflight", "rate_limited", "unavailable"}  # and every `*_unavailable`
RETRY_DEFERRED_S = 0.5  # a send the server deferred goes out again after this long at the latest
# The server closes a socket (4401) when its access token expires unless it hears a fresh one
# (`auth` → `auth.ok`). The socket sends one when this share of its token's life has passed,
# and not more often than every REAUTH_MIN_S.
REAUTH_AT = 0.75
REAUTH_MIN_S = 0.5

TokenProvider = Callable[[bool], Awaitable[str]]
"""Returns an access token; `True` asks for a fresh one (the last was refused)."""


@dataclass(frozen=True, slots=True)
class Outgoing:
    chat_id: str
    client_msg_id: str
    text: str
    attachment_ids: tuple[str, ...] = ()
    reply_to_seq: int | None = None

    def frame(self) -> JSON:
        frame: JSON = {
            "type": "message.send",
            "chat_id": self.chat_id,
            "client_msg_id": self.client_msg_id,
            "text": self.text,
        }
        if self.attachment_ids:
            frame["attachment_ids"] = list(self.attachment_ids)
        if self.reply_to_seq is not None:
            frame["reply_to_seq"] = self.reply_to_seq
        return frame


class RealtimeHandler(Protocol):
    """What the realtime client reports; implemented by the app state (`desktop.core.app`)."""

    def resume_cursor(self) -> list[JSON]:
        """The `[{chat_id, last_seq}]` to resume from: the highest `seq` seen of each chat."""

    def on_ready(self, ready: JSON) -> None:
        """The server's `ready` frame (its chats and their positions)."""

    def on_event(self, frame: JSON) -> None:
        """Every server frame other than ready/ack/error-for-a-send/pong/reconnect."""

    def on_ack(self, ack: JSON) -> None: ...

    def on_send_failed(
        self, client_msg_id: str, code: str, detail: str, limit: int | None = None
    ) -> None: ...

    def on_connection(self, online: bool) -> None: ...

    def on_session_expired(self) -> None: ...


def ws_url(server_url: str) -> str:
    if server_url.startswith("https://"):
        return "wss://" + server_url[len("https://") :] + "/api/v1/ws"
    if server_url.startswith("http://"):
        return "ws://" + server_url[len("http://") :] + "/api/v1/ws"
    return server_url.rstrip("/") + "/api/v1/ws"


class RealtimeClient:
    """Owns the socket and the outbox; `run()` is its one long-lived task."""

    def __init__(
        self,
        server_url: str,
        tokens: TokenProvider,
        handler: RealtimeHandler,
        *,
        backoff: Backoff | None = None,
    ) -> None:
        self.url = ws_url(server_url)
        self._tokens = tokens
        self._handler = handler
        self.backoff = backoff or Backoff()
        self._outbox: OrderedDict[str, Outgoing] = OrderedDict()
        self._sent_here: set[str] = set()  # client_msg_ids written on the current connection
        self._inflight: set[str] = set()  # written here and not yet acknowledged
        self._ws: ClientConnection | None = None
        self._live = False
        self._stopping = False
        self._wake = asyncio.Event()
        self._retry: asyncio.Task[None] | None = None  # the deferred sends' next write
        self._hold_until = 0.0  # monotonic time before which no send is written (Retry-After)
        self.connections = 0  # how many times a connection became ready (for tests and stats)
        self.reauthentications = 0  # `auth.ok` answers on open sockets (for tests and stats)

    # -- public -----------------------------------------------------------------------------

    @property
    def online(self) -> bool:
        return self._live

    @property
    def queued(self) -> list[Outgoing]:
        return list(self._outbox.values())

    async def send_message(
        self,
        chat_id: str,
        client_msg_id: str,
        text: str,
        attachment_ids: tuple[str, ...] = (),
        reply_to_seq: int | None = None,
    ) -> None:
        """Queue a message; it is written now if online, else on the next connection."""
        item = Outgoing(chat_id, client_msg_id, text, attachment_ids, reply_to_seq)
        self._outbox[client_msg_id] = item
        await self._write_pending()

    async def send_frame(self, frame: JSON) -> bool:
        """Write one frame now if connected, else drop it (call signalling goes stale)."""
        return self._live and await self._write(frame)

    def forget(self, client_msg_id: str) -> None:
        self._outbox.pop(client_msg_id, None)

    async def typing(self, chat_id: str) -> None:
        if self._live:
            await self._write({"type": "typing", "chat_id": chat_id})

    def reconnect_now(self) -> None:
        """Skip the rest of the backoff wait (the user pressed "Reconnect now")."""
        self.backoff.reset()
        self._wake.set()

    async def stop(self) -> None:
        self._stopping = True
        self._wake.set()
        if self._retry is not None:
            self._retry.cancel()
        ws = self._ws
        if ws is not None:
            with contextlib.suppress(Exception):
                await ws.close()

    async def run(self) -> None:
        """Connect, serve, reconnect — until `stop()` or the session expires."""
        from websockets.exceptions import WebSocketException

        while not self._stopping:
            obeyed = False
            try:
                obeyed = await self._serve_once()
            except SessionExpiredError:
                self._set_live(False)
                self._handler.on_session_expired()
                return
            except (OSError, TimeoutError, WebSocketException, ClientError) as exc:
                # ClientError: the token refresh could not reach the server either.
                log.info("realtime connection lost: %s", type(exc).__name__)
            finally:
                self._ws = None
                self._set_live(False)
            if self._stopping:
                break
            delay = self.backoff.soon() if obeyed else self.backoff.next()
            log.info("reconnecting in %.2f s", delay)
            self._wake.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), delay)

    # -- one connection ---------------------------------------------------------------------

    async def _serve_once(self) -> bool:
        """Serve one connection; True when it ended because the server said `reconnect`."""
        import websockets
        from websockets.exceptions import ConnectionClosed

        fresh = False
        while True:
            token = await self._tokens(fresh)
            async with websockets.connect(
                self.url, open_timeout=10, max_size=1 << 20, compression=None, proxy=None
            ) as ws:
                self._ws = ws
                auth: JSON = {"type": "auth", "token": token}
                cursor = self._handler.resume_cursor()
                if cursor:
                    auth["chats"] = cursor  # the server replays what was missed after `ready`
                await ws.send(json.dumps(auth))
                try:
                    ready = await self._await_ready(ws)
                except ConnectionClosed as exc:
                    if exc.rcvd is not None and exc.rcvd.code == AUTH_FAILED and not fresh:
                        fresh = True  # the access token expired: refresh once, then retry
                        continue
                    raise
                renew = asyncio.ensure_future(self._keep_authenticated(token))
                try:
                    return await self._serve(ws, ready)
                finally:
                    renew.cancel()
                    await asyncio.gather(renew, return_exceptions=True)

    async def _await_ready(self, ws: ClientConnection) -> JSON:
        async with asyncio.timeout(READY_TIMEOUT_S):
            while True:
                frame = _decode(await ws.recv())
                if frame.get("type") == "ready":
                    return frame

    async def _serve(self, ws: ClientConnection, ready: JSON) -> bool:
        self._handler.on_ready(ready)
        self._sent_here.clear()
        self._inflight.clear()
        self.connections += 1
        self.backoff.reset()
        self._set_live(True)
        await self._write_pending()
        async for raw in ws:
            frame = _decode(raw)
            kind = frame.get("type")
            if kind == "reconnect":
                log.info("server asked to reconnect")
                return True
            if kind == "message.ack":
                cid = str(frame.get("client_msg_id", ""))
                self._outbox.pop(cid, None)
                self._inflight.discard(cid)
                self._handler.on_ack(frame)
                await self._write_pending()
            elif kind == "error" and frame.get("client_msg_id"):
                await self._send_refused(frame)
            elif kind == "pong":
                continue
            elif kind == "auth.ok":
                self.reauthentications += 1
            else:
                self._handler.on_event(frame)
        return False

    async def _send_refused(self, frame: JSON) -> None:
        cid = str(frame["client_msg_id"])
        code = str(frame.get("code", "error"))
        self._inflight.discard(cid)
        if (code in RETRYABLE or code.endswith("_unavailable")) and cid in self._outbox:
            # Not a verdict on the message: it stays queued and goes out after the next ack,
            # a short wait, or on the next connection.
            self._sent_here.discard(cid)
            wait = retry_delay(_seconds(frame.get("retry_after")), RETRY_DEFERRED_S)
            log.info("send deferred by the server (%s) for %.1f s", code, wait)
            self._hold_until = max(self._hold_until, time.monotonic() + wait)
            self._retry_soon()
            return
        self._outbox.pop(cid, None)
        limit = frame.get("limit")  # the server's figure (text_too_long: its max_text_chars)
        limit = limit if isinstance(limit, int) and not isinstance(limit, bool) else None
        self._handler.on_send_failed(cid, code, str(frame.get("detail", "")), limit)

    async def _keep_authenticated(self, token: str) -> None:
        """Send a fresh token on the open socket before the current one expires, so the server
        never closes it (and the user never sees "reconnecting") every access-token lifetime."""
        while True:
            left = seconds_left(token)
            if left is None:
                return  # unreadable: the server's 4401 and the reconnect (with refresh) cover it
            await asyncio.sleep(max(left * REAUTH_AT, REAUTH_MIN_S))  # a timer, not a sync
            try:
                token = await self._tokens(True)
            except SessionExpiredError:
                return  # the server closes the socket at expiry; reconnecting reports it
            except ClientError as exc:
                log.info("token refresh for the socket failed (%s); trying again", exc)
                continue
            await self._write({"type": "auth", "token": token})

    # -- writing ----------------------------------------------------------------------------

    def _retry_soon(self) -> None:
        """Write the deferred sends again shortly, even if no other ack comes to trigger it."""
        if self._retry is None or self._retry.done():
            self._retry = asyncio.ensure_future(self._write_later())

    async def _write_later(self) -> None:
        # A timer (the server's word), not synchronisation; a later refusal may extend it.
        while (left := self._hold_until - time.monotonic()) > 0:  # noqa: ASYNC110
            await asyncio.sleep(left)
        await self._write_pending()

    async def _write_pending(self) -> None:
        if not self._live:
            return
        if time.monotonic() < self._hold_until:
            self._retry_soon()  # the server asked us to wait: the timer writes them then
            return
        for item in list(self._outbox.values()):
            if len(self._inflight) >= MAX_INFLIGHT:
                return
            if item.client_msg_id in self._sent_here:
                continue
            self._sent_here.add(item.client_msg_id)
            self._inflight.add(item.client_msg_id)
            if not await self._write(item.frame()):
                return

    async def _write(self, frame: JSON) -> bool:
        from websockets.exceptions import ConnectionClosed

        ws = self._ws
        if ws is None:
            return False
        try:
            await ws.send(json.dumps(frame))
        except ConnectionClosed:
            return False  # the run loop notices and reconnects; the outbox keeps the message
        return True

    def _set_live(self, live: bool) -> None:
        if live != self._live:
            self._live = live
            self._handler.on_connection(live)


def _seconds(value: Any) -> float | None:
    """A frame's `retry_after`, when it is a number at all."""
    ok = isinstance(value, int | float) and not isinstance(value, bool)
    return float(value) if ok else None


def seconds_left(token: str) -> float | None:
    """How long an access token (a JWT) stays valid, from its unverified claims: the shorter of
    `exp` by the local clock and its whole lifetime (`exp - iat`), so a local clock running
    behind the server's does not make the socket renew too late. None when unreadable."""
    try:
        payload = token.split(".")[1]
        claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
        exp, iat = float(claims["exp"]), float(claims["iat"])
    except (IndexError, KeyError, TypeError, ValueError, binascii.Error):
        return None
    return max(min(exp - time.time(), exp - iat), 0.0)


def _decode(raw: str | bytes) -> dict[str, Any]:
    try:
        frame = json.loads(raw)
    except ValueError:
        log.warning("ignoring a frame that is not JSON")
        return {}
    return frame if isinstance(frame, dict) else {}
