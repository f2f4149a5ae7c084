"""Several batches in flight: a stalled store write holds back only its own chat's later events,
every sender is answered when its own batch is stored, and each chat's events are published in
`seq` order."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any, cast

import pytest

from backend.domain.events import Event, chat_key
from backend.domain.models import ChatEvent, EventType, Message
from backend.domain.ports import ChatRepo, EventBus, EventRequest, MessageStore
from backend.services import inflight
from backend.services.pipeline import Pipeline
from tests.fakes.poison import DictStore, PoisonChatRepo
from tests.support.server import eventually

NOW = datetime(2026, 12, 1, tzinfo=UTC)


class GatedStore(DictStore):
    """Holds every write of `chat_id`'s first message until `gate` opens."""

    def __init__(self, chat_id: str) -> None:
        super().__init__()
        self.chat_id = chat_id
        self.gate = asyncio.Event()
        self.stalled = False

    async def write(self, messages: Sequence[Message]) -> None:
        if any(m.chat_id == self.chat_id and m.seq == 1 for m in messages):
            self.stalled = True
            await self.gate.wait()
        await super().write(messages)


class RecordingBus:
    def __init__(self) -> None:
        self.published: list[Event] = []

    async def publish(self, events: Sequence[Event]) -> None:
        self.published.extend(events)

    def seqs(self, chat_id: str) -> list[int]:
        return [e.body["seq"] for e in self.published if e.key == chat_key(chat_id)]


def request(chat_id: str, cid: str) -> EventRequest:
    return EventRequest(chat_id, EventType.MESSAGE_CREATED, "u1", NOW, client_msg_id=cid)


def build(event: ChatEvent) -> Message:
    return Message(event.chat_id, event.seq, event.actor_id, "hi", event.created_at, None)


def events(event: ChatEvent, _message: Message | None) -> list[Event]:
    return [Event(chat_key(event.chat_id), "message.created", {"seq": event.seq})]


async def test_a_stalled_chat_holds_back_only_its_own_later_events() -> None:
    store, bus = GatedStore("slow"), RecordingBus()
    p = Pipeline(
        cast(ChatRepo, PoisonChatRepo()),
        cast(MessageStore, store),
        cast(EventBus, bus),
        lanes=4,
        in_flight=4,
    )
    p.start()
    try:
        first = asyncio.ensure_future(p.submit(request("slow", "s1"), build, events))
        await eventually(lambda: store.stalled, 5, "the first write to stall")
        # Another chat's batch is stored, answered and published past the stalled one.
        other, _ = await asyncio.wait_for(p.submit(request("fast", "f1"), build, events), 5)
        assert other.event is not None and other.event.seq == 1
        await eventually(lambda: bus.seqs("fast") == [1], 5, "the other chat's event")
        # The stalled chat's next message is stored and answered, but not published before seq 1.
        second, _ = await asyncio.wait_for(p.submit(request("slow", "s2"), build, events), 5)
        assert second.event is not None and second.event.seq == 2
        assert not first.done()
        assert bus.seqs("slow") == []
        store.gate.set()
        appended, _ = await asyncio.wait_for(first, 5)
        assert appended.event is not None and appended.event.seq == 1
        await eventually(lambda: bus.seqs("slow") == [1, 2], 5, "both events in order")
        await eventually(lambda: p.idle, 5, "the pipeline to be idle")
    finally:
        await p.close()


async def test_many_chats_in_flight_publish_each_chat_in_seq_order() -> None:
    bus = RecordingBus()
    p = Pipeline(
        cast(ChatRepo, PoisonChatRepo()),
        cast(MessageStore, DictStore()),
        cast(EventBus, bus),
        lanes=4,
        in_flight=4,
        max_batch=3,
    )
    p.start()
    try:
        chats = [f"c{i}" for i in range(10)]
        sends = [p.submit(request(c, f"{c}-{n}"), build, events) for n in range(30) for c in chats]
        outcomes: list[Any] = await asyncio.wait_for(asyncio.gather(*sends), 10)
        assert len(outcomes) == 300
        await eventually(lambda: len(bus.published) == 300, 5, "every event")
        for chat in chats:
            assert bus.seqs(chat) == list(range(1, 31))
    finally:
        await p.close()


class HeldBus:
    """Records each publish call as it starts and holds it until its gate opens, as a broker
    that is slow to confirm would."""

    def __init__(self) -> None:
        self.calls: list[list[int]] = []
        self.gates: list[asyncio.Event] = []

    async def publish(self, events: Sequence[Event]) -> None:
        gate = asyncio.Event()
        self.calls.append([e.body["seq"] for e in events])
        self.gates.append(gate)
        await gate.wait()

    def started(self) -> list[int]:
        return [seq for call in self.calls for seq in call]


