"""Redis operations/s through the presence and rate-limit adapters.

    set -a; . .engines/redis.env; set +a
    .venv/bin/python deploy/local/bench/redis_bench.py [--seconds 3] [--concurrency 1,16]

Each line: one adapter call kind (one Lua script round trip each) issued by `concurrency` tasks
sharing one client pool for `--seconds`; plus a heartbeat of 1,000 connections per call (reported
as connections/s) and raw PING for reference. A fresh key prefix per run, deleted at the end. A
measurement, never an assertion.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import time
import uuid
from collections.abc import Awaitable, Callable
from typing import cast

from backend.adapters.presence.redis import RedisPresence, RedisRateLimiter


async def rate(
    op: Callable[[int], Awaitable[object]], concurrency: int, seconds: float, per_op: int = 1
) -> float:
    deadline = time.perf_counter() + seconds
    counts = [0] * concurrency

    async def worker(w: int) -> None:
        i = 0
        while time.perf_counter() < deadline:
            await op(w * 1_000_000 + i)
            i += 1
        counts[w] = i

    start = time.perf_counter()
    await asyncio.gather(*(worker(w) for w in range(concurrency)))
    return sum(counts) * per_op / (time.perf_counter() - start)


async def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=float, default=3.0)
    ap.add_argument("--concurrency", default="1,16")
    args = ap.parse_args()
    url, prefix = os.environ["PARLEY_TEST_REDIS_URL"], f"bench{uuid.uuid4().hex[:8]}"
    presence = RedisPresence(url, prefix, 10.0)
    limiter = RedisRateLimiter(presence.redis, prefix)
    await presence.start()
    beat = [(f"u{i}", f"c{i}") for i in range(1000)]
    users = [f"u{i}" for i in range(100)]
    try:
        for c in (int(x) for x in args.concurrency.split(",")):
            ops: dict[str, tuple[Callable[[int], Awaitable[object]], int]] = {
                "PING": (lambda i: cast(Awaitable[bool], presence.redis.ping()), 1),
                "presence.connect": (lambda i: presence.connect(f"u{i % 5000}", f"c{i}"), 1),
                "presence.online(100 users)": (lambda i: presence.online(users), 1),
                "limiter.hit": (lambda i: limiter.hit(f"k{i % 1000}", 1000, 60), 1),
                "heartbeat 1000 conns (conns/s)": (lambda i: presence.heartbeat(beat), 1000),
            }
            for name, (op, per_op) in ops.items():
                r = await rate(op, c, args.seconds, per_op)
                print(f"concurrency={c:3d}  {name:32s} {r:9.0f}/s")
    finally:
        async for key in presence.redis.scan_iter(match=f"{prefix}:*", count=1000):
            await presence.redis.delete(key)
        await presence.close()


if __name__ == "__main__":
    asyncio.run(main())
