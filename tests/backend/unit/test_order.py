"""The per-chat order buffer on the embedded engines, in-process: a socket sends each chat's
events in strictly increasing `seq` with no hole, whatever order the bus delivers them in."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from backend.adapters.bus.memory import MemoryBus
from backend.adapters.db.chats import SqlChatRepo
from backend.adapters.db.connection import close_database, open_database
from backend.adapters.db.users import SqlUserRepo
from backend.adapters.messages.sql import SqlMessageStore
from backend.adapters.presence.memory import MemoryPresence, MemoryRateLimiter
from backend.api import wire
from backend.api.ws.connection import frame_json
from backend.api.ws.order import ChatOrder, Ordering, SocketOrder, chat_seq
from backend.config import Settings
from backend.domain.errors import Unavailable
from backend.domain.models import Message, User
from backend.services.chats import ChatService
from backend.services.messages import VOID_AFTER, MessageLimits, MessageService, Resume
from backend.services.pipeline import Pipeline

HOLD_S = 0.02


class ManualClock:
    """The one thing without a product implementation: time that a test moves on."""

    def __init__(self) -> None:
        self.at = datetime(2026, 1, 1, tzinfo=UTC)

    def now(self) -> datetime:
        return self.at


class BreakableStore(SqlMessageStore):
    """The embedded message store, whose writes fail while `broken` (a failed write on purpose)."""

    broken = False

    async def write(self, messages: Sequence[Message]) -> None:
        if self.broken:
            raise Unavailable("store down for the test", code="store_unavailable")
        await super().write(messages)


@dataclass
class World:
    messages: MessageService
    store: BreakableStore
    clock: ManualClock
    user_id: str
    chat_id: str
    out: list[str] = field(default_factory=list)
    sent: int = 0

    async def send(self, n: int = 1) -> None:
        for _ in range(n):
            self.sent += 1
            await self.messages.send(self.user_id, self.chat_id, f"c{self.sent}", f"m{self.sent}")

    async def frames(self, after: int, upto: int) -> dict[int, str]:
        """Each event's frame as the bus would deliver it (what the log holds for it)."""
        replay = await self.messages.replay(self.chat_id, after, upto)
        return {e.body["seq"]: frame_json(wire.frame(e)) for e in replay.events}

    def seqs(self) -> list[int]:
        return [json.loads(d)["seq"] for d in self.out]

    def order(self, ordering: Ordering, sent: int | None = 0) -> ChatOrder:
        return ChatOrder(ordering, self.chat_id, sent, self.out.append)


@pytest.fixture
async def world(tmp_path: Path) -> AsyncIterator[World]:
    await open_database(Settings(data_dir=tmp_path))
    store, bus, clock = BreakableStore(), wire.WireBus(MemoryBus()), ManualClock()
    repo, users = SqlChatRepo(), SqlUserRepo()
    pipeline = Pipeline(repo, store, bus)
    pipeline.start()
    chats = ChatService(repo, users, store, bus, MemoryPresence(10.0), pipeline, clock)
    limits = MessageLimits(4000, 100, 1000, 1000)
    messages = MessageService(chats, repo, store, bus, MemoryRateLimiter(), pipeline, clock, limits)
    alice = await users.create(User("u-alice", "alice", "alice@example.org", "Alice", clock.now()))
    chat = await chats.create_group(alice.id, "order", [])
    try:
        yield World(messages, store, clock, alice.id, chat.summary.chat.id)
    finally:
        await pipeline.close()
        await close_database()


