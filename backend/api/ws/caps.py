"""Caps on sockets: at most `per_user` open sockets per signed-in user and `unauth_per_ip`
sockets per client address that have not authenticated yet.

One user once held 1,000 sockets and one address 3,000 unauthenticated ones. Beyond a cap the
*oldest* socket is closed with 4429 (a client that reconnects is then never locked out by its own
stale sockets), so the newest, most likely live, connection wins.
"""

from __future__ import annotations

import asyncio
import logging
from collections import OrderedDict, defaultdict
from typing import Generic, Protocol, TypeVar

log = logging.getLogger(__name__)

CLOSE_TOO_MANY = 4429

T = TypeVar("T")


class Closable(Protocol):
    async def close(self, code: int = 1000, reason: str = "") -> None: ...


class Abortable(Protocol):
    def abort(self, code: int, reason: str) -> None: ...


class OldestOut(Generic[T]):
    """Members by key, in arrival order; adding beyond `cap` evicts (and returns) the oldest."""

    def __init__(self, cap: int) -> None:
        self.cap = cap
        self._by_key: defaultdict[str, OrderedDict[int, T]] = defaultdict(OrderedDict)

    def add(self, key: str, member: T) -> list[T]:
        members = self._by_key[key]
        members[id(member)] = member
        evicted: list[T] = []
        while self.cap and len(members) > self.cap:
            evicted.append(members.popitem(last=False)[1])
        return evicted

    def discard(self, key: str, member: T) -> None:
        members = self._by_key.get(key)
        if members is None:
            return
        members.pop(id(member), None)
        if not members:
            del self._by_key[key]

    def count(self, key: str) -> int:
        return len(self._by_key.get(key, ()))


class SocketCaps:
    def __init__(self, per_user: int, unauth_per_ip: int) -> None:
        self.unauthenticated: OldestOut[Closable] = OldestOut(unauth_per_ip)
        self.users: OldestOut[Abortable] = OldestOut(per_user)
        self._closing: set[asyncio.Task[None]] = set()

    def arrive(self, address: str, ws: Closable) -> None:
        """A socket opened and is not signed in yet; close the address's oldest beyond the cap."""
        for old in self.unauthenticated.add(address, ws):
            log.info("unauthenticated sockets of %s over the cap; closing the oldest", address)
            task = asyncio.create_task(
                old.close(CLOSE_TOO_MANY, "too many unauthenticated sockets")
            )
            self._closing.add(task)
            task.add_done_callback(self._closing.discard)

    def signed_in(self, user_id: str, conn: Abortable) -> None:
        """A socket authenticated as `user_id`; abort the user's oldest beyond the cap."""
        for old in self.users.add(user_id, conn):
            log.info("sockets of user %s over the cap; closing the oldest", user_id)
            old.abort(CLOSE_TOO_MANY, "too many sockets for this user")
