"""Embedded revocation list: one process's memory, each entry dropped when its time is up."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence


class MemoryRevocations:
    def __init__(self, now: Callable[[], float] = time.monotonic) -> None:
        self._until: dict[str, float] = {}
        self._now = now

    async def start(self) -> None:
        return None

    async def close(self) -> None:
        return None

    async def revoke(self, session_ids: Sequence[str], ttl_s: float) -> None:
        until = self._now() + ttl_s
        for sid in session_ids:
            self._until[sid] = max(until, self._until.get(sid, 0.0))
        self._expire()

    async def revoked(self, session_ids: Sequence[str]) -> set[str]:
        now = self._now()
        return {sid for sid in session_ids if self._until.get(sid, 0.0) > now}

    def _expire(self) -> None:
        now = self._now()
        for sid in [s for s, until in self._until.items() if until <= now]:
            del self._until[sid]
