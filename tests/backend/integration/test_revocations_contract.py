"""The `Revocations` contract, run against the embedded list and a real Redis.

On Redis two instances with one key prefix stand for two replicas: a revocation made through
one is seen through the other. Expiry is tested with a short lifetime, polled with a timeout.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from backend.adapters.presence.memory_revocations import MemoryRevocations
from backend.adapters.presence.redis_revocations import RedisRevocations
from tests.support.engines import engine, unique
from tests.support.server import eventually

AnyRevocations = MemoryRevocations | RedisRevocations


@pytest.fixture(params=["memory", pytest.param("redis", marks=pytest.mark.engines)])
async def pair(request: pytest.FixtureRequest) -> AsyncIterator[tuple[AnyRevocations, ...]]:
    """Two views of one list (on Redis, two clients; in memory, the one process's list)."""
    made: tuple[AnyRevocations, ...]
    if request.param == "memory":
        one = MemoryRevocations()
        made = (one, one)
    else:
        prefix = unique("rv")
        made = (
            RedisRevocations(engine("REDIS_URL"), prefix),
            RedisRevocations(engine("REDIS_URL"), prefix),
        )
    for r in made:
        await r.start()
    yield made
    for r in made:
        await r.close()


async def test_a_revocation_is_seen_by_every_replica(pair: tuple[AnyRevocations, ...]) -> None:
    first, second = pair
    assert await second.revoked(["s1", "s2"]) == set()
    await first.revoke(["s1", "s3"], 60)
    assert await second.revoked(["s1", "s2", "s3"]) == {"s1", "s3"}
    assert await second.revoked([]) == set()
    await first.revoke([], 60)  # nothing to do is no error


async def test_entries_end_with_the_access_token_lifetime(
    pair: tuple[AnyRevocations, ...],
) -> None:
    first, second = pair
    await first.revoke(["short"], 0.3)
    await first.revoke(["long"], 60)
    assert await second.revoked(["short", "long"]) == {"short", "long"}

    async def short_gone() -> bool:
        return await second.revoked(["short", "long"]) == {"long"}

    await eventually(short_gone, 10, "the short entry to expire")
