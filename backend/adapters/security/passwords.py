"""argon2id password hashing off the event loop, with bounded concurrency.

argon2 costs ~26 ms of CPU and 19 MiB per hash here; running it on the loop would stall every
socket, and running unboundedly many at once would exhaust memory. A thread pool of `2 × cores`
does the work (argon2-cffi releases the GIL) and a bounded queue in front of it turns overload
into a clear `Unavailable` instead of unbounded waiting.
"""

from __future__ import annotations

import asyncio
import os
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

from argon2 import PasswordHasher as Argon2
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from backend.domain.errors import Unavailable

T = TypeVar("T")


class Argon2Hasher:
    """OWASP minimum for argon2id: m=19 MiB, t=2, p=1."""

    def __init__(self, concurrency: int = 0, queue: int = 64) -> None:
        workers = concurrency or 2 * (os.cpu_count() or 1)
        self._argon = Argon2(time_cost=2, memory_cost=19 * 1024, parallelism=1)
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="argon2")
        self._slots = asyncio.Semaphore(workers + queue)
        self._dummy = self._argon.hash("parley-dummy-password")

    async def _run(self, fn: object, *args: str) -> object:
        if self._slots.locked():
            raise Unavailable("The server is busy; try again shortly.", code="busy")
        async with self._slots:
            loop = asyncio.get_running_loop()
            return await loop.run_in_executor(self._pool, fn, *args)  # type: ignore[arg-type]

    async def hash(self, password: str) -> str:
        return str(await self._run(self._argon.hash, password))

    async def verify(self, password_hash: str, password: str) -> bool:
        return bool(await self._run(self._check, password_hash, password))

    async def verify_dummy(self, password: str) -> None:
        await self._run(self._check, self._dummy, password)

    def _check(self, password_hash: str, password: str) -> bool:
        try:
            return self._argon.verify(password_hash, password)
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return False

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)
