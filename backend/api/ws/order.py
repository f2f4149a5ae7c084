"""Per-socket, per-chat order: a chat's events leave a socket in strictly increasing `seq`, no hole.

Each replica publishes on its own, so the bus can hand this replica `seq` n+2 before n+1, and an
event is lost for good when its replica dies between storing and publishing it. A `ChatOrder`
remembers the last `seq` its socket sent for one chat and holds an early event briefly; if the
missing one does not arrive within `hold_s`, it is read from the event log (the same read as a
resume, shared by every socket waiting for it). A `seq` whose write failed for good comes out of
the log as its void tombstone; a `seq` the log cannot give at all, or a hole that would overflow
the bounded buffer, goes out as `gap {chat_id, seq}`. So a client's position always advances, and
the highest `seq` it has seen is exactly where a resume must start.

Events without a chat `seq` (typing, presence, read markers) never pass through here.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from backend.api import wire
from backend.domain.models import EventType
from backend.services.messages import Resume

log = logging.getLogger(__name__)

# Reads the log's events in (after, upto] of a chat: the frames it can give, and how far it got.
Fill = Callable[[str, int, int], Awaitable[Resume]]
# Writes one serialised frame to the socket's outbox.
Emit = Callable[[str], None]

NUMBERED = frozenset(t.value for t in EventType)  # a `read` frame's `seq` is a reader's marker
MAX_RETRY_S = 1.0  # a hole still being stored is read again at most this far apart


@dataclass
class OrderStats:
    """Counters of one replica, exported on /metrics."""

    held: int = 0  # events that arrived ahead of their predecessor and waited
    filled: int = 0  # events read from the log to fill a hole
    gaps: int = 0  # `gap` frames sent
    repeats: int = 0  # live events dropped because the socket had sent that seq already


class Ordering:
    """What every socket's `ChatOrder` shares: the settings, the log reader, the counters.

    Sockets of one chat usually wait for the same hole, so concurrent reads of the same range
    are made once.
    """

    def __init__(self, fill: Fill, hold_s: float, max_held: int) -> None:
        self._fill = fill
        self.hold_s = hold_s
        self.max_held = max_held
        self.stats = OrderStats()
        self._reads: dict[tuple[str, int, int], asyncio.Task[Resume]] = {}

    async def read(self, chat_id: str, after: int, upto: int) -> Resume:
        key = (chat_id, after, upto)
        task = self._reads.get(key)
        if task is None:
            task = asyncio.ensure_future(self._fill(chat_id, after, upto))
            self._reads[key] = task
            task.add_done_callback(lambda _t: self._reads.pop(key, None))
        return await asyncio.shield(task)


def chat_seq(event_type: str, body: dict[str, Any]) -> int | None:
    """The chat `seq` an event takes, or None when it is not a numbered chat event."""
    seq = body.get("seq")
    return seq if event_type in NUMBERED and isinstance(seq, int) else None


def gap_frame(chat_id: str, seq: int) -> str:
    return json.dumps({"type": "gap", "chat_id": chat_id, "seq": seq}, separators=(",", ":"))


def _frame_data(frame: dict[str, Any]) -> str:
    return json.dumps(frame, separators=(",", ":"), ensure_ascii=False)


class ChatOrder:
    """One chat on one socket. `sent` is the highest `seq` this socket has sent (or started at)."""

    __slots__ = (
        "_emit",
        "_order",
        "_retry",
        "_task",
        "_timer",
        "chat_id",
        "resuming",
        "sent",
        "waiting",
    )

    def __init__(self, order: Ordering, chat_id: str, sent: int | None, emit: Emit) -> None:
        self._order = order
        self.chat_id = chat_id
        self.sent = sent
        self._emit = emit
        # Early events by seq; public so a socket's hot path can see at a glance that none wait.
        self.waiting: dict[int, str] = {}
        self._timer: asyncio.TimerHandle | None = None
        self._task: asyncio.Task[None] | None = None  # a read of the log in flight
        self._retry = order.hold_s
        self.resuming = False

    def offer(self, seq: int, data: str) -> None:
        """A live event: send it now if it is next, hold it if early, drop it if already sent."""
        if self.sent is None:
            self.sent = seq - 1  # a chat this socket had no position for starts here
        if seq <= self.sent or seq in self.waiting:
            self._order.stats.repeats += 1
            return
        if seq == self.sent + 1 and not self.resuming:
            self._send(seq, data)
            self._drain()
            return
        self._order.stats.held += 1
        self.waiting[seq] = data
        if len(self.waiting) > self._order.max_held and not self.resuming:
            self._give_up()  # (a replay in progress ends by itself, and the held events follow)
        self._arm()

    def begin_resume(self, after: int) -> None:
        """A replay from the log follows; live events wait until `end_resume`."""
        self.resuming = True
        self._cancel()
        if self.sent is None:
            self.sent = after

    def replayed(self, frame: dict[str, Any]) -> None:
        """One frame of a resume replay, in `seq` order: what the client asked for, sent as is."""
        seq = frame.get("seq")
        if isinstance(seq, int) and (self.sent is None or seq > self.sent):
            self.sent = seq
        self._emit(_frame_data(frame))

    def end_resume(self, reached: int) -> None:
        """The replay got to `reached`: continue with the live events held meanwhile."""
        self.resuming = False
        self.sent = max(self.sent or 0, reached)
        self._drain()

    def close(self) -> None:
        self._cancel()
        if self._task is not None:
            self._task.cancel()
        self.waiting.clear()

    # -- inside ------------------------------------------------------------------------------

    def _send(self, seq: int, data: str) -> None:
        self.sent = seq
        self._emit(data)

    def _drain(self) -> None:
        """Send what is now next, drop what fell behind, and wait again if a hole is left."""
        assert self.sent is not None
        for seq in [s for s in self.waiting if s <= self.sent]:
            del self.waiting[seq]
            self._order.stats.repeats += 1
        while (data := self.waiting.pop(self.sent + 1, None)) is not None:
            self._send(self.sent + 1, data)
        if self.waiting:
            self._arm()
        else:
            self._cancel()
            self._retry = self._order.hold_s

    def _give_up(self) -> None:
        """The buffer is full: mark the oldest hole as a gap so the chat moves on."""
        assert self.sent is not None
        first = min(self.waiting)
        for seq in range(self.sent + 1, first):
            self._order.stats.gaps += 1
            self._send(seq, gap_frame(self.chat_id, seq))
        self._drain()

    def _arm(self) -> None:
        if self._timer is None and self._task is None and not self.resuming and self.waiting:
            loop = asyncio.get_running_loop()
            self._timer = loop.call_later(self._retry, self._start_fill)

    def _cancel(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    def _start_fill(self) -> None:
        self._timer = None
        self._task = asyncio.ensure_future(self._fill())

    async def _fill(self) -> None:
        try:
            await self._fill_once()
        except Exception as exc:  # the log is unavailable: try again later
            log.warning("filling a hole of chat %s failed: %s", self.chat_id, exc)
        finally:
            self._task = None
        if self.waiting and not self.resuming:
            self._retry = min(self._retry * 2, MAX_RETRY_S)
            self._arm()

    async def _fill_once(self) -> None:
        if self.sent is None or not self.waiting or self.resuming:
            return
        after, upto = self.sent, min(self.waiting) - 1
        result = await self._order.read(self.chat_id, after, upto)
        if self.resuming:
            return
        for frame in map(wire.frame, result.events):
            seq = frame.get("seq")
            if not isinstance(seq, int) or seq <= self.sent or seq > upto:
                continue
            for missing in range(self.sent + 1, seq):  # the log has no event there at all
                self._order.stats.gaps += 1
                self._send(missing, gap_frame(self.chat_id, missing))
            self._order.stats.filled += 1
            self._send(seq, _frame_data(frame))
        if result.last_seq >= upto and self.sent < upto:
            for missing in range(self.sent + 1, upto + 1):
                self._order.stats.gaps += 1
                self._send(missing, gap_frame(self.chat_id, missing))
        self._drain()


class SocketOrder:
    """Every chat's `ChatOrder` of one socket, made when the chat's first numbered event comes
    (an idle socket keeps only the positions `ready` announced)."""

    __slots__ = ("_emit", "_order", "_start", "chats")

    def __init__(self, order: Ordering, emit: Emit) -> None:
        self._order = order
        self._emit = emit
        # Public for the socket's hot path (`Connection.deliver`), which reads it; only this class
        # adds and removes chats.
        self.chats: dict[str, ChatOrder] = {}
        self._start: dict[str, int] = {}

    def chat(self, chat_id: str, sent: int | None = None) -> ChatOrder:
        found = self.chats.get(chat_id)
        if found is None:
            start = self._start.pop(chat_id, None)
            found = ChatOrder(self._order, chat_id, start if sent is None else sent, self._emit)
            self.chats[chat_id] = found
        return found

    def start(self, positions: list[dict[str, Any]]) -> None:
        """Chats the client does not resume continue from the positions `ready` announced."""
        for p in positions:
            self.start_at(str(p["chat_id"]), int(p["last_seq"]))

    def start_at(self, chat_id: str, sent: int) -> None:
        """Where a chat starts on this socket, unless it started already."""
        if chat_id not in self.chats:
            self._start.setdefault(chat_id, sent)

    def offer(self, chat_id: str, seq: int, data: str) -> None:
        """The usual case costs one lookup and one compare: the next `seq`, nothing held."""
        chat = self.chats.get(chat_id) or self.chat(chat_id)
        if chat.sent == seq - 1 and not chat.resuming and not chat.waiting:
            chat.sent = seq
            self._emit(data)
            return
        chat.offer(seq, data)

    def forget(self, chat_id: str) -> None:
        """The user left the chat: if they come back, they start where they rejoin, and no hole
        from the time they were away is ever read from the log for them."""
        self._start.pop(chat_id, None)
        found = self.chats.pop(chat_id, None)
        if found is not None:
            found.close()

    def close(self) -> None:
        for chat in self.chats.values():
            chat.close()
