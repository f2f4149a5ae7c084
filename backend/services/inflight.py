"""Several stored batches in flight, published in each chat's `seq` order.

Order is per chat, not per replica: a batch may be published as soon as it is stored and no batch
allocated before it that touches one of its chats is still unpublished. So a slow store write of
one chat's batch holds back only that chat's later batches, while the senders of every batch are
acknowledged the moment their own batch is stored.

The publisher sends whatever was released while earlier calls awaited their confirms, with up to
`calls` publish calls in flight at once: the confirms of many batches are awaited together, and
the broker sees each chat's events in the order they were released.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import deque
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Generic, TypeVar

from backend.domain.events import Event

log = logging.getLogger(__name__)

Publish = Callable[[Sequence[Event]], Awaitable[None]]
J = TypeVar("J")
# Given a stage's name and its start (perf_counter), reports its time.
Stage = Callable[[str, float], object]

# Events per publish call: bounds one call's time and memory, keeps a burst's confirms together.
PUBLISH_CHUNK = 1000
# Events waiting for the publisher beyond which no further batch is stored: a bus slower than the
# store pushes back on the senders instead of growing this queue (and the delivery latency).
PUBLISH_BACKLOG = 1000
# Waiting events for which a publish call starts beside a running one (see `Publisher`).
OVERLAP_MIN = 50


@dataclass(eq=False)
class Flight:
    """One allocated batch between its allocation and its publishing."""

    chats: frozenset[str]
    events: list[Event] | None = None  # set once the batch is stored (empty if it failed)


@dataclass
class Release:
    """Allocated batches in allocation order; each leaves once nothing before it holds it back."""

    publisher: Publisher
    _flights: deque[Flight] = field(default_factory=deque)

    def open(self, chats: frozenset[str]) -> Flight:
        """Called in allocation order (per chat, that is `seq` order)."""
        flight = Flight(chats)
        self._flights.append(flight)
        return flight

    def finish(self, flight: Flight, events: list[Event]) -> None:
        flight.events = events
        blocked: set[str] = set()
        kept: deque[Flight] = deque()
        for f in self._flights:
            if f.events is not None and blocked.isdisjoint(f.chats):
                self.publisher.push(f.events)
            else:
                blocked |= f.chats
                kept.append(f)
        self._flights = kept

    @property
    def empty(self) -> bool:
        return not self._flights


class Publisher:
    """Publishes what was released, in release order, many batches per call.

    Up to `calls` publish calls are in flight at once, started in release order; their confirms
    are awaited side by side, so one call's round trip no longer holds back the next. A call
    beside a running one starts only for `OVERLAP_MIN` waiting events: until then what arrives
    gathers into the next call (fewer, fuller bus messages cost less than early ones). That keeps
    each chat's order only on a bus that puts a call's events on the wire, in call order, before
    its first suspension (RabbitMQ: one channel, frames queued under its lock): the composition
    root gives more than one call only to such a bus.
    """

    def __init__(self, publish: Publish, stage: Stage | None = None, *, calls: int = 1) -> None:
        self._publish = publish
        self._stage = stage
        self._calls = max(calls, 1)
        self._waiting: list[Event] = []
        self._wake = asyncio.Event()
        self._in_flight: set[asyncio.Task[None]] = set()
        self._room = asyncio.Event()
        self._room.set()
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="pipeline-publish")

    async def close(self) -> None:
        tasks = [*self._in_flight, *([self._task] if self._task is not None else [])]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        self._task = None

    @property
    def idle(self) -> bool:
        return not self._waiting and not self._in_flight

    def push(self, events: Sequence[Event]) -> None:
        if events:
            self._waiting.extend(events)
            self._wake.set()
            if len(self._waiting) >= PUBLISH_BACKLOG:
                self._room.clear()

    async def room(self) -> None:
        """Return once the backlog is below `PUBLISH_BACKLOG`."""
        await self._room.wait()

    async def _run(self) -> None:
        while True:
            await self._wake.wait()
            self._wake.clear()
            while self._waiting and self._may_start():
                events = self._waiting[:PUBLISH_CHUNK]
                del self._waiting[:PUBLISH_CHUNK]
                if len(self._waiting) < PUBLISH_BACKLOG:
                    self._room.set()
                # Tasks start in creation order: each call reaches the bus before the next.
                task = asyncio.create_task(self._call(events), name="pipeline-publish-call")
                self._in_flight.add(task)
                task.add_done_callback(self._in_flight.discard)

    def _may_start(self) -> bool:
        running = len(self._in_flight)
        return running < self._calls and (not running or len(self._waiting) >= OVERLAP_MIN)

    async def _call(self, events: list[Event]) -> None:
        started = time.perf_counter()
        try:
            await self._publish(events)
        finally:
            # Out of the running set before the wake-up, which then counts a free call.
            self._in_flight.discard(asyncio.current_task())
            self._wake.set()  # what waited for a free call may go now
        if self._stage is not None:
            self._stage("publish", started)


# A transaction beside a running one opens only for this many waiting changes: on these engines
# a transaction's fixed round trips cost more than the wait for the running one to end.
CONCURRENT_MIN = 8


class Admission(Generic[J]):
    """Waiting changes, taken as batches over chats that no running allocation holds.

    Up to `slots` transactions allocate at once, each over chats of its own, so a chat's batches
    are allocated one after another in arrival order while other chats' overlap. The first
    transaction opens at once (no timer: an idle pipeline adds no wait); one beside it only for
    `CONCURRENT_MIN` waiting changes of free chats, so concurrency does not cut every batch small.
    """

    def __init__(self, slots: int, max_batch: int, chat_of: Callable[[J], str]) -> None:
        self._slots = max(slots, 1)
        self._max_batch = max_batch
        self._chat_of = chat_of
        self._waiting: deque[J] = deque()
        self._per_chat: dict[str, int] = {}
        self._busy: set[str] = set()
        self.running = 0

    def __len__(self) -> int:
        return len(self._waiting)

    def put(self, job: J) -> None:
        chat = self._chat_of(job)
        self._waiting.append(job)
        self._per_chat[chat] = self._per_chat.get(chat, 0) + 1

    def take(self) -> list[J] | None:
        """The next batch to allocate now (its chats are held until `done`), or None."""
        if self.running >= self._slots or not self._waiting:
            return None
        free = len(self._waiting) - sum(self._per_chat.get(c, 0) for c in self._busy)
        if free <= 0 or (self.running and free < CONCURRENT_MIN):
            return None
        batch: list[J] = []
        kept: deque[J] = deque()
        for job in self._waiting:
            if len(batch) < self._max_batch and self._chat_of(job) not in self._busy:
                batch.append(job)
            else:
                kept.append(job)
        self._waiting = kept
        # A chat cut off by `max_batch` keeps its rest waiting: held, so they stay behind.
        for job in batch:
            chat = self._chat_of(job)
            self._busy.add(chat)
            left = self._per_chat[chat] - 1
            if left:
                self._per_chat[chat] = left
            else:
                del self._per_chat[chat]
        self.running += 1
        return batch

    def done(self, batch: Sequence[J]) -> None:
        """The batch is allocated and handed on in order: its chats may take the next."""
        for job in batch:
            self._busy.discard(self._chat_of(job))
        self.running -= 1
