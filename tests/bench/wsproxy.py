"""A TCP proxy in front of a real server that tampers with the WebSocket frames it forwards.

Client to server passes untouched; server to client is cut into frames (unmasked, as servers
send them) after the HTTP upgrade, and the n-th `message.created` frame (counted from 1) can be
dropped, sent twice, or held back and sent after the next one: the faults a lean receiver must
count as lost, repeated and out of order.
"""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass, field

CREATED = b'{"type":"message.created"'
RESUMED = b'{"type":"resumed"'


@dataclass
class Tamper:
    drop: set[int] = field(default_factory=set)
    repeat: set[int] = field(default_factory=set)
    swap: set[int] = field(default_factory=set)  # held back and sent after the next one
    created: int = 0  # `message.created` frames seen from the server
    pings: int = 0  # ping frames seen from the server
    resumed: asyncio.Event = field(default_factory=asyncio.Event)

    def frames(self, frame: bytes, payload: bytes) -> list[bytes]:
        """What goes to the client for one server frame."""
        if frame[0] & 0x0F == 0x9:
            self.pings += 1
        if payload.startswith(RESUMED):
            self.resumed.set()
        if not payload.startswith(CREATED):
            return [frame]
        self.created += 1
        n = self.created
        if n in self.drop:
            return []
        return [frame, frame] if n in self.repeat else [frame]


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    with contextlib.suppress(ConnectionError):
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
    writer.close()


async def _frame(reader: asyncio.StreamReader) -> tuple[bytes, bytes]:
    head = await reader.readexactly(2)
    n = head[1] & 0x7F
    ext = b""
    if n == 126:
        ext = await reader.readexactly(2)
        n = int.from_bytes(ext, "big")
    elif n == 127:
        ext = await reader.readexactly(8)
        n = int.from_bytes(ext, "big")
    payload = await reader.readexactly(n)
    return head + ext + payload, payload


async def _downstream(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter, tamper: Tamper
) -> None:
    held: bytes | None = None
    with contextlib.suppress(ConnectionError, asyncio.IncompleteReadError):
        writer.write(await reader.readuntil(b"\r\n\r\n"))  # the 101 response
        while True:
            frame, payload = await _frame(reader)
            out = tamper.frames(frame, payload)
            if out and payload.startswith(CREATED) and tamper.created in tamper.swap:
                held = out[0]
                continue
            for f in out:
                writer.write(f)
            if held is not None and payload.startswith(CREATED):
                writer.write(held)
                held = None
            await writer.drain()
    writer.close()


async def serve(upstream_port: int, tamper: Tamper) -> asyncio.Server:
    """Listen on a free loopback port; each connection is proxied to the server's port."""

    async def handle(cr: asyncio.StreamReader, cw: asyncio.StreamWriter) -> None:
        sr, sw = await asyncio.open_connection("127.0.0.1", upstream_port)
        await asyncio.gather(_pipe(cr, sw), _downstream(sr, cw, tamper))

    return await asyncio.start_server(handle, "127.0.0.1", 0)
