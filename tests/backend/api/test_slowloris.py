"""Slowloris: a request must arrive whole within the deadline, however it trickles, and one
address cannot hold more than its share of connections; other clients are served meanwhile."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import Callable
from typing import Any

import httpx

from tests.support.server import ServerProcess

DEADLINE = "2"
CAP = 60
TRICKLERS = 100  # more than the cap: the rest are refused at once


async def _trickle(port: int, body: bool) -> bytes:
    """Open a request and keep feeding it a byte a time until the server ends it; return
    whatever the server answered (b"" when it refused the connection outright)."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    head = (
        b"POST /api/v1/auth/login HTTP/1.1\r\nHost: x\r\ncontent-type: application/json\r\n"
        b"content-length: 4000\r\n\r\n{"
        if body
        else b"GET /healthz HTTP/1.1\r\nHost: x\r\n"
    )

    async def feed() -> None:
        writer.write(head)
        while True:  # each chunk once restarted Sanic's timer
            await asyncio.sleep(0.2)
            writer.write(b" " if body else b"X-Slow: 1\r\n")
            await writer.drain()

    feeder = asyncio.create_task(feed())
    try:
        return await asyncio.wait_for(reader.read(), 60)
    except ConnectionError:
        return b""
    finally:
        feeder.cancel()
        with contextlib.suppress(asyncio.CancelledError, ConnectionError):
            await feeder
        writer.close()


def _problem(answer: bytes) -> dict[str, Any]:
    head, _, body = answer.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 408"), head
    assert b"application/problem+json" in head
    problem: dict[str, Any] = json.loads(body)
    return problem


async def test_trickling_requests_are_cut_and_others_are_served(
    server_factory: Callable[..., ServerProcess],
) -> None:
    srv = server_factory(
        "embedded",
        env={"PARLEY_REQUEST_DEADLINE": DEADLINE, "PARLEY_CONNECTIONS_PER_IP": str(CAP)},
    )
    tricklers = [asyncio.create_task(_trickle(srv.port, i % 2 == 0)) for i in range(TRICKLERS)]
    # Another address (the whole of 127/8 is loopback) is served while they trickle, and a
    # keep-alive client whose requests are spaced out is never cut between requests.
    other = httpx.AsyncHTTPTransport(local_address="127.0.0.2")
    async with httpx.AsyncClient(transport=other, base_url=srv.url, timeout=10) as client:
        for _ in range(3):
            assert (await client.get("/healthz")).status_code == 200
            await asyncio.sleep(1)  # an idle keep-alive gap, not a synchronisation wait
        answers = await asyncio.gather(*tricklers)
        assert (await client.get("/healthz")).status_code == 200
    refused = [a for a in answers if a == b""]
    cut = [_problem(a) for a in answers if a]
    assert len(refused) == TRICKLERS - CAP
    assert {p["code"] for p in cut} == {"request_timeout"} and len(cut) == CAP
    # The address's share is free again once its connections ended.
    async with httpx.AsyncClient(base_url=srv.url, timeout=10) as client:
        assert (await client.get("/healthz")).status_code == 200
