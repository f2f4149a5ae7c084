"""A lean reader for a socket's incoming messages, in place of Sanic's frame assembler.

Sanic's assembler keeps an `asyncio.Queue` and two `Event`s per socket (five deques of 64-slot
blocks, about 3.8 KiB while the socket idles), and every `recv()` runs the wait in a task of its
own. This one keeps a list and, while the handler waits, one future. It keeps Sanic's push-back:
a complete message nobody is waiting for stops the transport reading until it is fetched, so a
flooding client cannot grow the server's memory. The socket's end (close frame, EOF, a failed
connection) reaches a waiting reader through the connection-lost future, as `None`; once the
handler stops reading, what still arrives is read and dropped.
"""

from __future__ import annotations

import asyncio
import codecs
from typing import Any

from sanic.server.websockets.impl import WebsocketImplProtocol
from websockets.frames import Frame, Opcode

Data = str | bytes

_UTF8 = codecs.getincrementaldecoder("utf-8")


class Reader:
    __slots__ = ("_chunks", "_decoder", "_fetched", "_getter", "_lost", "_paused", "_ready", "_ws")

    def __init__(self, ws: WebsocketImplProtocol) -> None:
        self._ws = ws
        self._chunks: list[Data] = []
        self._decoder: codecs.IncrementalDecoder | None = None
        self._ready: Data | None = None  # a complete message not fetched yet
        self._getter: asyncio.Future[Data | None] | None = None
        self._fetched: asyncio.Future[None] | None = None
        self._paused = False
        self._lost = False

    async def put(self, frame: Frame) -> None:
        """Called by Sanic for each data frame, one at a time (under its event mutex)."""
        if frame.opcode is Opcode.TEXT:
            self._decoder = _UTF8(errors="strict")
        elif frame.opcode is Opcode.BINARY:
            self._decoder = None
        elif frame.opcode is not Opcode.CONT:
            return
        decoder = self._decoder
        data = frame.data
        self._chunks.append(decoder.decode(data, frame.fin) if decoder else bytes(data))
        if not frame.fin:
            return
        message: Data = ("" if decoder else b"").join(self._chunks)  # type: ignore[arg-type]
        self._chunks, self._decoder = [], None
        getter = self._getter
        if getter is not None and not getter.done():
            self._getter = None
            getter.set_result(message)
            return
        if self._lost:
            return
        # Nobody waits: hold it, and read nothing more from the peer until it is fetched.
        self._ready = message
        self._paused = bool(self._ws.pause_frames())  # type: ignore[no-untyped-call]
        self._fetched = asyncio.get_running_loop().create_future()
        await self._fetched

    async def get(self) -> Data | None:
        """The next message; None once the socket has ended."""
        if self._ready is not None:
            message, self._ready = self._ready, None
            self._release()
            return message
        if self._lost:
            return None
        getter = self._getter = asyncio.get_running_loop().create_future()
        try:
            got: Data | None = await getter
            return got
        finally:
            if self._getter is getter:
                self._getter = None

    def _release(self) -> None:
        fetched, self._fetched = self._fetched, None
        if fetched is not None and not fetched.done():
            fetched.set_result(None)
        if self._paused:
            self._paused = False
            self._ws.resume_frames()  # type: ignore[no-untyped-call]

    def close(self, _fut: Any = None) -> None:
        """Nothing more is read by the handler: release a waiting reader and read the rest off
        the socket unheld, so the close handshake completes (a peer whose data sits unread in
        the kernel gets a reset, and never the close frame that says why)."""
        self._lost = True
        self._ready = None
        self._release()
        getter, self._getter = self._getter, None
        if getter is not None and not getter.done():
            getter.set_result(None)


def install(ws: WebsocketImplProtocol) -> Reader:
    """Put a `Reader` in place of Sanic's assembler, taking over what that already holds (the
    client's first frame may have arrived during the handshake)."""
    reader = Reader(ws)
    old = ws.assembler
    reader._chunks = list(old.chunks)
    reader._decoder = old.decoder
    if old.message_complete.is_set():  # a whole message waits in it: move it, free its put
        joiner: Data = "" if old.decoder is not None else b""
        reader._ready = joiner.join(old.chunks)  # type: ignore[arg-type]
        reader._chunks, reader._decoder = [], None
        old.message_complete.clear()
        old.message_fetched.set()
        reader._paused, old.paused = old.paused, False
    ws.assembler = reader  # type: ignore[assignment]
    lost = ws.connection_lost_waiter
    if lost is None or lost.done():
        reader.close()
    else:
        lost.add_done_callback(reader.close)
    return reader
