"""An upload on its way in: written to a private temporary file as it arrives, counted and hashed.

Nothing of an upload is kept in memory beyond one write buffer, and nothing reaches the blob
store until the whole body is in and within the limit. The first bytes are kept for sniffing,
and the stream is scanned for markup so a polyglot (a GIF that is also HTML) is never inline.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import io
import os
import re
import tempfile
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Protocol

from backend.domain.errors import PayloadTooLarge

HEAD_BYTES = 64 * 1024
FLUSH_BYTES = 256 * 1024  # per upload in memory before a disk write
_MARKUP = re.compile(
    rb"<(?:script|html|svg|iframe|body|object|embed|!doctype|\?xml|meta|a\s)", re.IGNORECASE
)
_OVERLAP = 16


class Hasher(Protocol):
    def update(self, data: bytes, /) -> None: ...

    def hexdigest(self) -> str: ...


class Spool:
    """`sha`, `markup` and `tail` let one chunk of a resumable upload go on hashing and scanning
    where the chunk before it stopped."""

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
        self._tail = tail

    @property
    def sha256(self) -> str:
        return self._sha.hexdigest()

    @property
    def tail(self) -> bytes:
        """The last bytes scanned, which a markup tag split across two chunks starts in."""
        return self._tail

    async def fill(self, chunks: AsyncIterator[bytes]) -> None:
        """Take the whole body; raises `PayloadTooLarge` as soon as it passes the limit."""
        self._dir.mkdir(parents=True, exist_ok=True)
        fd, name = await asyncio.to_thread(tempfile.mkstemp, dir=self._dir, prefix="up-")
        self.path = Path(name)
        with os.fdopen(fd, "wb") as f:
            pending: list[bytes] = []
            buffered = 0
            async for chunk in chunks:
                self._take(chunk)
                pending.append(chunk)
                buffered += len(chunk)
                if buffered >= FLUSH_BYTES:
                    await asyncio.to_thread(f.writelines, pending)
                    pending, buffered = [], 0
            await asyncio.to_thread(_finish, f, pending)

    def _take(self, chunk: bytes) -> None:
        self.size += len(chunk)
        if self.size > self._max:
            raise PayloadTooLarge(
                f"A file has at most {self._max} bytes.", code="file_too_large", limit=self._max
            )
        self._sha.update(chunk)
        if len(self.head) < HEAD_BYTES:
            self.head += chunk[: HEAD_BYTES - len(self.head)]
        if not self.markup:
            window = self._tail + chunk
            self.markup = _MARKUP.search(window) is not None
            self._tail = window[-_OVERLAP:]

    def discard(self) -> None:
        if self.path is not None:
            with contextlib.suppress(FileNotFoundError):
                self.path.unlink()


def _finish(f: io.BufferedWriter, pending: list[bytes]) -> None:
    f.writelines(pending)
    f.flush()
    os.fsync(f.fileno())
