"""Upload limits and lifetimes on servers of their own: 413 before anything is kept (declared and
chunked bodies), server memory bounded during an oversized upload, quotas, unattached uploads
removed, and presigned URLs that stop working."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import os
import threading
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path

import httpx
import psutil
import pytest

from tests.support.client import Api
from tests.support.files import send_with, upload, uploaded
from tests.support.server import ServerProcess, wait_until

MiB = 1024 * 1024
LIMIT = 8 * MiB  # also exactly one S3 part: the length miniopy-async's unknown-length path fails on


async def raw_post(
    port: int, path: str, headers: dict[str, str], chunks: Iterator[bytes]
) -> tuple[int, dict]:
    """POST over a bare socket, sending the body while watching for an early answer."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    head = f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n"
    head += "".join(f"{k}: {v}\r\n" for k, v in headers.items()) + "\r\n"
    writer.write(head.encode())

    async def send() -> None:
        with contextlib.suppress(ConnectionError):
            for chunk in chunks:
                writer.write(chunk)
                await writer.drain()

    sender = asyncio.create_task(send())
    try:
        status_line = await asyncio.wait_for(reader.readline(), 60)
        length = 0
        while (line := await asyncio.wait_for(reader.readline(), 10)) not in (b"\r\n", b""):
            name, _, value = line.decode().partition(":")
            if name.lower() == "content-length":
                length = int(value)
        body = await asyncio.wait_for(reader.readexactly(length), 10)
    finally:
        sender.cancel()
        await asyncio.gather(sender, return_exceptions=True)
        writer.close()
    return int(status_line.split()[1]), json.loads(body)


def chunked(total: int, piece: int = 256 * 1024) -> Iterator[bytes]:
    block = os.urandom(piece)
    sent = 0
    while sent < total:
        n = min(piece, total - sent)
        yield f"{n:x}\r\n".encode() + block[:n] + b"\r\n"
        sent += n
    yield b"0\r\n\r\n"


class PeakRss:
    """Samples a process's resident memory on a thread while the block runs."""

    def __init__(self, pid: int) -> None:
        self._proc = psutil.Process(pid)
        self.baseline = self._proc.memory_info().rss
        self.peak = self.baseline
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.wait(0.01):
            self.peak = max(self.peak, self._proc.memory_info().rss)

    def __enter__(self) -> PeakRss:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()


@pytest.fixture
def limited(mode: str, server_factory: Callable[..., ServerProcess]) -> ServerProcess:
    return server_factory(
        mode,
        env={
            "PARLEY_MAX_UPLOAD_BYTES": str(LIMIT),
            "PARLEY_UNATTACHED_TTL": "2",
            "PARLEY_S3_PRESIGN_TTL": "2",
            "PARLEY_UPLOAD_QUOTA_BYTES": str(2 * LIMIT + MiB),
        },
    )


def kept_files(srv: ServerProcess) -> list[Path]:
    """What the embedded store and the spool hold on disk."""
    return [p for d in ("blobs", "spool") for p in (srv.data_dir / d).rglob("*") if p.is_file()]


async def test_over_the_limit_is_413_before_anything_is_kept(limited: ServerProcess) -> None:
    api = Api(limited.url)
    try:
        a = await api.user()
        chat = await api.group(a)
        before = kept_files(limited)
        auth = {"Authorization": f"Bearer {a.access_token}"}
        path = f"/api/v1/files?chat_id={chat}&name=big.bin"
        status, body = await raw_post(
            limited.port, path, {**auth, "Content-Length": str(LIMIT + 1)}, iter([b"x" * 1024])
        )
        assert (status, body["code"]) == (413, "file_too_large")
        status, body = await raw_post(
            limited.port, path, {**auth, "Transfer-Encoding": "chunked"}, chunked(LIMIT + MiB)
        )
        assert (status, body["code"]) == (413, "file_too_large")
        assert kept_files(limited) == before
        exact = await uploaded(api, a, chat, os.urandom(LIMIT), "exact.bin")
        assert exact["size"] == LIMIT
    finally:
        await api.close()


async def test_the_quota_counts_what_a_user_keeps(limited: ServerProcess) -> None:
    api = Api(limited.url)
    try:
        a = await api.user()
        chat = await api.group(a)
        for i in range(2):
            f = await uploaded(api, a, chat, os.urandom(LIMIT), f"{i}.bin")
            assert (await send_with(api, a, chat, [f["id"]], uuid.uuid4().hex)).status_code == 201
        over = await upload(api, a, chat, os.urandom(2 * MiB), "more.bin")
        assert over.status_code == 413 and over.json()["code"] == "quota_exceeded"
    finally:
        await api.close()


async def test_unattached_uploads_are_removed_and_presigned_urls_expire(
    limited: ServerProcess, mode: str
) -> None:
    api = Api(limited.url)
    try:
        a, b = await api.user(), await api.user()
        chat = await api.group(a, b)
        kept = await uploaded(api, a, chat, b"kept", "kept.txt")
        await send_with(api, a, chat, [kept["id"]], uuid.uuid4().hex)
        dropped = await uploaded(api, a, chat, b"never sent", "drop.txt")
        link = await api.http.get(f"/files/{kept['id']}", headers=b.auth)
        if mode == "production":
            assert link.status_code == 302
            url = link.headers["location"]
            # Signed for 2 s: it must stop working soon, whoever holds it.
            wait_until(lambda: httpx.get(url, timeout=5).status_code == 403, 30, "URL expiry")
        else:
            assert link.status_code == 200 and link.content == b"kept"

        async def status(file_id: str) -> int:
            return (await api.http.get(f"/files/{file_id}", headers=a.auth)).status_code

        for _ in range(300):  # polled: the sweep runs every second or so
            if await status(dropped["id"]) == 404:
                break
            await asyncio.sleep(0.1)
        assert await status(dropped["id"]) == 404
        assert await status(kept["id"]) in (200, 302)
    finally:
        await api.close()