async def until(check: Callable[[], bool], what: str, timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise TimeoutError(f"timed out waiting for {what}")
        await asyncio.sleep(0.01)


async def test_early_events_wait_for_their_predecessor(world: World) -> None:
    await world.send(3)
    f = await world.frames(0, 3)
    ordering = Ordering(world.messages.replay, 10.0, 100)
    order = world.order(ordering)
    order.offer(3, f[3])
    order.offer(2, f[2])
    assert world.out == []
    order.offer(1, f[1])
    order.offer(2, f[2])  # a repeat from the bus
    assert world.out == [f[1], f[2], f[3]]
    assert (ordering.stats.held, ordering.stats.filled, ordering.stats.repeats) == (2, 0, 1)
    order.close()


async def test_a_hole_that_never_arrives_is_filled_from_the_log(world: World) -> None:
    await world.send(3)
    f = await world.frames(0, 3)
    ordering = Ordering(world.messages.replay, HOLD_S, 100)
    order = world.order(ordering)
    order.offer(2, f[2])  # seq 1 was stored, but its replica died before publishing it
    order.offer(3, f[3])
    await until(lambda: len(world.out) == 3, "the hole filled from the log")
    assert world.out == [f[1], f[2], f[3]]
    assert json.loads(world.out[0])["message"]["text"] == "m1"
    assert ordering.stats.filled == 1
    order.close()


async def test_a_failed_write_is_held_then_voided_so_the_chat_moves_on(world: World) -> None:
    await world.send(1)
    world.store.broken = True
    with pytest.raises(Unavailable):
        await world.send(1)  # seq 2 is taken, its content never lands, nobody retries
    world.store.broken = False
    await world.send(1)
    f3 = (await world.frames(2, 3))[3]
    reads: list[tuple[int, int]] = []

    async def read(chat_id: str, after: int, upto: int) -> Resume:
        reads.append((after, upto))
        return await world.messages.replay(chat_id, after, upto)

    ordering = Ordering(read, HOLD_S, 100)
    order = world.order(ordering, sent=1)
    order.offer(3, f3)
    await until(lambda: len(reads) >= 2, "the log read twice for seq 2")
    assert world.out == []  # seq 2 may still be retried by its sender: it is waited for
    assert reads[0] == (1, 2)
    world.clock.at += VOID_AFTER + timedelta(seconds=1)
    await until(lambda: len(world.out) == 2, "the void seq 2, then seq 3")
    void = json.loads(world.out[0])
    assert (void["seq"], void["message"]["deleted"], void["message"]["text"]) == (2, True, None)
    assert world.out[1] == f3
    history, _ = await world.messages.history(world.user_id, world.chat_id, None, None, 10)
    assert [(m.seq, m.deleted) for m in history] == [(1, False), (2, True), (3, False)]
    order.close()


async def test_a_hole_beyond_the_bounded_buffer_goes_out_as_gap(world: World) -> None:
    await world.send(5)
    f = await world.frames(0, 5)
    ordering = Ordering(world.messages.replay, 10.0, 2)
    order = world.order(ordering)
    for seq in (3, 4, 5):  # 1 and 2 are late beyond what one chat may hold
        order.offer(seq, f[seq])
    gaps = [json.loads(d) for d in world.out[:2]]
    assert gaps == [{"type": "gap", "chat_id": world.chat_id, "seq": s} for s in (1, 2)]
    assert world.out[2:] == [f[3], f[4], f[5]]
    assert ordering.stats.gaps == 2
    order.offer(1, f[1])  # arriving after all: too late, never a step back
    assert world.seqs() == [1, 2, 3, 4, 5]
    order.close()


async def test_a_resume_overlapping_live_events_has_no_hole_and_no_repeat(world: World) -> None:
    await world.send(5)
    f = await world.frames(0, 5)
    ordering = Ordering(world.messages.replay, HOLD_S, 100)
    order = world.order(ordering, sent=None)
    order.begin_resume(2)  # the client had seen up to 2 (its `auth` frame said so)
    order.offer(4, f[4])  # live events of the replayed range, arriving during the replay
    replay = await world.messages.resume(world.user_id, world.chat_id, 2)
    await world.send(1)
    f6 = (await world.frames(5, 6))[6]
    order.offer(6, f6)  # live, newer than the replay
    for event in replay.events:
        order.replayed(wire.frame(event))
    order.offer(5, f[5])
    order.end_resume(replay.last_seq)
    order.offer(5, f[5])  # the bus delivering the seam's last event late
    assert world.seqs() == [3, 4, 5, 6]
    assert world.out[-1] == f6
    assert (ordering.stats.held, ordering.stats.repeats) == (2, 3)
    order.close()


def test_only_numbered_chat_events_are_ordered() -> None:
    assert chat_seq("message.created", {"seq": 4}) == 4
    assert chat_seq("member.removed", {"seq": 9}) == 9
    body: dict[str, Any] = {"seq": 4, "user_id": "u"}
    assert chat_seq("read", body) is None  # a reader's marker, not the chat's position
    assert chat_seq("typing", {}) is None


async def test_a_member_who_left_and_came_back_never_gets_the_events_in_between(
    world: World,
) -> None:
    await world.send(6)
    f = await world.frames(0, 6)
    reads: list[tuple[int, int]] = []

    async def read(chat_id: str, after: int, upto: int) -> Resume:
        reads.append((after, upto))
        return await world.messages.replay(chat_id, after, upto)

    socket = SocketOrder(Ordering(read, HOLD_S, 100), world.out.append)
    socket.start([{"chat_id": world.chat_id, "last_seq": 1}])
    socket.offer(world.chat_id, 2, f[2])  # then the user was removed: seqs 3-4 are not theirs
    socket.forget(world.chat_id)
    socket.offer(world.chat_id, 6, f[6])  # back again: the chat starts here
    socket.offer(world.chat_id, 5, f[5])  # older than where it restarted: dropped
    assert world.seqs() == [2, 6] and reads == []
    socket.close()
