"""Attachments on the client: streamed uploads and downloads with progress, no Qt.

Uploads stream the file from disk in chunks (never read whole into memory) and report progress;
cancelling the task aborts the request, and the server keeps nothing of a body it did not get
whole. Downloads follow the server's 302 to a presigned S3 URL without our bearer token (the URL
carries its own signature), land in a `.part` file renamed when complete, and return the sha256
so a caller can check it against the file's record.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import os
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from desktop.core.errors import ServerUnreachableError
from desktop.core.rest import RestClient
from desktop.core.resumable import ResumableUpload, Resume
from desktop.core.wire import JSON

log = logging.getLogger(__name__)

CHUNK = 256 * 1024
MAX_THUMBNAIL_BYTES = 4 * 1024 * 1024
MAX_PLACEHOLDER_CHARS = 4096
RESUMABLE_FROM = 8 * 1024 * 1024  # larger files go up in chunks that survive a dropped connection
Progress = Callable[[int, int], None]  # (bytes done, bytes in all)


@dataclass(frozen=True, slots=True)
class RemoteFile:
    """A file's record as the server keeps it (`file` in the contract)."""

    id: str
    name: str
    size: int
    content_type: str
    sha256: str
    width: int | None = None
    height: int | None = None
    has_thumbnail: bool = False
    placeholder: str | None = None  # a data: URI of a ~24 px webp, painted before the thumbnail

    @classmethod
    def from_json(cls, data: JSON) -> RemoteFile:
        return cls(
            id=str(data["id"]),
            name=str(data.get("name") or "file"),
            size=int(data.get("size") or 0),
            content_type=str(data.get("content_type") or "application/octet-stream"),
            sha256=str(data.get("sha256") or ""),
            width=_opt_int(data.get("width")),
            height=_opt_int(data.get("height")),
            has_thumbnail=bool(data.get("has_thumbnail")),
            placeholder=_opt_str(data.get("placeholder")),
        )

    def record(self) -> JSON:
        """What a message being sent carries of it (the pending bubble paints from this)."""
        return {
            "id": self.id,
            "name": self.name,
            "size": self.size,
            "content_type": self.content_type,
            "sha256": self.sha256,
            "width": self.width,
            "height": self.height,
            "has_thumbnail": self.has_thumbnail,
        }

    @property
    def is_image(self) -> bool:
        return self.has_thumbnail and self.width is not None


def _opt_int(value: Any) -> int | None:
    return int(value) if isinstance(value, int) else None


def _opt_str(value: Any) -> str | None:
    return value if isinstance(value, str) and len(value) <= MAX_PLACEHOLDER_CHARS else None


class FileTransfers:
    """Uploads and downloads through the app's one HTTP client."""

    def __init__(self, rest: RestClient, *, timeout: float = 300.0) -> None:
        self._rest = rest
        self._timeout = httpx.Timeout(timeout, connect=5.0)
        self.resumable: ResumableUpload | None = None  # the last large upload's

    @property
    def rest(self) -> RestClient:
        return self._rest

    async def upload(
        self,
        chat_id: str,
        path: Path,
        on_progress: Progress | None = None,
        resume: Resume | None = None,
    ) -> RemoteFile:
        """Stream `path` to the server for `chat_id`; cancel the task to abort it. A large
        file goes up in resumable chunks (`resume`: see desktop.core.resumable)."""
        size = (await asyncio.to_thread(path.stat)).st_size
        if size > RESUMABLE_FROM:
            self.resumable = ResumableUpload(self._rest, self._timeout)
            got = await self.resumable.run(chat_id, path, size, on_progress, resume)
            return RemoteFile.from_json(got)
        for attempt in range(2):  # one retry after a token refresh: the file is re-read
            headers = {**await self._rest.auth_headers(), "Content-Length": str(size)}
            resp = await self._request(
                "POST",
                "/files",
                params={"chat_id": chat_id, "name": path.name},
                content=_read(path, size, on_progress),
                headers=headers,
            )
            if resp.status_code == 401 and attempt == 0:
                await self._rest.refresh(stale_access=headers["Authorization"][7:])
                continue
            if resp.status_code != 201:
                raise self._rest.api_error(resp, "upload")
            break
        return RemoteFile.from_json(resp.json()["file"])

    async def download(self, file_id: str, dest: Path, on_progress: Progress | None = None) -> str:
        """Save the file to `dest`; returns the sha256 of what was written."""
        part = dest.with_name(dest.name + ".part")
        digest = hashlib.sha256()
        try:
            async with self._open(f"/files/{file_id}") as resp:
                total = int(resp.headers.get("content-length") or 0)
                done = 0
                with await asyncio.to_thread(part.open, "wb") as out:
                    async for chunk in resp.aiter_bytes(CHUNK):
                        digest.update(chunk)
                        await asyncio.to_thread(out.write, chunk)
                        done += len(chunk)
                        if on_progress is not None:
                            on_progress(done, total)
            await asyncio.to_thread(os.replace, part, dest)
        finally:
            with contextlib.suppress(FileNotFoundError):
                part.unlink()
        return digest.hexdigest()

    async def thumbnail(self, file_id: str) -> bytes:
        """The server's small webp preview (bounded: a preview is never large)."""
        data = bytearray()
        async with self._open(f"/files/{file_id}/thumbnail") as resp:
            async for chunk in resp.aiter_bytes(CHUNK):
                data += chunk
                if len(data) > MAX_THUMBNAIL_BYTES:
                    raise ValueError("thumbnail too large")
        return bytes(data)

    @contextlib.asynccontextmanager
    async def _open(self, path: str) -> AsyncIterator[httpx.Response]:
        """GET our URL; on a 302 GET the presigned one, without our token."""
        http = self._rest.http
        headers = await self._rest.auth_headers()
        try:
            async with http.stream("GET", path, headers=headers, timeout=self._timeout) as first:
                if first.status_code == 302:
                    location = first.headers["location"]
                elif first.status_code != 200:
                    await first.aread()
                    raise self._rest.api_error(first, "download")
                else:
                    yield first
                    return
            async with http.stream("GET", location, timeout=self._timeout) as second:
                if second.status_code != 200:
                    await second.aread()
                    raise self._rest.api_error(second, "download")
                yield second
        except httpx.TransportError as exc:
            raise ServerUnreachableError(self._rest.server_url) from exc

    async def _request(self, method: str, path: str, **kw: Any) -> httpx.Response:
        try:
            return await self._rest.http.request(method, path, timeout=self._timeout, **kw)
        except httpx.TransportError as exc:
            raise ServerUnreachableError(self._rest.server_url) from exc


async def _read(path: Path, size: int, on_progress: Progress | None) -> AsyncIterator[bytes]:
    f = await asyncio.to_thread(path.open, "rb")
    try:
        done = 0
        while chunk := await asyncio.to_thread(f.read, CHUNK):
            done += len(chunk)
            if on_progress is not None:
                on_progress(done, size)
            yield chunk
    finally:
        # Not awaited: a refused upload leaves this generator to be finalised, maybe after the
        # loop has gone, and closing a read-only file does not block.
        f.close()