async def first_call_held(bus: HeldBus, publish_calls: int) -> Pipeline:
    """A started pipeline whose first message's publish call is under way, unconfirmed."""
    p = Pipeline(
        cast(ChatRepo, PoisonChatRepo()),
        cast(MessageStore, DictStore()),
        cast(EventBus, bus),
        publish_calls=publish_calls,
    )
    p.start()
    await asyncio.wait_for(p.submit(request("c", "c1"), build, events), 5)
    await eventually(lambda: len(bus.calls) == 1, 5, "the first call")
    return p


async def test_publish_calls_overlap_and_start_in_each_chats_order(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A call awaiting its confirms no longer holds back the next: the later batches of the chat
    go out in a call of their own while the first is unconfirmed, started after it."""
    monkeypatch.setattr(inflight, "OVERLAP_MIN", 1)
    bus = HeldBus()
    p = await first_call_held(bus, publish_calls=2)
    try:
        for n in (2, 3):
            await asyncio.wait_for(p.submit(request("c", f"c{n}"), build, events), 5)
        await eventually(lambda: len(bus.calls) == 2, 5, "a second call beside the first")
        assert not bus.gates[0].is_set()
        # Both calls busy: what comes next waits for a free call, still in order.
        await asyncio.wait_for(p.submit(request("c", "c4"), build, events), 5)
        assert len(bus.calls) == 2
        bus.gates[1].set()
        await eventually(lambda: len(bus.calls) == 3, 5, "the third call")
        assert bus.started() == [1, 2, 3, 4]
        assert not p.idle
        for gate in bus.gates:
            gate.set()
        await eventually(lambda: p.idle, 5, "the pipeline to be idle")
    finally:
        await p.close()


async def test_a_few_waiting_events_gather_behind_a_running_call() -> None:
    """Below `OVERLAP_MIN` waiting events no second call starts: they leave together next."""
    bus = HeldBus()
    p = await first_call_held(bus, publish_calls=4)
    try:
        for n in range(2, 5):
            await asyncio.wait_for(p.submit(request("c", f"c{n}"), build, events), 5)
        assert len(bus.calls) == 1
        bus.gates[0].set()
        await eventually(lambda: len(bus.calls) == 2, 5, "the second call")
        assert bus.calls[1] == [2, 3, 4]
        bus.gates[1].set()
        await eventually(lambda: p.idle, 5, "the pipeline to be idle")
    finally:
        await p.close()


class CountingStore(GatedStore):
    """A `GatedStore` that records the chats of each write call."""

    def __init__(self, chat_id: str) -> None:
        super().__init__(chat_id)
        self.writes: list[list[str]] = []

    async def write(self, messages: Sequence[Message]) -> None:
        self.writes.append([m.chat_id for m in messages])
        await super().write(messages)


async def test_batches_that_queue_for_a_busy_store_share_one_write() -> None:
    """While the only store slot is busy, three chats' batches are allocated one after another;
    when it frees, they are stored in one write, and every sender is answered once it lands."""
    store, bus = CountingStore("slow"), RecordingBus()
    p = Pipeline(
        cast(ChatRepo, PoisonChatRepo()),
        cast(MessageStore, store),
        cast(EventBus, bus),
        in_flight=1,
    )
    allocated: list[float] = []
    p.on_stage = lambda name, took: allocated.append(took) if name == "allocate" else None
    p.start()
    try:
        first = asyncio.ensure_future(p.submit(request("slow", "s1"), build, events))
        await eventually(lambda: store.stalled, 5, "the first write to stall")
        later = []
        for n, chat in enumerate(["c1", "c2", "c3"], start=2):
            later.append(asyncio.ensure_future(p.submit(request(chat, f"{chat}-1"), build, events)))
            await eventually(lambda n=n: len(allocated) == n, 5, f"batch {n} allocated")
        store.gate.set()
        answers = await asyncio.wait_for(asyncio.gather(first, *later), 5)
        assert [a.event.seq for a, _ in answers if a.event is not None] == [1, 1, 1, 1]
        assert store.writes == [["slow"], ["c1", "c2", "c3"]]
        await eventually(lambda: len(bus.published) == 4, 5, "every event")
        assert [e.key for e in bus.published[1:]] == [chat_key(c) for c in ["c1", "c2", "c3"]]
    finally:
        await p.close()
