"""Production revocation list: one Redis key per revoked session, `<prefix>:revoked:<sid>`, set
with an expiry of the access-token lifetime, so every replica sees a revocation at once and the
list never outgrows the tokens it still has to refuse. Redis down is `Unavailable` (fail closed)."""

from __future__ import annotations

from collections.abc import Awaitable, Sequence
from typing import Any, cast

from redis.asyncio import Redis

from backend.adapters.presence.redis import _guard, _RedisPort


class RedisRevocations(_RedisPort):
    def __init__(self, url: str | Redis, prefix: str = "parley") -> None:
        super().__init__(url, prefix)

    def _key(self, session_id: str) -> str:
        return f"{self._prefix}:revoked:{session_id}"

    async def revoke(self, session_ids: Sequence[str], ttl_s: float) -> None:
        if not session_ids:
            return
        pipe = self.redis.pipeline(transaction=False)
        for sid in session_ids:
            pipe.set(self._key(sid), b"1", px=max(int(ttl_s * 1000), 1))
        await _guard("revoke", cast(Awaitable[list[Any]], pipe.execute()))

    async def revoked(self, session_ids: Sequence[str]) -> set[str]:
        ids = list(dict.fromkeys(session_ids))
        if not ids:
            return set()
        found = await _guard(
            "revoked", cast(Awaitable[list[Any]], self.redis.mget([self._key(s) for s in ids]))
        )
        return {sid for sid, value in zip(ids, found, strict=True) if value is not None}
