"""The HTTP protocol with two guards Sanic lacks: a whole-request receive deadline and a cap on
connections per client address.

Sanic restarts its request timer on every chunk, so a client trickling one byte every few seconds
holds a connection for ever (2,000 of them were held for 150 s). Here a request must arrive whole
(headers and body) within `request_deadline_s` of its first byte (of the connection, for the first
request), or it gets 408 and the connection is closed. A connection that is idle between
requests keeps Sanic's keep-alive timeout. The body of a streaming route (an upload, whose size
limit Sanic lifts) is its handler's to bound: only its headers count.

The address cap applies where the server sees its clients' addresses (the embedded default);
behind a load balancer (`proxies_count` > 0) every peer is the balancer, and HAProxy enforces
the cap instead (deploy/haproxy/haproxy.cfg).
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections import Counter
from typing import Any

from sanic.http import Stage
from sanic.server.protocols.websocket_protocol import WebSocketProtocol

log = logging.getLogger(__name__)

_TIMEOUT_BODY = json.dumps(
    {
        "type": "about:blank",
        "title": "Request Timeout",
        "status": 408,
        "code": "request_timeout",
        "detail": "The request did not arrive in time.",
    }
).encode()
TIMEOUT_RESPONSE = (
    b"HTTP/1.1 408 Request Timeout\r\ncontent-type: application/problem+json\r\n"
    b"connection: close\r\ncontent-length: %d\r\n\r\n%b" % (len(_TIMEOUT_BODY), _TIMEOUT_BODY)
)


class ConnectionGuard:
    """Per-app state shared by the protocol instances: open connections by address."""

    def __init__(self, per_address: int, deadline_s: float) -> None:
        self.per_address = per_address
        self.deadline_s = deadline_s
        self.open: Counter[str] = Counter()
        self.refused = 0
        self.timed_out = 0

    def admit(self, address: str) -> bool:
        if self.per_address and self.open[address] >= self.per_address:
            self.refused += 1
            return False
        self.open[address] += 1
        return True

    def leave(self, address: str) -> None:
        self.open[address] -= 1
        if self.open[address] <= 0:
            del self.open[address]


class GuardedProtocol(WebSocketProtocol):
    """Sanic's protocol (HTTP + WebSocket upgrade) with the guards above."""

    __slots__ = ("_address", "_deadline", "_started")

    def connection_made(self, transport: Any) -> None:
        guard: ConnectionGuard = self.app.ctx.connection_guard
        peer = transport.get_extra_info("peername")
        self._address: str | None = str(peer[0]) if isinstance(peer, tuple) else None
        self._deadline: asyncio.TimerHandle | None = None
        self._started: float | None = None
        if self._address is not None and not guard.admit(self._address):
            self._address = None
            transport.abort()  # refused before any byte is read: nothing to answer
            return
        super().connection_made(transport)  # type: ignore[no-untyped-call]  # Sanic: untyped
        self._start_request()

    def connection_lost(self, exc: Exception | None) -> None:
        if self._deadline is not None:
            self._deadline.cancel()
        if self._address is not None:
            self.app.ctx.connection_guard.leave(self._address)
            self._address = None
        if getattr(self, "transport", None) is not None:
            super().connection_lost(exc)  # type: ignore[no-untyped-call]

    def data_received(self, data: bytes) -> None:
        if self.websocket is None and self._started is None:
            self._start_request()  # the first bytes of the next request on this connection
        super().data_received(data)  # type: ignore[no-untyped-call]

    async def send(self, data: bytes) -> None:
        if not data.startswith(b"HTTP/1.1 100"):
            self._started = None  # answering: this request has arrived
        await super().send(data)  # type: ignore[no-untyped-call]

    def _start_request(self) -> None:
        self._started = time.monotonic()
        if self._deadline is None:
            self._arm(self.app.ctx.connection_guard.deadline_s)

    def _arm(self, delay: float) -> None:
        self._deadline = self.loop.call_later(max(delay, 0.05), self._enforce)

    def _receiving(self) -> bool:
        """Still waiting for this request's headers or body (or the first request's bytes)."""
        http = getattr(self, "_http", None)
        if self._started is None or self.websocket is not None:
            return False
        if http is None or http.stage in (Stage.IDLE, Stage.REQUEST):
            return True
        if http.stage is not Stage.HANDLER or not http.request_body or http.upgrade_websocket:
            return False
        # A streaming handler (an upload: Sanic lifts its size limit) bounds its own body.
        return bool(http.request_max_size != float("inf"))

    def _enforce(self) -> None:
        self._deadline = None
        if not self._receiving():
            self._started = None
            return
        assert self._started is not None
        left = self._started + self.app.ctx.connection_guard.deadline_s - time.monotonic()
        if left > 0:
            self._arm(left)
            return
        self.app.ctx.connection_guard.timed_out += 1
        self._started = None
        # Answer and close here: cancelling Sanic's task mid-body makes it drain the rest of
        # the (trickling) body before it answers, which is the very wait being cut.
        if self.transport is not None and not self.transport.is_closing():
            self.transport.write(TIMEOUT_RESPONSE)
            self.transport.close()
