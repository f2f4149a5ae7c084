"""The fan-out's prebuilt frame is exactly what the socket's own protocol would have sent, and a
client parses it back to the same text (multi-byte characters and the 16- and 64-bit lengths)."""

from __future__ import annotations

import asyncio

import pytest
from websockets.frames import Frame, Opcode
from websockets.protocol import CLOSING, OPEN
from websockets.server import ServerProtocol
from websockets.streams import StreamReader

from backend.api.ws.connection import Connection
from backend.api.ws.fastpath import WRITE_BUFFER_LIMIT, WriteBatch, can_write, frames_of, text_frame
from backend.api.ws.order import Ordering
from backend.services.messages import Resume


def _server_bytes(text: str) -> bytes:
    proto = ServerProtocol()
    proto.state = OPEN
    proto.send_text(text.encode())
    return b"".join(proto.data_to_send())


def _client_reads(data: bytes) -> Frame:
    reader = StreamReader()
    reader.feed_data(data)
    parser = Frame.parse(reader.read_exact, mask=False)
    try:
        next(parser)
    except StopIteration as done:
        frame: Frame = done.value
        return frame
    raise AssertionError("the frame did not parse whole")


@pytest.mark.parametrize("text", ['{"type":"ping"}', "привет " * 30, "x" * 70_000])
def test_the_prebuilt_frame_is_the_protocols_own(text: str) -> None:
    wire = text_frame(text)
    assert wire == _server_bytes(text)
    frame = _client_reads(wire)
    assert frame.opcode is Opcode.TEXT and frame.fin
    assert frame.data.decode() == text


def test_each_event_gets_its_own_frame() -> None:
    first, second = text_frame("one"), text_frame("two")
    assert _client_reads(first).data == b"one" and _client_reads(second).data == b"two"


def _all_frames(data: bytes) -> list[bytes]:
    reader = StreamReader()
    reader.feed_data(data)
    out = []
    while reader.buffer:
        parser = Frame.parse(reader.read_exact, mask=False)
        try:
            next(parser)
        except StopIteration as done:
            out.append(done.value.data)
    return out


def test_a_ticks_frames_go_out_whole_and_in_order() -> None:
    one, two = "один", '{"type":"ping"}'
    built: dict[int, bytes] = {}
    assert _all_frames(frames_of([one, two, one], built)) == [
        one.encode(),
        two.encode(),
        one.encode(),
    ]
    # the next socket of the same tick reuses the frames built for the first
    assert _all_frames(frames_of([two, one], built)) == [two.encode(), one.encode()]


async def _after_this_tick() -> None:
    """Callbacks run in the order they were scheduled: this one comes after the batch's flush."""
    done = asyncio.get_running_loop().create_future()
    asyncio.get_running_loop().call_soon(done.set_result, None)
    await done


async def test_one_flush_per_tick_for_every_socket_handed_frames() -> None:
    flushed: list[str] = []

    class Sock:
        def __init__(self, name: str) -> None:
            self.name = name

        def flush(self, built: dict[int, bytes]) -> None:
            flushed.append(self.name)

    batch = WriteBatch()
    batch.add(Sock("a"))
    batch.add(Sock("b"))
    assert flushed == []  # nothing is written inside the pass that hands the frames out
    await _after_this_tick()
    assert flushed == ["a", "b"]
    batch.add(Sock("c"))
    await _after_this_tick()
    assert flushed == ["a", "b", "c"]


async def test_the_hubs_fast_lane_keeps_each_sockets_seq_order_once_each() -> None:
    """`Connection.deliver` decides the usual case itself; early, repeated and out-of-order events
    still leave in `seq` order, each once, after `ready`, and nothing after a close."""
    sent: list[str] = []

    class Sock:
        async def send(self, data: str) -> None:
            sent.append(data)

        async def close(self, code: int = 1000, reason: str = "") -> None:
            sent.append(f"closed {code}")

    async def fill(chat_id: str, after: int, upto: int) -> Resume:
        raise AssertionError("no hole is left to read from the log")

    conn = Connection(Sock(), "u", 100, Ordering(fill, 60.0, 100))
    conn.deliver("e1", "c", 1)  # before `ready`: waits for it
    conn.ready("ready")
    for data, seq in [("e2", 2), ("e2", 2), ("e4", 4), ("e3", 3), ("e1", 1), ("e5", 5)]:
        conn.deliver(data, "c", seq)
    deadline = asyncio.get_running_loop().time() + 5.0
    while len(sent) < 6 and asyncio.get_running_loop().time() < deadline:
        await _after_this_tick()
    assert sent == ["ready", "e1", "e2", "e3", "e4", "e5"]
    await conn.stop()
    conn.deliver("e6", "c", 6)
    await _after_this_tick()
    assert sent[-1] == "e5"


async def test_a_frame_waits_while_the_socket_is_locked_closing_or_full() -> None:
    """`can_write` reads the lock and protocol state from their attributes: the same answers as
    `Lock.locked()` and `Protocol.state` give, for each reason a socket must not be written."""

    class Transport:
        closing, buffered = False, 0

        def is_closing(self) -> bool:
            return self.closing

        def get_write_buffer_size(self) -> int:
            return self.buffered

    class Ws:
        pass

    ws, t = Ws(), Transport()
    ws.conn_mutex = asyncio.Lock()  # type: ignore[attr-defined]
    ws.ws_proto = ServerProtocol()  # type: ignore[attr-defined]
    ws.ws_proto.state = OPEN  # type: ignore[attr-defined]
    ws.data_finished_fut = asyncio.get_running_loop().create_future()  # type: ignore[attr-defined]
    assert can_write(ws, t)
    async with ws.conn_mutex:  # type: ignore[attr-defined]
        assert not can_write(ws, t)
    ws.ws_proto.state = CLOSING  # type: ignore[attr-defined]
    assert not can_write(ws, t)
    ws.ws_proto.state = OPEN  # type: ignore[attr-defined]
    t.buffered = WRITE_BUFFER_LIMIT
    assert not can_write(ws, t)
    t.buffered, t.closing = 0, True
    assert not can_write(ws, t)
    t.closing = False
    ws.data_finished_fut.set_result(None)  # type: ignore[attr-defined]
    assert not can_write(ws, t)
