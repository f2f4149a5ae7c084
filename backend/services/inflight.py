"""Several stored batches in flight, published in each chat's `seq` order.

Order is per chat, not per replica: a batch may be published as soon as it is stored and no batch
allocated before it that touches one of its chats is still unpublished. So a slow store write of
one chat's batch holds back only that chat's later batches, while the senders of every batch are
acknowledged the moment their own batch is stored.

One publisher task sends whatever was released while the previous publish awaited its confirms:
the confirms of many batches are awaited together, and the broker sees each chat's events in the
order they were released.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field

from backend.domain.events import Event

log = logging.getLogger(__name__)

Publish = Callable[[Sequence[Event]], Awaitable[None]]

# Events per publish call: bounds one call's time and memory, keeps a burst's confirms together.
PUBLISH_CHUNK = 1000
# Events waiting for the publisher beyond which no further batch is stored: a bus slower than the
# store pushes back on the senders instead of growing this queue (and the delivery latency).
PUBLISH_BACKLOG = 1000


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
    """One task publishing what was released, in release order, many batches per call."""

    def __init__(self, publish: Publish) -> None:
        self._publish = publish
        self._waiting: list[Event] = []
        self._wake = asyncio.Event()
        self._busy = False
        self._room = asyncio.Event()
        self._room.set()
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="pipeline-publish")

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
            self._task = None

    @property
    def idle(self) -> bool:
        return not self._waiting and not self._busy

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
            while self._waiting:
                events = self._waiting[:PUBLISH_CHUNK]
                del self._waiting[:PUBLISH_CHUNK]
                if len(self._waiting) < PUBLISH_BACKLOG:
                    self._room.set()
                self._busy = True
                try:
                    await self._publish(events)
                finally:
                    self._busy = False
