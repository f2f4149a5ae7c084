"""One keepalive for every socket of the replica, instead of Sanic's ping task per socket.

Sanic's own keepalive (`WEBSOCKET_PING_INTERVAL`) keeps a task per socket that sleeps, pings and
waits for the pong: about 1.4 KiB of an idle socket. Here one task wakes every `interval`, builds
one ping frame and writes it to each socket in one pass, registering the pong it expects in the
socket's own `pings` (Sanic's pong handling resolves it). A socket whose previous ping is still
unanswered at the next round is failed with 1011, as Sanic's pinger does when its `ping_timeout`
(here the same interval) runs out: a dead peer is dropped within two intervals, as before.

A ping rides along with the socket's next write of events when one comes soon: the round only
hands each socket its ping frame (`Connection.ping`), its tick's flush appends it to the frames
it writes anyway, and one timer per round (`RIDE_S` later, not one per socket) writes the pings
no event carried. In a busy room a ping then costs no system call and no loopback wake-up of
its own (a round's 2,000 separate pings were ~7 % of the server's samples in a profile holding
one round).
"""

from __future__ import annotations

import asyncio
import logging
import struct
from collections.abc import Callable, Iterable
from typing import Any

from sanic.server.websockets.impl import WebsocketImplProtocol
from websockets.frames import Frame, Opcode

from backend.api.ws.connection import Connection
from backend.api.ws.fastpath import writable

log = logging.getLogger(__name__)

CLOSE_PONG_TIMEOUT = 1011  # what Sanic's own pinger closes a silent peer with
# How long a round's pings wait for an event write to ride along with (at most a quarter of the
# interval, so a ping still goes out long before the round that checks its pong).
RIDE_S = 1.0


def _retrieved(fut: asyncio.Future[None]) -> None:
    """Nobody awaits a pong: a socket lost meanwhile fails its waiter, which must not be logged
    as an exception never retrieved."""
    if not fut.cancelled():
        fut.exception()


class Keepalive:
    def __init__(self, sockets: Callable[[], Iterable[Connection]], interval: float) -> None:
        self._sockets = sockets
        self._interval = interval
        self._round = 0
        self._task: asyncio.Task[None] | None = None
        self._slow: set[asyncio.Task[Any]] = set()
        self._due: list[Connection] = []  # handed a ping this round that no write carried yet
        self._timer: asyncio.TimerHandle | None = None

    def start(self) -> None:
        if self._interval > 0:
            self._task = asyncio.create_task(self._run(), name="ws-keepalive")

    async def close(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
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
        self._send_due()  # the last round's stragglers, should its timer not have run yet
        for conn in self._sockets():
            ws = conn.ws
            if not isinstance(ws, WebsocketImplProtocol) or ws.io_proto is None or conn.closed:
                continue
            if ws.pings:  # the previous round's ping is unanswered: the peer is gone
                log.info("socket missed its pong; closing")
                ws.pings.clear()
                ws.fail_connection(CLOSE_PONG_TIMEOUT)
                failed += 1
                continue
            waiter = ws.io_proto.loop.create_future()
            waiter.add_done_callback(_retrieved)
            ws.pings[payload] = waiter
            conn.ping = wire  # written with the socket's next events, or by the timer
            self._due.append(conn)
        if self._due:
            ride = min(RIDE_S, self._interval / 4)
            self._timer = asyncio.get_running_loop().call_later(ride, self._send_due)
        return failed

    def _send_due(self) -> None:
        """Write the pings no event write carried since the round."""
        due, self._due, self._timer = self._due, [], None
        for conn in due:
            wire, conn.ping = conn.ping, None
            if wire is None or conn.closed:
                continue
            ws = conn.ws
            transport = writable(ws)
            if transport is not None:
                transport.write(wire)
                continue
            # Busy writing or paused: ping through its lock, as Sanic would (its own waiter).
            assert isinstance(ws, WebsocketImplProtocol)
            ws.pings.clear()
            task = asyncio.create_task(self._ping_later(ws, wire[2:]))
            self._slow.add(task)
            task.add_done_callback(self._slow.discard)

    @staticmethod
    async def _ping_later(ws: WebsocketImplProtocol, payload: bytes) -> None:
        try:
            await ws.ping(payload)
        except Exception as exc:  # closed meanwhile: its reader cleans up
            log.debug("keepalive ping not sent: %s", exc)
