"""A put cancelled while the kernel sends its body (`_SpoolBody`'s sendfile thread, on a duplicate
of the connection's socket) leaves the store as if it had never started: the thread stops, aiohttp
closes that connection instead of pooling it, so the next put and a read on the same store are
byte-exact, and the cancelled key is neither an object nor an unfinished multipart upload."""

from __future__ import annotations

import asyncio
import hashlib
import os
import secrets
import threading
from pathlib import Path
from typing import Any

import pytest

from backend.adapters.blobs import s3
from tests.support.engines import bucket_contents, s3_store
from tests.support.server import eventually

pytestmark = pytest.mark.engines

MiB = 1024 * 1024
BIG = 256 * MiB  # one PUT (below SINGLE_PUT_MAX), long enough to be cancelled mid-body


class _Watched:
    """Counts what the sendfile threads have sent, and how many are still running."""

    def __init__(self) -> None:
        self.sent = 0
        self.running = 0
        self.started = 0
        self._lock = threading.Lock()

    def sendfile(self, out: int, source: int, offset: int, count: int) -> int:
        n = _SENDFILE(out, source, offset, count)
        with self._lock:
            self.sent += n
        return n

    def thread(self, *args: Any) -> None:
        with self._lock:
            self.started += 1
            self.running += 1
        try:
            _SEND_FILE(*args)
        finally:
            with self._lock:
                self.running -= 1


_SENDFILE = os.sendfile
_SEND_FILE = s3._send_file


def _spool(tmp_path: Path, data: bytes) -> tuple[Path, str]:
    path = tmp_path / f"spool-{secrets.token_hex(4)}"
    path.write_bytes(data)
    return path, hashlib.sha256(data).hexdigest()


async def test_a_put_cancelled_mid_body_leaves_nothing_and_the_next_is_exact(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    watched = _Watched()
    monkeypatch.setattr(s3, "_send_file", watched.thread)
    monkeypatch.setattr(s3.os, "sendfile", watched.sendfile)
    async with s3_store("cancel") as (store, env):
        big, big_sha = _spool(tmp_path, os.urandom(MiB) * (BIG // MiB))
        cancelled = secrets.token_hex(16)
        put = asyncio.create_task(
            store.put(cancelled, big, BIG, "application/octet-stream", big_sha)
        )
        await eventually(lambda: watched.sent >= 4 * MiB, 60, "the body's first MiBs sent")
        assert not put.done(), "the put ended before it could be cancelled mid-body"
        put.cancel()
        with pytest.raises(asyncio.CancelledError):
            await put
        at_cancel = watched.sent

        data = os.urandom(3 * MiB + 12345)  # at once, while the cancelled thread may still send
        small, small_sha = _spool(tmp_path, data)
        kept = secrets.token_hex(16)
        await store.put(kept, small, len(data), "application/octet-stream", small_sha)

        await eventually(lambda: watched.running == 0, 30, "the cancelled body's thread to stop")
        assert watched.started == 2  # both bodies went by sendfile (plain TCP)
        assert watched.sent - len(data) - at_cancel <= s3.SENDFILE_BYTES  # one call after cancel
        assert watched.sent - len(data) < BIG
        got = b"".join([c async for c in store.read(kept, 0, None)])
        assert hashlib.sha256(got).hexdigest() == small_sha
        assert await store.size(cancelled) is None
        objects, uploads = await bucket_contents(env)
        assert (objects, uploads) == ([kept], [])
