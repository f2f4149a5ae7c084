"""The `Presence` and `RateLimiter` contracts, run against the embedded ones and a real Redis.

Two presence instances stand for two server processes: in memory they share one hub, on Redis one
key prefix (fresh per test, so runs never see each other's keys). Expiry is tested with a short
heartbeat interval, polled with a timeout.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence

import pytest

from backend.adapters.presence.memory import MemoryPresence, MemoryRateLimiter, PresenceHub
from backend.adapters.presence.redis import RedisPresence, RedisRateLimiter
from backend.domain.errors import Unavailable
from tests.support.engines import engine, run_engine, unique
from tests.support.server import eventually

KINDS = ["memory", pytest.param("redis", marks=pytest.mark.engines)]

AnyPresence = MemoryPresence | RedisPresence
AnyLimiter = MemoryRateLimiter | RedisRateLimiter
MakePresence = Callable[[float], Awaitable[AnyPresence]]


@contextlib.asynccontextmanager
async def heartbeating(
    presence: AnyPresence, conns: Sequence[tuple[str, str]], every_s: float
) -> AsyncIterator[None]:
    """What a live replica does: heartbeat its connections on a timer, surviving outages."""

    async def beat() -> None:
        while True:
            with contextlib.suppress(Unavailable):
                await presence.heartbeat(conns)
            await asyncio.sleep(every_s)

    task = asyncio.create_task(beat())
    try:
        yield
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)


@pytest.fixture(params=KINDS)
async def make_presence(request: pytest.FixtureRequest) -> AsyncIterator[MakePresence]:
    kind: str = request.param
    hub = PresenceHub()
    prefix = unique("t")
    url = engine("REDIS_URL") if kind == "redis" else ""
    made: list[AnyPresence] = []

    async def make(heartbeat_s: float = 10.0) -> AnyPresence:
        p: AnyPresence
        if kind == "memory":
            p = MemoryPresence(heartbeat_s, hub=hub)
        else:
            p = RedisPresence(url, prefix, heartbeat_s)
        await p.start()
        made.append(p)
        return p

    yield make
    for p in made:
        await p.close()


@pytest.fixture(params=KINDS)
async def limiter(request: pytest.FixtureRequest) -> AsyncIterator[AnyLimiter]:
    lim: AnyLimiter
    if request.param == "memory":
        lim = MemoryRateLimiter()
    else:
        lim = RedisRateLimiter(engine("REDIS_URL"), unique("t"))
    await lim.start()
    yield lim
    await lim.close()


async def test_online_across_processes(make_presence: MakePresence) -> None:
    p1, p2 = await make_presence(10), await make_presence(10)
    assert await p1.connect("u1", "c1") is True, "first connection: the user came online"
    assert await p2.connect("u1", "c2") is False, "second connection on another process"
    assert await p2.connect("u2", "c3") is True
    assert await p1.online(["u1", "u2", "nobody"]) == {"u1", "u2"}
    assert await p2.sessions("u1") == 2

    assert await p2.disconnect("u1", "c1") is False, "c2 is still there"
    assert await p1.online(["u1"]) == {"u1"}
    assert await p1.disconnect("u1", "c2") is True, "the last connection went"
    assert await p2.online(["u1", "u2"]) == {"u2"}
    assert await p2.disconnect("u1", "c2") is True, "disconnecting twice is harmless"
    assert await p1.online([]) == set()


async def test_last_seen_is_the_latest_connect_or_disconnect(make_presence: MakePresence) -> None:
    one, two = await make_presence(10.0), await make_presence(10.0)
    assert await one.last_seen(["u1", "u2"]) == {}, "never seen: left out"
    before = time.time()
    await one.connect("u1", "a")
    connected = (await two.last_seen(["u1"]))["u1"]
    assert before - 1 <= connected <= time.time() + 1, "the same clock as Unix time, any process"
    await two.disconnect("u1", "a")
    left = await one.last_seen(["u1", "u2"])
    assert list(left) == ["u1"] and left["u1"] >= connected


async def test_a_dead_process_stops_counting_after_two_intervals(
    make_presence: MakePresence,
) -> None:
    hb = 0.4
    alive, dead = await make_presence(hb), await make_presence(hb)
    await alive.connect("alice", "a1")
    await dead.connect("bob", "b1")
    await dead.connect("alice", "a2")
    async with heartbeating(alive, [("alice", "a1")], hb):
        took = await eventually(
            lambda: _is(alive.online(["alice", "bob"]), {"alice"}), 10 * hb, "bob to expire"
        )
        assert took >= hb, "a connection must outlive one missed heartbeat"
        # a1 is older than b1, so only its heartbeats kept it; a2 (on the dead process) went.
        assert await alive.sessions("alice") == 1
        assert await dead.online(["alice"]) == {"alice"}


async def test_heartbeat_brings_back_a_lost_connection(make_presence: MakePresence) -> None:
    p = await make_presence(10)
    await p.heartbeat([("u1", "c1"), ("u2", "c2"), ("u2", "c3")])
    assert await p.online(["u1", "u2"]) == {"u1", "u2"}
    assert await p.sessions("u2") == 2
    many = [(f"u{i}", f"c{i}") for i in range(1200)]  # more than one script call's chunk
    await p.heartbeat(many)
    assert len(await p.online(u for u, _ in many)) == 1200


async def test_limiter_limits_and_says_how_long_to_wait(limiter: AnyLimiter) -> None:
    assert [await limiter.hit("k1", 3, 1.0) for _ in range(3)] == [None, None, None]
    wait = await limiter.hit("k1", 3, 1.0)
    assert wait is not None and 0 < wait <= 1.0
    assert await limiter.hit("k2", 3, 1.0) is None, "keys are independent"
    refused_again = await limiter.hit("k1", 3, 1.0)
    assert refused_again is not None and refused_again <= wait, "a refused hit is not counted"
    assert await limiter.hit("zero", 0, 1.0) is not None


async def test_limiter_allows_again_after_the_window(limiter: AnyLimiter) -> None:
    window = 0.3
    assert await limiter.hit("w", 2, window) is None
    assert await limiter.hit("w", 2, window) is None
    wait = await limiter.hit("w", 2, window)
    assert wait is not None
    start = time.monotonic()
    took = await eventually(lambda: _allowed(limiter.hit("w", 2, window)), 5, "the window")
    assert took >= wait * 0.5, "allowed again long before the announced wait"
    assert time.monotonic() - start < 5


async def _is(aw: Awaitable[set[str]], expected: set[str]) -> bool:
    return await aw == expected


async def _allowed(aw: Awaitable[float | None]) -> bool:
    return await aw is None


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
    return port


# -- Redis only: shared by processes, outages ---------------------------------------------------


@pytest.mark.engines
async def test_limiter_is_shared_by_processes() -> None:
    url, prefix = engine("REDIS_URL"), unique("t")
    a, b = RedisRateLimiter(url, prefix), RedisRateLimiter(url, prefix)
    try:
        assert await a.hit("login:alice", 2, 60) is None
        assert await b.hit("login:alice", 2, 60) is None
        assert await a.hit("login:alice", 2, 60) is not None
        assert await b.hit("login:alice", 2, 60) is not None
    finally:
        await a.close()
        await b.close()


@pytest.mark.engines
async def test_concurrent_hits_share_round_trips_and_the_limit_stays_exact() -> None:
    """A replica's concurrent sends are decided together (one call answers what queued while
    the previous was on the wire), yet across two replicas exactly `limit` hits pass, the
    earliest of each replica's in arrival order, and a refused one still says how long to wait."""
    url, prefix = engine("REDIS_URL"), unique("t")
    a, b = RedisRateLimiter(url, prefix), RedisRateLimiter(url, prefix)
    try:
        hits = [a.hit("send:alice", 20, 60) for _ in range(30)]
        hits += [b.hit("send:alice", 20, 60) for _ in range(30)]
        hits += [a.hit(f"send:u{i}", 1, 60) for i in range(40)]
        answers = await asyncio.gather(*hits)
        alice_a, alice_b, others = answers[:30], answers[30:60], answers[60:]
        assert sum(w is None for w in alice_a + alice_b) == 20, "the limit across replicas"
        for side in (alice_a, alice_b):
            allowed = [w is None for w in side]
            assert allowed == sorted(allowed, reverse=True), "earlier hits are served first"
        assert all(w is not None and 0 < w <= 60 for w in alice_a + alice_b if w is not None)
        assert others == [None] * 40, "other users' keys are independent"
        assert a.calls + b.calls <= 4, f"{a.calls + b.calls} round trips for 100 hits"
        assert await a.hit("send:alice", 20, 60) is not None
    finally:
        await a.close()
        await b.close()


