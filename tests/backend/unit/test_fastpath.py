"""The fan-out's prebuilt frame is exactly what the socket's own protocol would have sent, and a
client parses it back to the same text (multi-byte characters and the 16- and 64-bit lengths)."""

from __future__ import annotations

import pytest
from websockets.frames import Frame, Opcode
from websockets.protocol import OPEN
from websockets.server import ServerProtocol
from websockets.streams import StreamReader

from backend.api.ws.fastpath import text_frame


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
