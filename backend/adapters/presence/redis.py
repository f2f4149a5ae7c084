"""Production presence and rate limits: Redis, shared by every replica.

Presence: one sorted set per user, `<prefix>:presence:<user_id>`, holding the user's connection ids
scored by their expiry in Redis server milliseconds. A replica's heartbeat re-adds its live
connections (so presence comes back by itself within one heartbeat after Redis lost its data) and
pushes their expiry to `2 * heartbeat_s` ahead; a replica that died stops heartbeating and its
connections expire after at most two intervals. Every change is one Lua script, atomic, on the
server's clock (replicas' clocks never matter).

Last seen: `<prefix>:seen:<user_id>` holds the server time (ms) of the user's latest connect or
disconnect, written by the same scripts, kept for `SEEN_TTL_S`; a replica that died leaves the
time its sockets connected (no extra write per heartbeat).

Rate limits: a sliding-window log per key, `<prefix>:rate:<key>`, also one Lua script: at most
`limit` hits in any `window_s`, refused hits not counted, the answer being the time until the oldest
counted hit leaves the window. Every hit is still decided by Redis (so the limit holds exactly
across replicas), but the hits a replica makes while its previous call is on the wire go together
in its next call, in arrival order: under load one round trip answers a whole tick's sends.

Redis being down is `Unavailable`; nothing needs restarting when it returns (the client reconnects
on the next call and reloads its scripts if Redis forgot them).
"""

from __future__ import annotations

import asyncio
import logging
import secrets
from collections.abc import Awaitable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar, cast

from redis.asyncio import Redis
from redis.asyncio.retry import Retry
from redis.backoff import ExponentialBackoff
from redis.exceptions import RedisError

from backend.domain.errors import Unavailable

log = logging.getLogger(__name__)

T = TypeVar("T")

# now_ms from the server's clock; every script starts with it.
_NOW = "local t = redis.call('TIME'); local now = t[1] * 1000 + math.floor(t[2] / 1000)\n"

SEEN_TTL_S = 90 * 24 * 3600
# KEYS[2] the user's last-seen key; ARGV[n] its ttl in seconds.
_SEEN = "redis.call('SET', KEYS[2], now, 'EX', tonumber(ARGV[#ARGV]))\n"

# KEYS[1] user set; ARGV conn_id, ttl_ms. Returns 1 when the user had no live connection before.
_CONNECT = (
    _NOW
    + _SEEN
    + """
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
local before = redis.call('ZCARD', KEYS[1])
redis.call('ZADD', KEYS[1], now + tonumber(ARGV[2]), ARGV[1])
redis.call('PEXPIRE', KEYS[1], ARGV[2])
if before == 0 then return 1 end
return 0
"""
)

# KEYS[1] user set; ARGV conn_id. Returns 1 when the user has no live connection left.
_DISCONNECT = (
    _NOW
    + _SEEN
    + """
redis.call('ZREM', KEYS[1], ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
if redis.call('ZCARD', KEYS[1]) == 0 then
  redis.call('DEL', KEYS[1])
  return 1
end
return 0
"""
)

# KEYS user sets; ARGV[1] ttl_ms, ARGV[i+1] the conn_id for KEYS[i].
_HEARTBEAT = (
    _NOW
    + """
local ttl = tonumber(ARGV[1])
for i, key in ipairs(KEYS) do
  redis.call('ZADD', key, now + ttl, ARGV[i + 1])
  redis.call('PEXPIRE', key, ttl)
end
return #KEYS
"""
)

# KEYS user sets. Returns the number of live connections of each.
_COUNT = (
    _NOW
    + """
local out = {}
for i, key in ipairs(KEYS) do
  out[i] = redis.call('ZCOUNT', key, '(' .. now, '+inf')
end
return out
"""
)

