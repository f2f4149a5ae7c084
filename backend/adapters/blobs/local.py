"""The embedded blob store: one file per key under `<data dir>/blobs/`, written atomically.

An object written part by part (a resumable upload) grows in `uploads/<key>` (one flat folder, so
an aborted one leaves not even a directory behind): each part is written at its offset (so a
repeated chunk rewrites the same bytes rather than appending them twice) and the finished file is
renamed into place.
"""

from __future__ import annotations

import asyncio
import os
import shutil
from collections.abc import AsyncIterator, Sequence
from pathlib import Path

from backend.adapters.blobs.keys import CHUNK, check_key
from backend.domain.errors import NotFound


class LocalBlobStore:
    """Objects live at `<root>/<key[:2]>/<key>`; a put lands by rename, so a reader never sees
    half a file. The API streams these files itself (no presigned URLs here)."""

    def __init__(self, root: Path) -> None:
        self._root = root

    async def start(self) -> None:
        await asyncio.to_thread((self._root / "uploads").mkdir, parents=True, exist_ok=True)

    async def close(self) -> None:
        return None

    def _path(self, key: str) -> Path:
        check_key(key)
        return self._root / key[:2] / key

    async def put(
        self, key: str, source: Path, size: int, content_type: str, sha256: str | None = None
    ) -> None:
        await asyncio.to_thread(self._put, self._path(key), source)

    def _put(self, target: Path, source: Path) -> None:
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_name(target.name + ".part")
        try:
            os.replace(source, tmp)  # the spool is on the same disk: a rename, no copy
        except OSError:
            shutil.copyfile(source, tmp)
        with tmp.open("rb+") as f:
            os.fsync(f.fileno())
        os.replace(tmp, target)
        _sync_dir(target.parent)

    async def size(self, key: str) -> int | None:
        path = self._path(key)
        try:
            stat = await asyncio.to_thread(path.stat)
        except FileNotFoundError:
            return None
        return stat.st_size

    async def read(
        self, key: str, start: int = 0, length: int | None = None
    ) -> AsyncIterator[bytes]:
        path = self._path(key)
        try:
            f = await asyncio.to_thread(path.open, "rb")
        except FileNotFoundError:
            raise NotFound("No such file.", code="file_not_found") from None
        try:
            await asyncio.to_thread(f.seek, start)
            left = length
            while left is None or left > 0:
                n = CHUNK if left is None else min(CHUNK, left)
                data = await asyncio.to_thread(f.read, n)
                if not data:
                    return
                if left is not None:
                    left -= len(data)
                yield data
        finally:
            await asyncio.to_thread(f.close)

    async def delete(self, key: str) -> None:
        await asyncio.to_thread(self._path(key).unlink, missing_ok=True)

    def _growing(self, key: str) -> Path:
        check_key(key)
        return self._root / "uploads" / key

    async def begin_parts(self, key: str) -> str:
        await asyncio.to_thread(_create, self._growing(key))
        return ""

    async def put_part(
        self,
        key: str,
        handle: str,
        number: int,
        offset: int,
        source: Path,
        size: int,
        crc32: int | None = None,
    ) -> str:
        await asyncio.to_thread(_write_at, self._growing(key), offset, source)
        return ""

    async def finish_parts(
        self, key: str, handle: str, parts: Sequence[tuple[int, str]], size: int
    ) -> None:
        await asyncio.to_thread(_finish, self._growing(key), self._path(key), size)

    async def abort_parts(self, key: str, handle: str) -> None:
        await asyncio.to_thread(self._growing(key).unlink, missing_ok=True)

    async def presign(
        self, key: str, ttl_s: int, content_type: str, disposition: str
    ) -> str | None:
        return None


def _create(path: Path) -> None:
    path.touch()


def _write_at(path: Path, offset: int, source: Path) -> None:
    try:
        f = path.open("r+b")  # never created here: a late chunk of a cancelled upload is refused
    except FileNotFoundError:
        raise NotFound("No such upload.", code="upload_not_found") from None
    with f, source.open("rb") as src:
        f.seek(offset)
        shutil.copyfileobj(src, f, CHUNK)
        f.flush()
        os.fsync(f.fileno())


def _finish(growing: Path, target: Path, size: int) -> None:
    try:
        with growing.open("r+b") as f:
            f.truncate(size)
            os.fsync(f.fileno())
    except FileNotFoundError:
        if target.exists():
            return  # finished before: a retried completion
        raise NotFound("No such upload.", code="upload_not_found") from None
    target.parent.mkdir(parents=True, exist_ok=True)
    os.replace(growing, target)
    _sync_dir(target.parent)


def _sync_dir(directory: Path) -> None:
    dir_fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)
