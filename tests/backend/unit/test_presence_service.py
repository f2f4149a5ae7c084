"""The presence use case on the embedded engines, in-process: a user's first socket anywhere
announces them online to their chats, the last one offline, and heartbeats keep them online."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence

from backend.adapters.bus.memory import MemoryBus, MemoryHub
from backend.adapters.presence.memory import MemoryPresence, PresenceHub
from backend.domain import events as ev
from backend.domain.events import Event
from backend.services.presence import PresenceService


class Clock:
    """Monotonic time that the test moves on (the presence entries expire by it)."""

    def __init__(self) -> None:
        self.at = 1000.0

    def __call__(self) -> float:
        return self.at


async def _bus_for(hub: MemoryHub, keys: list[str], seen: list[Event]) -> MemoryBus:
    bus = MemoryBus(hub)
    await bus.start()
    await bus.bind(keys)

    async def record(event: Event) -> None:
        seen.append(event)

    bus.on_event(record)
    return bus


async def test_first_and_last_socket_across_replicas_announce() -> None:
    buses, presences, clock, seen = MemoryHub(), PresenceHub(), Clock(), []
    watcher = await _bus_for(buses, [ev.chat_key("c1"), ev.chat_key("c2")], seen)
    one = PresenceService(MemoryPresence(10.0, hub=presences, now=clock), MemoryBus(buses), 10.0)
    two = PresenceService(MemoryPresence(10.0, hub=presences, now=clock), MemoryBus(buses), 10.0)

    await one.connected("u1", "a", ["c1", "c2"])
    await two.connected("u1", "b", ["c1", "c2"])  # a second device on another replica: silent
    assert [(e.key, e.body["online"]) for e in seen] == [("chat.c1", True), ("chat.c2", True)]
    await one.disconnected("u1", "a", ["c1", "c2"])
    assert len(seen) == 2  # still online on the other replica
    await two.disconnected("u1", "b", ["c1"])
    [(kind, body)] = [(e.type, e.body) for e in seen[2:]]
    last_seen = body.pop("last_seen_at")
    assert (kind, body) == ("presence", {"chat_id": "c1", "user_id": "u1", "online": False})
    assert isinstance(last_seen, str) and last_seen.endswith("Z"), "when they were last seen"
    await watcher.close()


async def test_heartbeats_bring_an_expired_entry_back() -> None:
    presences, clock = PresenceHub(), Clock()
    store = MemoryPresence(0.05, hub=presences, now=clock)
    service = PresenceService(store, MemoryBus(), 0.05)
    await service.connected("u1", "a", [])
    clock.at += 1.0  # far past the entry's expiry (2 heartbeats)
    assert await store.online(["u1"]) == set()
    service.start(lambda: [("u1", "a")])
    try:
        deadline = time.monotonic() + 5
        while await store.online(["u1"]) != {"u1"}:  # the next heartbeat renews it
            assert time.monotonic() < deadline, "no heartbeat within 5 s"
            await asyncio.sleep(0.01)
    finally:
        await service.close()


async def test_rooms_above_the_limit_are_not_announced_to() -> None:
    buses, seen = MemoryHub(), []
    watcher = await _bus_for(buses, [ev.chat_key("pair"), ev.chat_key("crowd")], seen)
    sizes = {"pair": 2, "crowd": 300}

    async def member_counts(chat_ids: Sequence[str]) -> dict[str, int]:
        return {c: sizes[c] for c in chat_ids}

    store = MemoryPresence(10.0, hub=PresenceHub())
    service = PresenceService(store, MemoryBus(buses), 10.0, member_counts, room_limit=100)
    await service.connected("u1", "a", ["pair", "crowd"])
    await service.connected("u2", "b", ["crowd"])  # only in the crowd: nobody is told
    await service.disconnected("u1", "a", ["pair", "crowd"])
    assert [(e.key, e.body["user_id"], e.body["online"]) for e in seen] == [
        ("chat.pair", "u1", True),
        ("chat.pair", "u1", False),
    ]
    assert await store.online(["u1", "u2"]) == {"u2"}, "the crowd's member list still knows"
    await watcher.close()