async def test_an_oversized_upload_leaves_server_memory_flat(
    server_factory: Callable[..., ServerProcess],
) -> None:
    """102 MiB streamed at a 100 MiB limit: the server spools to disk and answers 413."""
    srv = server_factory("embedded")
    api = Api(srv.url)
    try:
        a = await api.user()
        chat = await api.group(a)
        assert srv.proc is not None
        headers = {"Authorization": f"Bearer {a.access_token}", "Transfer-Encoding": "chunked"}
        with PeakRss(srv.proc.pid) as rss:
            status, body = await raw_post(
                srv.port, f"/api/v1/files?chat_id={chat}", headers, chunked(102 * MiB)
            )
        assert (status, body["code"]) == (413, "file_too_large")
        grew = (rss.peak - rss.baseline) / MiB
        assert grew < 48, f"server RSS grew {grew:.0f} MiB during a 102 MiB upload"
    finally:
        await api.close()


async def test_decompression_bombs_are_refused_or_shrunk_in_bounded_memory(
    server_factory: Callable[..., ServerProcess],
) -> None:
    """Zero-filled PNGs compress to almost nothing: one over the pixel cap is refused from its
    header; one just under it is thumbnailed without decoding it whole into memory."""
    import pyvips

    srv = server_factory("embedded")
    api = Api(srv.url)
    try:
        a = await api.user()
        chat = await api.group(a)
        over = pyvips.Image.black(9000, 9000).write_to_buffer(".png", compression=9)
        refused = await upload(api, a, chat, over, "over.png")
        assert refused.status_code == 422 and refused.json()["code"] == "image_too_large"
        under = pyvips.Image.black(8000, 8000).write_to_buffer(".png", compression=9)
        assert len(under) < 2 * MiB  # 64 MP: 192 MiB of RGB when decoded whole
        assert srv.proc is not None
        with PeakRss(srv.proc.pid) as rss:
            f = await uploaded(api, a, chat, under, "under.png")
        assert f["has_thumbnail"] and (f["width"], f["height"]) == (8000, 8000)
        grew = (rss.peak - rss.baseline) / MiB
        assert grew < 128, f"server RSS grew {grew:.0f} MiB thumbnailing a 64 MP image"
    finally:
        await api.close()


async def test_open_resumable_uploads_count_against_the_quota_and_expire(
    limited: ServerProcess,
) -> None:
    api = Api(limited.url)
    try:
        a = await api.user()
        chat = await api.group(a)

        async def begin(size: int) -> httpx.Response:
            params = {"chat_id": chat, "size": size, "name": "r.bin"}
            return await api.http.post("/files/uploads", params=params, headers=a.auth)

        first, second = await begin(LIMIT), await begin(LIMIT)
        assert first.status_code == second.status_code == 201
        over = await begin(2 * MiB)  # announced bytes of open sessions count as kept
        assert (over.status_code, over.json()["code"]) == (413, "quota_exceeded")
        upload_id = first.json()["upload"]["id"]
        cancelled = await api.http.delete(f"/files/uploads/{upload_id}", headers=a.auth)
        assert cancelled.status_code == 204
        assert (await begin(2 * MiB)).status_code == 201

        async def open_status() -> int:
            sid = second.json()["upload"]["id"]
            return (await api.http.get(f"/files/uploads/{sid}", headers=a.auth)).status_code

        for _ in range(300):  # polled: never completed, the session goes after the TTL (2 s)
            if await open_status() == 404:
                break
            await asyncio.sleep(0.1)
        assert await open_status() == 404
    finally:
        await api.close()


async def test_an_upload_slower_than_the_request_deadline_still_arrives(
    server_factory: Callable[..., ServerProcess],
) -> None:
    """The deadline stops trickling headers, not a file on a slow link (here 1 s against a body
    that takes about 3)."""
    srv = server_factory("embedded", env={"PARLEY_REQUEST_DEADLINE": "1"})
    api = Api(srv.url)
    try:
        a = await api.user()
        chat = await api.group(a)
        piece = os.urandom(64 * 1024)

        async def slow_link() -> AsyncIterator[bytes]:
            for _ in range(12):
                yield piece
                await asyncio.sleep(0.25)  # the pace of a slow uplink, not a wait for a result

        headers = {**a.auth, "Content-Length": str(12 * len(piece))}
        r = await api.http.post(
            "/files", params={"chat_id": chat, "name": "slow.bin"}, content=slow_link(),
            headers=headers,
        )  # fmt: skip
        assert r.status_code == 201, r.text
        assert r.json()["file"]["sha256"] == hashlib.sha256(piece * 12).hexdigest()
        up = (
            await api.http.post(
                "/files/uploads",
                params={"chat_id": chat, "size": 12 * len(piece), "name": "slow.bin"},
                headers=a.auth,
            )
        ).json()["upload"]
        chunk = await api.http.put(
            f"/files/uploads/{up['id']}", params={"offset": 0}, content=slow_link(),
            headers=headers,
        )  # fmt: skip
        assert chunk.status_code == 200, chunk.text
    finally:
        await api.close()
