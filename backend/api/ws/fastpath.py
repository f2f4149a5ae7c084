"""Fan-out's direct write: an event's WebSocket frame built once and handed to each idle socket's
transport in the hub's loop, with no task and no await per socket.

A server's text frame is unmasked, and Parley negotiates no extension, so the bytes on the wire
are the same for every member: they are built for the first socket and reused for the rest of
that event's pass. Frames a socket gets within one loop tick (a batch of events, an ack and the
sender's own copy) go out in one `transport.write` at the tick's end (`WriteBatch`): a send
system call costs about the same for one small frame as for several (measured on loopback: 12 us
for one, 14 for four), and it is most of a delivery's CPU. A socket that is busy (its own writer
or a handler holds its send lock, its transport is paused or closing, its outbox is not empty)
takes the frame through its outbox and writer task as before, so the order of what one socket is
sent never changes.
"""

from __future__ import annotations

import asyncio
from typing import Any, Protocol

from sanic.server.websockets.impl import WebsocketImplProtocol
from websockets.frames import Frame, Opcode
from websockets.protocol import OPEN, SERVER

# Above this many unsent bytes a transport is (about to be) paused: wait through the writer.
WRITE_BUFFER_LIMIT = 64 * 1024

_last: tuple[str, bytes] = ("", b"")


def text_frame(data: str) -> bytes:
    """The complete unmasked frame; the hub passes one string object per event, so the last one
    built is almost always the one asked for next."""
    global _last
    if _last[0] is not data:
        _last = (data, Frame(Opcode.TEXT, data.encode()).serialize(mask=False, extensions=[]))
    return _last[1]


def direct(ws: Any) -> bool:
    """A socket whose frames this module can write itself (not a stand-in)."""
    return isinstance(ws, WebsocketImplProtocol)


def transport_of(ws: Any) -> Any:
    """The transport this module may write a socket's frames to, or None (a stand-in, a client
    side, an extension): what a socket keeps from its handshake on, asked once and kept."""
    if not isinstance(ws, WebsocketImplProtocol):
        return None
    proto, io = ws.ws_proto, ws.io_proto
    if proto.side is not SERVER or proto.extensions or io is None:
        return None
    return io.transport


def can_write(ws: Any, transport: Any) -> bool:
    """Whether a complete frame can go to `transport` now: what changes during a socket's life
    (its lock, its state, a fragmented send, the transport's closing and buffer).

    Asked for every socket of every event in a big room (py-spy: 12-14 % of the event loop's
    samples): the transport's own C checks come first, and the lock and the protocol state are
    read from the attributes behind `Lock.locked()` and `Protocol.state` (CPython's asyncio and
    websockets keep them there), which spares two Python calls per socket."""
    if transport.is_closing() or transport.get_write_buffer_size() >= WRITE_BUFFER_LIMIT:
        return False
    if ws.conn_mutex._locked:
        return False
    proto = ws.ws_proto
    if proto._state is not OPEN or proto.expect_continuation_frame:
        return False
    finished = ws.data_finished_fut
    return finished is not None and not finished.done()


def writable(ws: Any) -> Any:
    """The socket's transport if a complete frame can be written to it now, else None."""
    transport = transport_of(ws)
    return transport if transport is not None and can_write(ws, transport) else None


def frames_of(texts: list[str], built: dict[int, bytes]) -> bytes:
    """Several frames in one buffer; `built` (by the string's id, alive while the batch is) keeps
    each event's frame built once for every socket of the tick."""
    if len(texts) == 1:
        return text_frame(texts[0])
    out = []
    for data in texts:
        wire = built.get(id(data))
        if wire is None:
            wire = built[id(data)] = text_frame(data)
        out.append(wire)
    return b"".join(out)


class Flushable(Protocol):
    def flush(self, built: dict[int, bytes]) -> None: ...


class WriteBatch:
    """The sockets that were handed frames in this loop tick; one callback flushes them all, so
    no socket costs a task, a future or a timer of its own."""

    __slots__ = ("_dirty", "_handle")

    def __init__(self) -> None:
        self._dirty: list[Flushable] = []
        self._handle: asyncio.Handle | None = None

    def add(self, conn: Flushable) -> None:
        self._dirty.append(conn)
        if self._handle is None:
            self._handle = asyncio.get_running_loop().call_soon(self.flush)

    def flush(self) -> None:
        dirty, self._dirty, self._handle = self._dirty, [], None
        built: dict[int, bytes] = {}
        for conn in dirty:
            conn.flush(built)
