"""The embedded event bus: fan-out inside one process.

`MemoryBus` behaves like one replica's view of the RabbitMQ topic exchange: a published event
reaches this bus's handlers only if its routing key is bound here. Several buses may share one
`MemoryHub` to stand in for several processes (the contract tests do that); by default each bus
has a hub of its own, which is the one-machine embedded mode.

Every event goes through the bus's JSON codec (`codec.py`) as it would on RabbitMQ: each receiver
gets its own copy, and a body that is not JSON fails here too. Delivery is inline: `publish`
returns after every bus bound to the key has run its handlers, the in-process equivalent of a
publisher confirm. A handler that raises is logged and does not stop the other deliveries or fail
the publisher (a consumer's failure is never the sender's).
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Awaitable, Callable, Iterable, Sequence

from backend.adapters.bus.codec import decode, encode
from backend.domain.events import Event
from backend.domain.ports import EventHandler

log = logging.getLogger(__name__)

ReconnectHandler = Callable[[], Awaitable[None]]


class MemoryHub:
    """The shared "exchange" of a group of in-process buses."""

    def __init__(self) -> None:
        self.buses: list[MemoryBus] = []

    async def route(self, events: Sequence[Event]) -> None:
        wire = [(event.key, encode(event)) for event in events]
        for key, data in wire:
            for bus in list(self.buses):
                if bus.is_bound(key):
                    await bus.deliver(decode(data))


class MemoryBus:
    """In-process `EventBus`.

    `bind` counts: a key bound twice (two users of one chat on this replica) stays bound until it
    has been unbound twice. `received` counts the events that reached this bus (its "queue").
    """

    def __init__(self, hub: MemoryHub | None = None) -> None:
        self._hub = hub if hub is not None else MemoryHub()
        self._bindings: Counter[str] = Counter()
        self._handlers: list[EventHandler] = []
        self._reconnect_handlers: list[ReconnectHandler] = []
        self._started = False
        self.received = 0

    async def start(self) -> None:
        if not self._started:
            self._hub.buses.append(self)
            self._started = True

    async def close(self) -> None:
        if self._started:
            self._hub.buses.remove(self)
            self._started = False
        self._bindings.clear()

    async def publish(self, events: Sequence[Event]) -> None:
        if not self._started:
            # An embedded bus needs no connection; publishing before `start` still delivers.
            await self.start()
        await self._hub.route(events)

    async def bind(self, keys: Iterable[str]) -> None:
        for key in keys:
            self._bindings[key] += 1

    async def unbind(self, keys: Iterable[str]) -> None:
        for key in keys:
            count = self._bindings.get(key, 0)
            if count <= 1:
                self._bindings.pop(key, None)
            else:
                self._bindings[key] = count - 1

    def on_event(self, handler: EventHandler) -> None:
        self._handlers.append(handler)

    def on_reconnect(self, handler: ReconnectHandler) -> None:
        """Called after the bus lost and regained its broker; never happens in memory."""
        self._reconnect_handlers.append(handler)

    def is_bound(self, key: str) -> bool:
        return self._started and key in self._bindings

    @property
    def bound_keys(self) -> set[str]:
        return set(self._bindings)

    async def deliver(self, event: Event) -> None:
        self.received += 1
        for handler in list(self._handlers):
            try:
                await handler(event)
            except Exception:
                log.exception("event handler failed for %s (%s)", event.type, event.key)
