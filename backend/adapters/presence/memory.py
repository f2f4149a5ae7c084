"""Embedded presence and rate limits: one process's memory.

The same rules as the Redis implementation, so the shared contract tests hold for both:
a connection is online while it heartbeats and expires `2 * heartbeat_s` after its last sign of
life; a user is online while any of their connections is. Several `MemoryPresence` may share one
`PresenceHub` to stand in for several processes (the contract tests do that).

The rate limiter is a sliding-window log: at most `limit` hits in any `window_s`; a refused hit is
not counted, and the answer is the time until the oldest counted hit leaves the window.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable, Iterable, Sequence

Now = Callable[[], float]


class PresenceHub:
    """The shared state of a group of in-process presences: user → connection → expiry."""

    def __init__(self) -> None:
        self.users: dict[str, dict[str, float]] = {}
        self.seen: dict[str, float] = {}  # user -> Unix time of the latest connect or disconnect


class MemoryPresence:
    def __init__(
        self,
        heartbeat_s: float = 10.0,
        *,
        hub: PresenceHub | None = None,
        now: Now = time.monotonic,
        wall: Now = time.time,
    ) -> None:
        self.ttl = 2.0 * heartbeat_s
        self._hub = hub if hub is not None else PresenceHub()
        self._now = now
        self._wall = wall

    async def start(self) -> None:
        return None

    async def close(self) -> None:
        return None

    def _live(self, user_id: str) -> dict[str, float]:
        """The user's unexpired connections (expired ones are dropped on the way)."""
        conns = self._hub.users.get(user_id)
        if conns is None:
            return {}
        now = self._now()
        for conn_id in [c for c, expires in conns.items() if expires <= now]:
            del conns[conn_id]
        if not conns:
            del self._hub.users[user_id]
            return {}
        return conns

    async def connect(self, user_id: str, conn_id: str) -> bool:
        was_offline = not self._live(user_id)
        self._hub.users.setdefault(user_id, {})[conn_id] = self._now() + self.ttl
        self._hub.seen[user_id] = self._wall()
        return was_offline

    async def disconnect(self, user_id: str, conn_id: str) -> bool:
        self._hub.seen[user_id] = self._wall()
        conns = self._live(user_id)
        conns.pop(conn_id, None)
        if not conns:
            self._hub.users.pop(user_id, None)
            return True
        return False

    async def heartbeat(self, connections: Sequence[tuple[str, str]]) -> None:
        expires = self._now() + self.ttl
        for user_id, conn_id in connections:
            self._hub.users.setdefault(user_id, {})[conn_id] = expires

    async def online(self, user_ids: Iterable[str]) -> set[str]:
        return {u for u in user_ids if self._live(u)}

    async def last_seen(self, user_ids: Iterable[str]) -> dict[str, float]:
        """Unix time of each user's latest connect or disconnect (users never seen are left out)."""
        return {u: self._hub.seen[u] for u in user_ids if u in self._hub.seen}

    async def sessions(self, user_id: str) -> int:
        """How many live connections the user has (all processes)."""
        return len(self._live(user_id))


class MemoryRateLimiter:
    """Sliding-window log per key, in this process only; memory stays bounded by `limit` per key
    and by a sweep of idle keys every `sweep_every` hits."""

    def __init__(self, *, now: Now = time.monotonic, sweep_every: int = 10_000) -> None:
        self._hits: dict[str, tuple[float, deque[float]]] = {}
        self._now = now
        self._sweep_every = sweep_every
        self._since_sweep = 0

    async def start(self) -> None:
        return None

    async def close(self) -> None:
        return None

    async def hit(self, key: str, limit: int, window_s: float) -> float | None:
        now = self._now()
        self._since_sweep += 1
        if self._since_sweep >= self._sweep_every:
            self.sweep()
        _, hits = self._hits.setdefault(key, (window_s, deque()))
        self._hits[key] = (window_s, hits)
        while hits and hits[0] <= now - window_s:
            hits.popleft()
        if len(hits) < limit:
            hits.append(now)
            return None
        if limit <= 0 or not hits:
            return window_s
        return max(hits[0] + window_s - now, 0.001)

    def sweep(self) -> None:
        """Drop the keys whose every hit has left its window."""
        self._since_sweep = 0
        now = self._now()
        idle = [k for k, (w, h) in self._hits.items() if not h or h[-1] <= now - w]
        for key in idle:
            del self._hits[key]