# KEYS the logs, one per hit in arrival order (a key may repeat); ARGV[1] a unique token, then
# limit and window_ms per hit. Returns, per hit, -1 when allowed, else the wait in ms.
# (Milliseconds keep every number at 13 digits, which Lua 5.1 prints and Redis parses exactly.)
_HITS = (
    _NOW
    + """
local out = {}
for i, key in ipairs(KEYS) do
  local limit = tonumber(ARGV[2 * i])
  local window = tonumber(ARGV[2 * i + 1])
  redis.call('ZREMRANGEBYSCORE', key, '-inf', now - window)
  if redis.call('ZCARD', key) < limit then
    redis.call('ZADD', key, now, now .. ':' .. ARGV[1] .. ':' .. i)
    redis.call('PEXPIRE', key, window)
    out[i] = -1
  elseif limit <= 0 then
    out[i] = window
  else
    local oldest = redis.call('ZRANGE', key, 0, 0, 'WITHSCORES')
    local wait = tonumber(oldest[2]) + window - now
    if wait < 1 then wait = 1 end
    out[i] = wait
  end
end
return out
"""
)

_CHUNK = 500  # keys per script call, so one call never blocks Redis for long


def _chunks(items: Sequence[T], size: int = _CHUNK) -> Iterable[Sequence[T]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


def make_client(url: str, *, timeout_s: float = 2.0) -> Redis:
    """A pooled client that fails fast: one quick retry (a pooled socket that died with a Redis
    restart), then the error, instead of redis-py's default of three retries with backoff."""
    client: Redis = Redis.from_url(
        url,
        socket_timeout=timeout_s,
        socket_connect_timeout=timeout_s,
        retry=Retry(ExponentialBackoff(cap=0.2, base=0.05), retries=1),
        health_check_interval=30,
    )
    return client


async def _guard(what: str, call: Awaitable[T]) -> T:
    try:
        return await call
    except (RedisError, OSError) as exc:
        raise Unavailable(
            f"redis unavailable ({what}): {type(exc).__name__}", code="presence_unavailable"
        ) from None


class _RedisPort:
    def __init__(self, url: str | Redis, prefix: str) -> None:
        self._owns = not isinstance(url, Redis)
        self.redis: Redis = make_client(url) if isinstance(url, str) else url
        self._prefix = prefix

    async def start(self) -> None:
        """Check that Redis answers; raises `Unavailable` otherwise."""
        await _guard("ping", cast(Awaitable[bool], self.redis.ping()))

    async def close(self) -> None:
        if self._owns:
            await self.redis.aclose()


class RedisPresence(_RedisPort):
    def __init__(self, url: str | Redis, prefix: str = "parley", heartbeat_s: float = 10.0) -> None:
        super().__init__(url, prefix)
        self.ttl_ms = max(int(2000 * heartbeat_s), 1)
        self._connect = self.redis.register_script(_CONNECT)
        self._disconnect = self.redis.register_script(_DISCONNECT)
        self._heartbeat = self.redis.register_script(_HEARTBEAT)
        self._count = self.redis.register_script(_COUNT)

    def _key(self, user_id: str) -> str:
        return f"{self._prefix}:presence:{user_id}"

    def _seen_key(self, user_id: str) -> str:
        return f"{self._prefix}:seen:{user_id}"

    async def connect(self, user_id: str, conn_id: str) -> bool:
        keys = [self._key(user_id), self._seen_key(user_id)]
        args: list[Any] = [conn_id, self.ttl_ms, SEEN_TTL_S]
        r = await _guard("connect", self._connect(keys=keys, args=args))
        return bool(r)

    async def disconnect(self, user_id: str, conn_id: str) -> bool:
        keys = [self._key(user_id), self._seen_key(user_id)]
        r = await _guard("disconnect", self._disconnect(keys=keys, args=[conn_id, SEEN_TTL_S]))
        return bool(r)

    async def last_seen(self, user_ids: Iterable[str]) -> dict[str, float]:
        """Unix time of each user's latest connect or disconnect (users never seen are left out)."""
        out: dict[str, float] = {}
        for chunk in _chunks(list(dict.fromkeys(user_ids))):
            values = await _guard("last seen", self.redis.mget([self._seen_key(u) for u in chunk]))
            out.update((u, int(v) / 1000) for u, v in zip(chunk, values, strict=True) if v)
        return out

    async def heartbeat(self, connections: Sequence[tuple[str, str]]) -> None:
        for chunk in _chunks(connections):
            keys = [self._key(user_id) for user_id, _ in chunk]
            args: list[Any] = [self.ttl_ms, *(conn_id for _, conn_id in chunk)]
            await _guard("heartbeat", self._heartbeat(keys=keys, args=args))

    async def counts(self, user_ids: Iterable[str]) -> dict[str, int]:
        """Live connections per user, across every replica."""
        out: dict[str, int] = {}
        for chunk in _chunks(list(dict.fromkeys(user_ids))):
            keys = [self._key(u) for u in chunk]
            r = await _guard("online", self._count(keys=keys))
            out.update(zip(chunk, (int(n) for n in r), strict=True))
        return out

    async def online(self, user_ids: Iterable[str]) -> set[str]:
        return {u for u, n in (await self.counts(user_ids)).items() if n > 0}

    async def sessions(self, user_id: str) -> int:
        """How many live connections the user has (all processes)."""
        return (await self.counts([user_id]))[user_id]


@dataclass(slots=True)
class _Hit:
    key: str
    limit: int
    window_ms: int
    answer: asyncio.Future[float | None]


class RedisRateLimiter(_RedisPort):
    """Hits are queued and sent by one flusher task: what queued while a call was on the wire
    goes in the next call (up to `_CHUNK` hits), so the round trips per second stay bounded by
    Redis's latency, not by the send rate, and nothing waits for a timer."""

    def __init__(self, url: str | Redis, prefix: str = "parley") -> None:
        super().__init__(url, prefix)
        self._hits = self.redis.register_script(_HITS)
        self._queue: list[_Hit] = []
        self._flusher: asyncio.Task[None] | None = None
        self.calls = 0  # script calls made: how many round trips the hits cost

    async def hit(self, key: str, limit: int, window_s: float) -> float | None:
        window_ms = max(round(window_s * 1000), 1)
        answer: asyncio.Future[float | None] = asyncio.get_running_loop().create_future()
        self._queue.append(_Hit(f"{self._prefix}:rate:{key}", limit, window_ms, answer))
        if self._flusher is None or self._flusher.done():
            self._flusher = asyncio.create_task(self._flush(), name="rate-limit-flush")
        return await answer

    async def _flush(self) -> None:
        """Send what is queued, call after call, until nothing is; started on the next loop
        turn, so the hits of the current one share the first call."""
        while self._queue:
            hits, self._queue = self._queue[:_CHUNK], self._queue[_CHUNK:]
            try:
                waits = await self._call(hits)
            except asyncio.CancelledError:  # closing: nobody will answer these
                for h in hits:
                    h.answer.cancel()
                raise
            except Exception as exc:  # Unavailable, or a bug: each caller gets it, none hangs
                for h in hits:
                    if not h.answer.done():
                        h.answer.set_exception(exc)
                continue
            for h, wait_ms in zip(hits, waits, strict=True):
                if not h.answer.done():
                    h.answer.set_result(None if wait_ms < 0 else wait_ms / 1000)

    async def _call(self, hits: Sequence[_Hit]) -> list[int]:
        args: list[Any] = [secrets.token_hex(6)]
        for h in hits:
            args += (h.limit, h.window_ms)
        self.calls += 1
        r = await _guard("rate limit", self._hits(keys=[h.key for h in hits], args=args))
        return [int(w) for w in r]

    async def close(self) -> None:
        if self._flusher is not None:
            self._flusher.cancel()
            await asyncio.gather(self._flusher, return_exceptions=True)
        for h in self._queue:
            h.answer.cancel()
        self._queue = []
        await super().close()
