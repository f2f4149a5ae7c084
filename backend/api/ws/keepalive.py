"""One keepalive for every socket of the replica, instead of Sanic's ping task per socket.

Sanic's own keepalive (`WEBSOCKET_PING_INTERVAL`) keeps a task per socket that sleeps, pings and
waits for the pong: about 1.4 KiB of an idle socket. Here one task wakes every `interval`, builds
one ping frame and writes it to each socket in one pass, registering the pong it expects in the
socket's own `pings` (Sanic's pong handling resolves it). A socket whose previous ping is still
unanswered at the next round is failed with 1011, as Sanic's pinger does when its `ping_timeout`
(here the same interval) runs out: a dead peer is dropped within two intervals, as before.
"""

from __future__ import annotations

import asyncio
import logging
import struct
from collections.abc import Callable, Iterable
from typing import Any

from sanic.server.websockets.impl import WebsocketImplProtocol
from websockets.frames import Frame, Opcode

from backend.api.ws.fastpath import writable

log = logging.getLogger(__name__)

CLOSE_PONG_TIMEOUT = 1011  # what Sanic's own pinger closes a silent peer with


def _retrieved(fut: asyncio.Future[None]) -> None:
    """Nobody awaits a pong: a socket lost meanwhile fails its waiter, which must not be logged
    as an exception never retrieved."""
    if not fut.cancelled():
        fut.exception()


class Keepalive:
    def __init__(self, sockets: Callable[[], Iterable[Any]], interval: float) -> None:
        self._sockets = sockets
        self._interval = interval
        self._round = 0
        self._task: asyncio.Task[None] | None = None
        self._slow: set[asyncio.Task[Any]] = set()

    def start(self) -> None:
        if self._interval > 0:
            self._task = asyncio.create_task(self._run(), name="ws-keepalive")

    async def close(self) -> None:
        for task in (self._task, *self._slow):
            if task is not None:
                task.cancel()
        await asyncio.gather(*(t for t in (self._task, *self._slow) if t), return_exceptions=True)

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(self._interval)
            try:
                self.ping_all()
            except Exception:  # one bad socket must not stop every socket's keepalive
                log.exception("keepalive round failed")

    def ping_all(self) -> int:
        """Fail the sockets that never answered the last round, ping the rest; the number failed."""
        self._round = (self._round + 1) % 2**32
        payload = struct.pack("!I", self._round)
        wire = Frame(Opcode.PING, payload).serialize(mask=False, extensions=[])
        failed = 0
        for ws in self._sockets():
            if not isinstance(ws, WebsocketImplProtocol) or ws.io_proto is None:
                continue
            if ws.pings:  # the previous round's ping is unanswered: the peer is gone
                log.info("socket missed its pong; closing")
                ws.pings.clear()
                ws.fail_connection(CLOSE_PONG_TIMEOUT)
                failed += 1
                continue
            self._ping(ws, payload, wire)
        return failed

    def _ping(self, ws: WebsocketImplProtocol, payload: bytes, wire: bytes) -> None:
        transport = writable(ws)
        if transport is None:  # busy writing or paused: ping through its lock, as Sanic would
            task = asyncio.create_task(self._ping_later(ws, payload))
            self._slow.add(task)
            task.add_done_callback(self._slow.discard)
            return
        waiter = ws.io_proto.loop.create_future()  # type: ignore[union-attr]
        waiter.add_done_callback(_retrieved)
        ws.pings[payload] = waiter
        transport.write(wire)

    @staticmethod
    async def _ping_later(ws: WebsocketImplProtocol, payload: bytes) -> None:
        try:
            await ws.ping(payload)
        except Exception as exc:  # closed meanwhile: its reader cleans up
            log.debug("keepalive ping not sent: %s", exc)
