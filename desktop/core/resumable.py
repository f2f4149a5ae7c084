"""A large upload in chunks that survives a dropped connection: no Qt.

The server keeps every chunk it acknowledged (`/files/uploads`, see backend/services/uploads.py).
When the connection drops, the client asks where the upload stands and sends on from there, so a
lost connection costs at most one chunk, not the whole file. Cancelling the task removes the
session and every chunk from the server, unless a `Resume` keeps it for the next start (the app
quit mid-upload: desktop/core/upload_journal.py remembers the session).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncGenerator, AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from desktop.core.errors import ApiError, ServerUnreachableError
from desktop.core.rest import RestClient

log = logging.getLogger(__name__)

CHUNK_BYTES = 8 * 1024 * 1024  # one PUT (what a drop costs at most); the server takes >= 5 MiB
READ_BYTES = 256 * 1024
RESUME_DELAY_S = (0.2, 1.0, 2.0, 4.0, 8.0)  # then every 8 s until the server is back
Progress = Callable[[int, int], None]


@dataclass
class Resume:
    """An upload that may outlive the app: the session to go on with (empty: a new one), told
    to `started` once opened; `abandon` says whether a cancel is the user's (drop the session)."""

    upload_id: str = ""
    started: Callable[[str], None] = lambda _upload_id: None
    abandon: Callable[[], bool] = lambda: True


class _Resend(Exception):
    """The token was refreshed under a chunk: send that chunk again."""


class ResumableUpload:
    def __init__(self, rest: RestClient, timeout: httpx.Timeout) -> None:
        self._rest, self._timeout = rest, timeout
        self.drops = 0  # connections lost and recovered from, for the curious (and tests)

    async def run(
        self,
        chat_id: str,
        path: Path,
        size: int,
        on_progress: Progress | None,
        resume: Resume | None = None,
    ) -> dict[str, Any]:
        """Upload `path`; returns the server's `file` record. With `resume`, go on with the
        session it names (if the server still has it) and keep the session when cancelled
        unless `resume.abandon` says so: an app quitting is not a user cancelling."""
        upload_id = await self._session(chat_id, path, size, resume)
        try:
            offset = await self._where(upload_id, 0)
            await self._send_all(upload_id, path, size, on_progress, offset)
            done = await self._call("POST", f"/files/uploads/{upload_id}/complete", 201)
        except asyncio.CancelledError:
            if resume is None or resume.abandon():
                await asyncio.shield(self.abandon(upload_id))
            raise
        file: dict[str, Any] = done["file"]
        return file

    async def _session(self, chat_id: str, path: Path, size: int, resume: Resume | None) -> str:
        if resume is not None and resume.upload_id:
            with contextlib.suppress(ApiError):  # gone (completed, expired): start again
                got = await self._call("GET", f"/files/uploads/{resume.upload_id}", 200)
                if int(got["upload"]["size"]) == size:
                    return resume.upload_id
        params = {"chat_id": chat_id, "name": path.name, "size": str(size)}
        started = await self._call("POST", "/files/uploads", 201, params=params)
        upload_id = str(started["upload"]["id"])
        if resume is not None:
            resume.upload_id = upload_id
            resume.started(upload_id)
        return upload_id

    async def _send_all(
        self, upload_id: str, path: Path, size: int, on_progress: Progress | None, offset: int
    ) -> None:
        failures = 0
        while offset < size:
            try:
                length = min(CHUNK_BYTES, size - offset)
                content = _read(path, offset, length, size, on_progress)
                try:
                    got = await self._call(
                        "PUT",
                        f"/files/uploads/{upload_id}",
                        200,
                        params={"offset": str(offset)},
                        content=content,
                        length=length,
                    )
                finally:
                    await content.aclose()  # the file closes now, even when cancelled mid-chunk
                offset, failures = int(got["upload"]["offset"]), 0
            except _Resend:
                continue
            except ApiError as exc:
                if exc.code != "upload_offset_mismatch":
                    raise
                offset = await self._where(upload_id, offset)  # a chunk we thought lost got in
            except ServerUnreachableError:
                # Offline: wait for the server like a queued text does (the user may cancel);
                # nothing acknowledged is sent again.
                await asyncio.sleep(RESUME_DELAY_S[min(failures, len(RESUME_DELAY_S) - 1)])
                failures += 1
                self.drops += 1
                offset = await self._where(upload_id, offset)

    async def _where(self, upload_id: str, guess: int) -> int:
        """Where the server says the upload stands (our guess while it is still away)."""
        with contextlib.suppress(ServerUnreachableError):
            got = await self._call("GET", f"/files/uploads/{upload_id}", 200)
            return int(got["upload"]["offset"])
        return guess

    async def abandon(self, upload_id: str) -> None:
        """Drop a session and its chunks from the server; best effort (unreachable or signed
        out: the server expires it on its own)."""
        with contextlib.suppress(Exception):
            await self.drop(upload_id)

    async def drop(self, upload_id: str) -> None:
        """Drop a session and its chunks from the server; a failure raises (404: none left)."""
        await self._call("DELETE", f"/files/uploads/{upload_id}", 204)

    async def _call(
        self,
        method: str,
        path: str,
        expect: int,
        *,
        params: dict[str, str] | None = None,
        content: AsyncIterator[bytes] | None = None,
        length: int | None = None,
    ) -> dict[str, Any]:
        """One request, once more after a token refresh (a chunk body is read only once, so a
        refused chunk is sent again from the file by the caller's loop)."""
        for attempt in range(2):
            headers = await self._rest.auth_headers()
            if length is not None:
                headers["Content-Length"] = str(length)
            try:
                resp = await self._rest.http.request(
                    method, path, params=params, content=content, headers=headers,
                    timeout=self._timeout,
                )  # fmt: skip
            except httpx.TransportError as exc:
                raise ServerUnreachableError(self._rest.server_url) from exc
            if resp.status_code == 401 and attempt == 0:
                await self._rest.refresh(stale_access=headers["Authorization"][7:])
                if content is not None:
                    raise _Resend
                continue
            if resp.status_code != expect:
                raise self._rest.api_error(resp, "upload")
            body: dict[str, Any] = resp.json() if resp.content else {}
            return body
        raise AssertionError("unreachable")  # the loop returns or raises


async def _read(
    path: Path, start: int, length: int, size: int, on_progress: Progress | None
) -> AsyncGenerator[bytes, None]:
    # Opened on the loop: a cancel landing while a worker thread opened it would leak the file,
    # and opening (unlike reading) a local file does not wait on the disk for long.
    f = path.open("rb")
    try:
        await asyncio.to_thread(f.seek, start)
        left = length
        while left > 0 and (chunk := await asyncio.to_thread(f.read, min(READ_BYTES, left))):
            left -= len(chunk)
            if on_progress is not None:
                on_progress(start + length - left, size)
            yield chunk
    finally:
        f.close()
