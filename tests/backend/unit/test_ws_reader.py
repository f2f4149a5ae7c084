"""The socket reader keeps Sanic's push-back: a message nobody waits for stops the peer's reading
until it is fetched; once the handler stops reading, a waiting read ends and later frames drop."""

from __future__ import annotations

import asyncio
from typing import Any, cast

from sanic.server.websockets.impl import WebsocketImplProtocol
from websockets.frames import Frame, Opcode

from backend.api.ws.reader import Reader


class Transport:
    """Stands in for the socket's protocol: only whether reading is paused matters here."""

    def __init__(self) -> None:
        self.paused = False

    def pause_frames(self) -> bool:
        self.paused = True
        return True

    def resume_frames(self) -> bool:
        self.paused = False
        return True


def _reader() -> tuple[Reader, Transport]:
    t = Transport()
    return Reader(cast(WebsocketImplProtocol, cast(Any, t))), t


async def test_a_waiting_read_gets_the_message_without_pausing() -> None:
    reader, t = _reader()
    got = asyncio.ensure_future(reader.get())
    await asyncio.sleep(0)
    await reader.put(Frame(Opcode.TEXT, "привет".encode()))
    assert await got == "привет" and not t.paused


async def test_an_unread_message_pauses_the_peer_until_fetched() -> None:
    reader, t = _reader()
    put = asyncio.ensure_future(reader.put(Frame(Opcode.TEXT, b"one")))
    await asyncio.sleep(0)
    assert t.paused and not put.done()  # held: nothing more is read from the peer
    assert await reader.get() == "one"
    await asyncio.wait_for(put, 1.0)
    assert not t.paused


async def test_fragments_join_into_one_message() -> None:
    reader, _ = _reader()
    got = asyncio.ensure_future(reader.get())
    await asyncio.sleep(0)
    await reader.put(Frame(Opcode.BINARY, b"ab", fin=False))
    await reader.put(Frame(Opcode.CONT, b"cd"))
    assert await got == b"abcd"


async def test_closing_ends_a_waiting_read_and_drops_what_follows() -> None:
    reader, t = _reader()
    got = asyncio.ensure_future(reader.get())
    await asyncio.sleep(0)
    reader.close()
    assert await got is None
    await asyncio.wait_for(reader.put(Frame(Opcode.TEXT, b"late")), 1.0)  # not held
    assert not t.paused and await reader.get() is None
