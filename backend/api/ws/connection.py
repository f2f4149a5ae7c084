"""One client's WebSocket: a bounded outbox drained by a writer task while it holds frames.

Fan-out never awaits a socket: a socket that can take bytes now collects this tick's frames and
writes them in one go when the tick ends (`fastpath.WriteBatch`); a busy one appends them to its
outbox. A client
that reads too slowly fills its outbox and is disconnected with close code 4408 ("resync"), so it
reconnects and resumes instead of slowing every other member down or growing server memory.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
import uuid
from collections import deque
from typing import Any, Protocol

from backend.api.ws.fastpath import (
    WriteBatch,
    can_write,
    direct,
    frames_of,
    text_frame,
    transport_of,
)
from backend.api.ws.order import Ordering, SocketOrder

log = logging.getLogger(__name__)

CLOSE_AUTH = 4401
CLOSE_SLOW = 4408
# Sockets of this process closed for reading too slowly (one process serves one app); /metrics
# exports it, and it tells operators (and tests) that a slow reader was let go.
SLOW_CLOSED = [0]
CLOSE_FLOOD = 1008
CLOSE_RESTART = 1012
CLOSE_UNAVAILABLE = 1013  # an engine is down before `ready`: try again later
# Frames one socket collects in a tick before they are written: a burst still meets the
# transport's buffer limit (and then the outbox's) as often as single writes did.
TICK_FRAMES = 64


class Socket(Protocol):
    async def send(self, data: str) -> None: ...

    async def close(self, code: int = 1000, reason: str = "") -> None: ...


class TokenBucket:
    """Incoming frames per connection: `rate` a second with bursts of `burst`."""

    __slots__ = ("burst", "rate", "stamp", "tokens")

    def __init__(self, rate: float, burst: int) -> None:
        self.rate = rate
        self.burst = float(burst)
        self.tokens = float(burst)
        self.stamp = time.monotonic()

    def take(self) -> bool:
        now = time.monotonic()
        self.tokens = min(self.burst, self.tokens + (now - self.stamp) * self.rate)
        self.stamp = now
        if self.tokens >= 1.0:
            self.tokens -= 1.0
            return True
        return False


class Connection:
    __slots__ = (
        "_batch",
        "_chats",
        "_closer",
        "_direct",
        "_early",
        "_limit",
        "_outbox",
        "_tick",
        "_transport",
        "_writer",
        "closed",
        "id",
        "inflight",
        "order",
        "ping",
        "presence_seen",
        "user_id",
        "ws",
    )

    def __init__(
        self,
        ws: Socket,
        user_id: str,
        outbox_frames: int,
        ordering: Ordering,
        batch: WriteBatch | None = None,
    ) -> None:
        self.id = uuid.uuid4().hex
        self.ws = ws
        self.user_id = user_id
        self.closed = False
        # Made on first use: an idle socket's empty deque alone costs 760 bytes (a 64-slot block).
        self.presence_seen: dict[str, bool] | None = None
        self.inflight = 0
        # A keepalive ping frame waiting to ride along with this socket's next write of events.
        self.ping: bytes | None = None
        # A plain deque, and a writer task only while there is something to write: an idle
        # socket then costs no task and no queue machinery (thousands of idle sockets add up).
        self._outbox: deque[str] | None = None
        self._limit = outbox_frames
        # This tick's frames for a socket that could take them at once, written when it ends.
        self._tick: list[str] | None = None
        self._batch = batch or WriteBatch()
        self.order = SocketOrder(ordering, self._enqueue)
        self._chats = self.order.chats  # read by `deliver`, the hot path
        self._direct = direct(ws)
        self._transport: Any = None  # what `fastpath.transport_of` gives, asked on first flush
        self._writer: asyncio.Task[None] | None = None
        self._closer: asyncio.Task[None] | None = None
        # Until `ready` goes out, live events wait here: the socket is subscribed before its
        # positions are read, so events can come first, and a client must see `ready` first.
        self._early: list[tuple[str, str | None, int | None]] | None = []

    async def _write(self) -> None:
        try:
            while self._outbox:
                await self.ws.send(self._outbox.popleft())
            self._outbox = None  # drained: an idle socket holds no deque
            self._writer = None  # nor a finished task (`deliver` asks only for None)
        except Exception as exc:  # the peer went away; the reader notices and cleans up
            log.debug("writer of %s stopped: %s", self.id, exc)

    def push(self, data: str, chat_id: str | None = None, seq: int | None = None) -> None:
        """Queue a serialised frame; a chat's numbered events pass through its order first."""
        if self.closed:
            return
        if self._early is not None:
            if len(self._early) >= self._limit:
                SLOW_CLOSED[0] += 1
                self.abort(CLOSE_SLOW, "slow consumer: reconnect and resume")
            self._early.append((data, chat_id, seq))
            return
        if chat_id is not None and seq is not None:
            self.order.offer(chat_id, seq, data)
            return
        self._enqueue(data)

    def deliver(self, data: str, chat_id: str, seq: int) -> None:
        """A chat's numbered event from the hub's pass, the hot loop of a big room. The usual case
        (a settled socket, its chat expecting exactly this `seq` with nothing held, no writer)
        is decided and queued here with no further call; anything else takes `push`, so there
        is still one order, one outbox limit and one slow-consumer close."""
        chat = self._chats.get(chat_id)
        if (
            chat is None
            or chat.sent != seq - 1
            or chat.resuming
            or chat.waiting
            or self._early is not None
            or self.closed
        ):
            self.push(data, chat_id, seq)
            return
        chat.sent = seq
        tick = self._tick
        if tick is not None and len(tick) < TICK_FRAMES - 1:
            tick.append(data)
        elif tick is None and self._direct and self._writer is None and not self._outbox:
            self._tick = [data]
            self._batch.add(self)
        else:
            self._enqueue(data)

    def _enqueue(self, data: str) -> None:
        if self.closed:
            return
        if self._outbox is not None and len(self._outbox) >= self._limit:
            log.info("connection %s of user %s is too slow; closing", self.id, self.user_id)
            SLOW_CLOSED[0] += 1
            self.abort(CLOSE_SLOW, "slow consumer: reconnect and resume")
            return
        if self._tick is not None:  # after what this tick already holds, never past it
            self._tick.append(data)
            if len(self._tick) >= TICK_FRAMES:  # a long burst: out now, then as any write
                self.flush()
            return
        idle = not self._outbox and (self._writer is None or self._writer.done())
        # In the hub's pass: no task, no await; whether the transport takes it now is asked
        # once, when the tick's frames are written.
        if idle and self._direct:
            self._tick = [data]
            self._batch.add(self)
            return
        self._to_outbox(data)

    def _to_outbox(self, data: str) -> None:
        if self._outbox is None:
            self._outbox = deque()
        self._outbox.append(data)
        if self._writer is None or self._writer.done():
            self._writer = asyncio.create_task(self._write())

    def flush(self, built: dict[int, bytes] | None = None) -> None:
        """Write this tick's frames in one go; if the socket got busy meanwhile (paused, closing,
        its lock taken), they take the outbox in the same order."""
        frames, self._tick = self._tick, None
        if not frames or self.closed:
            return
        transport = self._transport
        if transport is None:
            transport = self._transport = transport_of(self.ws)
        if transport is None or not can_write(self.ws, transport):
            for data in frames:
                self._to_outbox(data)
            return
        wire = (
            text_frame(frames[0])
            if len(frames) == 1
            else frames_of(frames, {} if built is None else built)
        )
        ping = self.ping
        if ping is not None:  # the keepalive's ping goes in the same write (after whole frames)
            self.ping = None
            wire += ping
        transport.write(wire)

    def ready(self, data: str) -> None:
        """Send the `ready` frame, then whatever arrived before it (through the chats' order)."""
        early, self._early = self._early or [], None
        self.push(data)
        for frame, chat_id, seq in early:
            self.push(frame, chat_id, seq)

    def abort(self, code: int, reason: str) -> None:
        """Close without waiting for the outbox (slow or abusive client)."""
        if self.closed:
            return
        self.closed = True
        self._tick = None
        self.order.close()
        if self._writer is not None:
            self._writer.cancel()
        self._closer = asyncio.create_task(self._close(code, reason))

    async def _close(self, code: int, reason: str) -> None:
        try:
            await self.ws.close(code, reason)
        except Exception as exc:
            log.debug("close of %s failed: %s", self.id, exc)

    async def finish(self, code: int, reason: str, grace: float = 2.0) -> None:
        """Flush what is queued (e.g. a `reconnect` frame), then close."""
        if self.closed:
            return
        self.flush()
        self.closed = True
        self.order.close()
        writer = self._writer  # (a writer that drains clears `_writer` itself)
        if writer is not None and not writer.done():
            try:
                await asyncio.wait_for(asyncio.shield(writer), grace)
            except (TimeoutError, asyncio.CancelledError):
                writer.cancel()
        await self._close(code, reason)

    async def stop(self) -> None:
        self.closed = True
        self._tick = None
        self.order.close()
        if self._writer is not None:
            self._writer.cancel()
            await asyncio.gather(self._writer, return_exceptions=True)


def frame_json(frame: dict[str, Any]) -> str:
    """Compact JSON: frames are built once per event and written to many sockets."""
    return json.dumps(frame, separators=(",", ":"), ensure_ascii=False)
