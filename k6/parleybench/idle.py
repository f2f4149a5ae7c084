"""Memory per idle WebSocket: open many signed-in sockets, let them sit, divide the RSS growth.

The sockets reuse the seeded users' tokens (a user may hold many sockets), so the figure is the
cost of a connection, not of a user. Raises the soft open-files limit to the hard one first.
"""

from __future__ import annotations

import asyncio
import json
import resource
import time
from typing import Any

import websockets
from websockets.asyncio.client import ClientConnection

from parleybench.sampler import rss_of
from parleybench.targets import Target


def _raise_nofile(need: int) -> int:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < need:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


async def _open(url: str, token: str) -> ClientConnection:
    ws = await websockets.connect(
        url, open_timeout=60, ping_interval=None, compression=None, max_size=2**22
    )
    await ws.send(json.dumps({"type": "auth", "token": token}))
    while True:
        frame = json.loads(await asyncio.wait_for(ws.recv(), 60))
        if frame.get("type") == "ready":
            return ws


async def _settled_rss(pid: int, seconds: float = 20.0) -> int:
    """RSS once it stops moving (two samples a second apart within 64 KiB), or after `seconds`."""
    deadline = time.monotonic() + seconds
    last = rss_of(pid)
    while time.monotonic() < deadline:
        await asyncio.sleep(1.0)
        now = rss_of(pid)
        if abs(now - last) < 64 * 1024:
            return now
        last = now
    return last


async def _measure(
    target: Target, tokens: list[str], sockets: int, concurrency: int
) -> dict[str, Any]:
    pid = target.procs.get("server")
    if pid is None:
        return {"skipped": "the server is not a process this runner started"}
    limit = _raise_nofile(sockets + 512)
    if limit < sockets + 256:
        return {"skipped": f"open-files limit {limit} is below {sockets} sockets"}
    before = await _settled_rss(pid)
    sem = asyncio.Semaphore(concurrency)
    opened: list[ClientConnection] = []
    failed = 0
    started = time.monotonic()

    async def one(i: int) -> None:
        nonlocal failed
        async with sem:
            try:
                opened.append(await _open(target.ws_url, tokens[i % len(tokens)]))
            except Exception:
                failed += 1

    try:
        await asyncio.gather(*(one(i) for i in range(sockets)))
        connect_s = time.monotonic() - started
        after = await _settled_rss(pid)
        n = len(opened)
        return {
            "sockets": n,
            "failed": failed,
            "connect_s": round(connect_s, 1),
            "rss_before_mib": round(before / 2**20, 1),
            "rss_after_mib": round(after / 2**20, 1),
            "kib_per_socket": round((after - before) / max(1, n) / 1024, 1),
        }
    finally:
        await asyncio.gather(*(ws.close() for ws in opened), return_exceptions=True)


def measure_idle(
    target: Target, tokens: list[str], sockets: int = 5000, concurrency: int = 100
) -> dict[str, Any]:
    return asyncio.run(_measure(target, tokens, sockets, concurrency))
