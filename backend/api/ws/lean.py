"""Trim what an open socket keeps from the HTTP connection that opened it.

A socket may stay open for days, mostly idle, thousands at a time. Sanic's protocol keeps two
`asyncio.Event`s per connection (each with a deque of a 64-slot block, about 760 bytes) and the
request object with its parsed and raw headers (about 1.5 KiB). Once the socket is signed in,
the events become `LazyEvent`s, which hold a future only while someone waits, and the headers,
read by then (origin, client address), are dropped.
"""

from __future__ import annotations

import asyncio
from typing import Any

from sanic import Request
from sanic.compat import Header
from sanic.server.websockets.impl import WebsocketImplProtocol


class LazyEvent:
    """`asyncio.Event`'s interface as Sanic's protocol uses it, with no deque while idle."""

    __slots__ = ("_flag", "_waiters")

    def __init__(self, flag: bool) -> None:
        self._flag = flag
        self._waiters: list[asyncio.Future[None]] | None = None

    def is_set(self) -> bool:
        return self._flag

    def set(self) -> None:
        self._flag = True
        waiters, self._waiters = self._waiters, None
        for fut in waiters or ():
            if not fut.done():
                fut.set_result(None)

    def clear(self) -> None:
        self._flag = False

    async def wait(self) -> bool:
        if self._flag:
            return True
        fut = asyncio.get_running_loop().create_future()
        if self._waiters is None:
            self._waiters = []
        self._waiters.append(fut)
        try:
            await fut
        finally:
            if self._waiters is not None and fut in self._waiters:
                self._waiters.remove(fut)
        return True


_EVENTS = ("_can_write", "_data_received")


def trim(request: Request, ws: WebsocketImplProtocol) -> None:
    """Called once the socket is signed in: nothing reads these headers afterwards."""
    io: Any = ws.io_proto
    for name in _EVENTS:
        old = getattr(io, name, None)
        # Swap only an event nobody waits on (none does between frames of a signed-in socket).
        if isinstance(old, asyncio.Event) and not getattr(old, "_waiters", None):
            setattr(io, name, LazyEvent(old.is_set()))
    request.headers = Header()
    request.head = b""
