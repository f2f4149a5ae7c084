"""The spool an upload (or one chunk of a resumable one) lands in: exact bytes, both hashes and the
markup scan across its worker-thread buffers, and nothing left behind on a refusal or a cancel."""

from __future__ import annotations

import asyncio
import hashlib
import os
import threading
import zlib
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from backend.domain.errors import PayloadTooLarge
from backend.services.sha_state import ResumableSha256
from backend.services.spool import FLUSH_BYTES, Spool


async def _pieces(data: bytes, size: int) -> AsyncIterator[bytes]:
    for start in range(0, len(data), size):
        yield data[start : start + size]


def _noise(n: int) -> bytes:
    """Random bytes without `<`, so no markup is found by chance."""
    return os.urandom(n).replace(b"<", b"=")


async def test_the_file_its_hash_and_its_crc_are_exact_across_hand_offs(tmp_path: Path) -> None:
    first, second = _noise(FLUSH_BYTES + 12345), _noise(3 * FLUSH_BYTES + 777)
    sha = ResumableSha256()
    sha.update(first)  # a chunk before this one, as a session's saved state carries it
    spool = Spool(tmp_path / "spool", len(second), ResumableSha256(sha.state()))
    await spool.fill(_pieces(second, 65_521))  # a prime: pieces straddle every buffer
    assert spool.path is not None
    assert spool.path.read_bytes() == second
    assert spool.size == len(second)
    assert spool.sha256 == hashlib.sha256(first + second).hexdigest()
    assert spool.own_crc32 == zlib.crc32(second)  # the chunk's alone, which S3 checks
    assert spool.head == second[:65536]
    assert not spool.markup
    await spool.drop()
    assert list((tmp_path / "spool").iterdir()) == []


@pytest.mark.parametrize("at", [FLUSH_BYTES - 3, FLUSH_BYTES + 40_000, 5])
async def test_markup_is_found_wherever_it_falls(tmp_path: Path, at: int) -> None:
    data = bytearray(_noise(2 * FLUSH_BYTES))
    data[at : at + 8] = b"<script>"  # at -3: split between two buffers
    spool = Spool(tmp_path, len(data))
    await spool.fill(_pieces(bytes(data), 100_003))
    assert spool.markup
    await spool.drop()


async def test_a_tag_begun_in_the_chunk_before_is_found(tmp_path: Path) -> None:
    """A resumable chunk goes on scanning from the tail the one before it left."""
    before = Spool(tmp_path, 1 << 20, ResumableSha256())
    await before.fill(_pieces(_noise(5000) + b"<sc", 4096))
    assert not before.markup
    after = Spool(tmp_path, 1 << 20, ResumableSha256(), before.markup, before.tail)
    await after.fill(_pieces(b"ript>" + _noise(5000), 4096))
    assert after.markup
    await before.drop()
    await after.drop()


async def test_a_body_past_the_limit_is_refused_and_leaves_nothing(tmp_path: Path) -> None:
    spool = Spool(tmp_path, 3 * FLUSH_BYTES)
    with pytest.raises(PayloadTooLarge):
        await spool.fill(_pieces(_noise(4 * FLUSH_BYTES), 65536))
    await spool.drop()
    assert list(tmp_path.iterdir()) == []


class _HeldHash:
    """A hash whose first update waits until the test lets it go (the thread stays busy)."""

    def __init__(self) -> None:
        self.inside, self.go = threading.Event(), threading.Event()
        self._sha = hashlib.sha256()

    def update(self, data: bytes, /) -> None:
        self.inside.set()
        self.go.wait(30)
        self._sha.update(data)

    def hexdigest(self) -> str:
        return self._sha.hexdigest()


async def test_a_fill_cancelled_mid_hand_off_leaves_no_file_after_drop(tmp_path: Path) -> None:
    held = _HeldHash()
    spool = Spool(tmp_path, 4 * FLUSH_BYTES, held)
    task = asyncio.create_task(spool.fill(_pieces(_noise(2 * FLUSH_BYTES), 65536)))
    await asyncio.to_thread(held.inside.wait, 30)  # the first buffer is in the worker thread
    task.cancel()
    held.go.set()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert spool.path is not None  # made by the thread, known before the cancel returns
    await spool.drop()
    assert list(tmp_path.iterdir()) == []
