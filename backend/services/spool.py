"""An upload on its way in: written to a private temporary file as it arrives, counted and hashed.

Nothing of an upload is kept in memory beyond one write buffer, and nothing reaches the blob
store until the whole body is in and within the limit. The first bytes are kept for sniffing,
and the stream is scanned for markup so a polyglot (a GIF that is also HTML) is never inline.

Only counting (the size limit) and keeping the head happen on the event loop, per chunk. Hashing,
the markup scan and the disk write run together in a worker thread, once per buffer: ten
concurrent 100 MB uploads hashed on the loop held it long enough to delay message delivery on
other sockets by hundreds of milliseconds (py-spy: `SHA256_Update`, file unlinks).

The spool is never synced to disk: it is scratch, read back at once and deleted (the local store
syncs what it keeps, S3 keeps its own copy), so it mostly lives and dies in the page cache. Ten
100 MB uploads each forcing their spool out with `fsync` kept the disk busy enough that SQLite's
commit of an unrelated message (its own fsync, on the same disk) waited up to 350 ms behind them:
py-spy showed those commits, not the event loop, as the tail of delivery on other sockets.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import io
import os
import re
import tempfile
import zlib
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Protocol

from backend.domain.errors import PayloadTooLarge

HEAD_BYTES = 64 * 1024
FLUSH_BYTES = 1024 * 1024  # per upload in memory before a disk write (one thread handoff)
_MARKUP = re.compile(
    rb"<(?:script|html|svg|iframe|body|object|embed|!doctype|\?xml|meta|a\s)", re.IGNORECASE
)
_OVERLAP = 16


class Hasher(Protocol):
    def update(self, data: bytes, /) -> None: ...

    def hexdigest(self) -> str: ...


class Spool:
    """`sha`, `markup` and `tail` let one chunk of a resumable upload go on hashing and scanning
    where the chunk before it stopped; the chunk's own CRC-32 is kept beside it (S3 checks its
    part against it). A CRC-32, not a second SHA-256: every byte of a resumable upload was hashed
    twice, and zlib's CRC-32 costs a worker thread well under half of a SHA-256 (3.3 against
    1.3 GB/s here) on two cores that the event loop shares."""

    def __init__(
        self,
        directory: Path,
        max_bytes: int,
        sha: Hasher | None = None,
        markup: bool = False,
        tail: bytes = b"",
    ) -> None:
        self._dir = directory
        self._max = max_bytes
        self.path: Path | None = None
        self.size = 0
        self.head = b""
        self.markup = markup
        self._sha: Hasher = sha if sha is not None else hashlib.sha256()
        self._crc: int | None = 0 if sha is not None else None
        self._tail = tail

    @property
    def sha256(self) -> str:
        return self._sha.hexdigest()

    @property
    def own_crc32(self) -> int:
        """The CRC-32 of this spool's bytes alone (a spool given its `sha` only)."""
        assert self._crc is not None
        return self._crc

    @property
    def tail(self) -> bytes:
        """The last bytes scanned, which a markup tag split across two chunks starts in."""
        return self._tail

    async def fill(self, chunks: AsyncIterator[bytes]) -> None:
        """Take the whole body; raises `PayloadTooLarge` as soon as it passes the limit."""
        fd, name = await asyncio.to_thread(_scratch_file, self._dir)
        self.path = Path(name)
        with os.fdopen(fd, "wb") as f:
            pending: list[bytes] = []
            buffered = 0
            async for chunk in chunks:
                self._count(chunk)
                pending.append(chunk)
                buffered += len(chunk)
                if buffered >= FLUSH_BYTES:
                    await asyncio.to_thread(self._digest, f, pending, False)
                    pending, buffered = [], 0
            await asyncio.to_thread(self._digest, f, pending, True)

    def _count(self, chunk: bytes) -> None:
        """On the loop: cheap, and it must refuse before anything more is written."""
        self.size += len(chunk)
        if self.size > self._max:
            raise PayloadTooLarge(
                f"A file has at most {self._max} bytes.", code="file_too_large", limit=self._max
            )
        if len(self.head) < HEAD_BYTES:
            self.head += chunk[: HEAD_BYTES - len(self.head)]

    def _digest(self, f: io.BufferedWriter, pending: list[bytes], last: bool) -> None:
        """In a worker thread, one buffer at a time (so in order): hash, scan, write."""
        for chunk in pending:
            self._sha.update(chunk)  # hashlib and libcrypto let go of the GIL meanwhile
            if self._crc is not None:
                self._crc = zlib.crc32(chunk, self._crc)  # lets go of the GIL too
        if not self.markup and pending:
            window = self._tail + b"".join(pending)
            self.markup = _MARKUP.search(window) is not None
            self._tail = window[-_OVERLAP:]
        f.writelines(pending)
        if last:
            f.flush()  # no fsync: a scratch file (see the module doc)

    def discard(self) -> None:
        if self.path is not None:
            with contextlib.suppress(FileNotFoundError):
                self.path.unlink()

    async def drop(self) -> None:
        """`discard` off the loop: unlinking a file of megabytes waits on the disk."""
        try:
            await asyncio.to_thread(self.discard)
        except asyncio.CancelledError:
            self.discard()  # the thread may not have run: the file must go all the same
            raise


def _scratch_file(directory: Path) -> tuple[int, str]:
    """In a worker thread: one hand-off per spool (a resumable upload makes one per chunk)."""
    directory.mkdir(parents=True, exist_ok=True)
    return tempfile.mkstemp(dir=directory, prefix="up-")
