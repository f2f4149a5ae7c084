"""/metrics stays bounded whatever clients send: every label comes from a known set."""

from __future__ import annotations

import asyncio
import random
import string

import httpx

from tests.support.server import ServerProcess


def _series(body: str) -> list[str]:
    """Each exported series without its value: what grows when a label is unbounded."""
    return sorted(ln.rsplit(" ", 1)[0] for ln in body.splitlines() if ln and ln[0] != "#")


def _junk(rng: random.Random, n: int) -> str:
    return "".join(rng.choices(string.ascii_uppercase, k=n))


async def test_random_methods_and_paths_add_no_series(server: ServerProcess) -> None:
    rng = random.Random(9)  # test data, not a secret
    async with httpx.AsyncClient(base_url=server.url, timeout=30) as http:

        async def junk(n: int) -> None:
            for _ in range(n):
                await http.request(_junk(rng, 12), f"/{_junk(rng, 10).lower()}")
                await http.request(_junk(rng, 8), "/api/v1/me")

        await junk(1)  # the "other"/"unmatched" series exist from here on
        await http.get("/metrics")  # and so do those of /metrics itself
        before = (await http.get("/metrics")).text
        await asyncio.gather(*(junk(100) for _ in range(10)))  # 2,000 random method names
        after = (await http.get("/metrics")).text
    assert _series(after) == _series(before)
    assert abs(len(after) - len(before)) < 200  # only counter digits changed
