"""An image's declared size from its first bytes, before any decoder sees it.

A header can declare far more pixels than the file holds (a 45-byte PNG declaring 20000×20000);
such a file is refused from the declaration alone, whether or not a decoder would accept it.
"""

from __future__ import annotations

import struct

_SOF = {0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF}


def declared_size(head: bytes, content_type: str) -> tuple[int, int] | None:
    try:
        if content_type == "image/png" and head[12:16] == b"IHDR":
            w, h = struct.unpack(">II", head[16:24])
            return int(w), int(h)
        if content_type == "image/gif":
            w, h = struct.unpack("<HH", head[6:10])
            return int(w), int(h)
        if content_type == "image/webp" and head[12:16] == b"VP8X":
            w = int.from_bytes(head[24:27], "little") + 1
            h = int.from_bytes(head[27:30], "little") + 1
            return w, h
        if content_type == "image/jpeg":
            return _jpeg(head)
    except struct.error:
        return None
    return None


def _jpeg(head: bytes) -> tuple[int, int] | None:
    i = 2
    while i + 9 < len(head):
        if head[i] != 0xFF:
            return None
        marker = head[i + 1]
        length = struct.unpack(">H", head[i + 2 : i + 4])[0]
        if marker in _SOF:
            h, w = struct.unpack(">HH", head[i + 5 : i + 9])
            return int(w), int(h)
        i += 2 + length
    return None