@pytest.mark.engines
async def test_a_closed_limiter_leaves_no_caller_hanging() -> None:
    lim = RedisRateLimiter(engine("REDIS_URL"), unique("t"))
    hits = [lim.hit(f"k{i}", 1, 1) for i in range(5)]
    *done, _ = await asyncio.gather(*hits, lim.close(), return_exceptions=True)
    assert all(isinstance(r, asyncio.CancelledError) or r is None for r in done)


@pytest.mark.engines
async def test_redis_unreachable_is_unavailable() -> None:
    url = f"redis://127.0.0.1:{_closed_port()}/0"
    p, lim = RedisPresence(url, "t", 1.0), RedisRateLimiter(url, "t")
    try:
        with pytest.raises(Unavailable):
            await p.start()
        with pytest.raises(Unavailable):
            await p.connect("u", "c")
        with pytest.raises(Unavailable):
            await lim.hit("k", 1, 1)
    finally:
        await p.close()
        await lim.close()


@pytest.mark.engines
@pytest.mark.slow
async def test_redis_restart_presence_and_limits_come_back() -> None:
    url, prefix, hb = engine("REDIS_URL"), unique("t"), 0.5
    p1, p2 = RedisPresence(url, prefix, hb), RedisPresence(url, prefix, hb)
    lim = RedisRateLimiter(url, prefix)
    for port in (p1, p2, lim):
        await port.start()
    await p1.connect("alice", "a1")
    await p2.connect("bob", "b1")
    try:
        async with heartbeating(p1, [("alice", "a1")], hb), heartbeating(p2, [("bob", "b1")], hb):
            assert await p1.online(["alice", "bob"]) == {"alice", "bob"}
            await asyncio.to_thread(run_engine, "redis", "stop")
            try:
                with pytest.raises(Unavailable):
                    await p1.online(["alice"])
                with pytest.raises(Unavailable):
                    await lim.hit("send:alice", 2, 60)
            finally:
                await asyncio.to_thread(run_engine, "redis", "start")
            # Redis came back empty; the heartbeats alone must restore presence.
            await eventually(
                lambda: _is_or_down(p2.online(["alice", "bob"]), {"alice", "bob"}),
                2 * hb + 0.5,
                "presence within two heartbeat intervals",
            )
            assert [await lim.hit("send:alice", 2, 60) for _ in range(3)][2] is not None
    finally:
        for port in (p1, p2, lim):
            await port.close()


async def _is_or_down(aw: Awaitable[set[str]], expected: set[str]) -> bool:
    try:
        return await aw == expected
    except Unavailable:
        return False
