"""The big room's Go receiver (k6/receiver/) against a real embedded server.

Its figures are the issue's proof of "every delivery made", so it must catch what it is there
to catch: a tampering proxy between it and the server drops one `message.created`, repeats one
and swaps two, and the receiver must report exactly one lost, one repeated and two out of
order; a second receiver straight on the server must report a clean run. Go and the standard
library are all the build needs (no network); without Go this test fails, never skips.
"""

from __future__ import annotations

import asyncio
import os
import secrets
import signal
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
from parleybench import receiver
from parleybench.seed import seed_room

from tests.bench.wsproxy import Tamper, serve
from tests.support.server import ServerProcess

MESSAGES = 6


async def _wait_for(proc: receiver.Receiver, check: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + 30
    while not check():
        assert proc.proc.poll() is None, f"the receiver exited before {what}"
        assert time.monotonic() < deadline, f"no {what} within 30 s"
        await asyncio.sleep(0.02)


async def _send(url: str, token: str, chat_id: str, n: int) -> None:
    async with httpx.AsyncClient(base_url=f"{url}/api/v1", timeout=10) as http:
        for i in range(n):
            r = await http.post(
                f"/chats/{chat_id}/messages",
                json={
                    "client_msg_id": secrets.token_hex(6),
                    "text": f"bench|{int(time.time() * 1000)}|0|{i}",
                },
                headers={"Authorization": f"Bearer {token}"},
            )
            assert r.status_code == 201, r.text


def _env(offset: int) -> dict[str, str]:
    now = int(time.time() * 1000)
    # The window opens now and runs past the test: the receiver is ended by SIGTERM.
    return {
        "VU_OFFSET": str(offset),
        "VU_COUNT": "1",
        "T0": str(now),
        "CONNECT_S": "0",
        "WARMUP_S": "0",
        "DURATION_S": "600",
        "DRAIN_S": "0",
    }


async def test_receiver_counts_lost_repeated_and_reordered_deliveries(
    server_factory: Callable[..., ServerProcess], tmp_path: Path
) -> None:
    srv = server_factory("embedded")
    room = await seed_room(srv.url, 3)
    seed = room.write(tmp_path / "room.json")
    # The same path for both (a proxy each), only one of them tampering.
    tamper, passthrough = Tamper(drop={2}, repeat={3}, swap={4}), Tamper()
    proxies = [await serve(srv.port, t) for t in (tamper, passthrough)]
    urls = [f"http://127.0.0.1:{p.sockets[0].getsockname()[1]}" for p in proxies]
    tampered = receiver.start(urls[0], seed, _env(1))
    clean = receiver.start(urls[1], seed, _env(2))
    try:
        for proc, t in ((tampered, tamper), (clean, passthrough)):
            await _wait_for(proc, t.resumed.is_set, "`resumed` through the proxy")
        await _send(srv.url, room.users[0]["token"], room.chats[0]["id"], MESSAGES)
        for proc, t in ((tampered, tamper), (clean, passthrough)):
            await _wait_for(proc, lambda t=t: t.created >= MESSAGES, "deliveries through the proxy")
            os.kill(proc.pid, signal.SIGTERM)
        bad = await asyncio.to_thread(tampered.result, 30)
        good = await asyncio.to_thread(clean.result, 30)
    finally:
        tampered.kill()
        clean.kill()
        for p in proxies:
            p.close()
    assert _tally(good) == {"lost": 0, "duplicates": 0, "out_of_order": 0, "delivered": MESSAGES}
    assert _tally(bad) == {"lost": 1, "duplicates": 1, "out_of_order": 2, "delivered": MESSAGES - 1}
    assert good["ws_ready"] == bad["ws_ready"] == 1
    assert good["closed_early"] == bad["closed_early"] == 0
    assert good["delivery_ms"]["count"] == MESSAGES


def _tally(fig: dict[str, Any]) -> dict[str, int]:
    return {k: int(fig[k]) for k in ("lost", "duplicates", "out_of_order", "delivered")}
