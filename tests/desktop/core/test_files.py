"""The desktop's file transfers against a real server, on the local store and on real S3 (where
downloads follow a presigned redirect): same bytes both ways, progress, and cancellation."""

from __future__ import annotations

import asyncio
import hashlib
import os
import uuid
from collections.abc import Callable
from pathlib import Path

import pytest

from desktop.core.files import RESUMABLE_FROM, FileTransfers
from desktop.core.rest import RestClient
from desktop.core.resumable import CHUNK_BYTES
from tests.desktop.conftest import unique
from tests.support.cutproxy import CuttingProxy
from tests.support.engines import drop_production_bucket, s3_env
from tests.support.server import ServerProcess, eventually, wait_until

PASSWORD = "correct horse 1"
STORES = ["local", pytest.param("s3", marks=pytest.mark.engines)]


@pytest.fixture(scope="module", params=STORES)
def files_server(
    request: pytest.FixtureRequest, server_factory: Callable[..., ServerProcess]
) -> ServerProcess:
    env = s3_env(unique("dfiles")) if request.param == "s3" else {}
    if env:  # S3 is a production engine: the server then refuses to start without a shared key
        env |= {"PARLEY_JWT_SECRET": "test-secret-" + "s" * 32, "PARLEY_JWT_KID": "t1"}
    if env:
        request.addfinalizer(lambda: drop_production_bucket(env))
    return server_factory("embedded", env=env)


def blob_files(server: ServerProcess) -> list[Path]:
    """The local store's objects (empty on S3, where nothing may land either: no row names it)."""
    blobs = server.data_dir / "blobs"
    return sorted(p for p in blobs.rglob("*") if p.is_file()) if blobs.exists() else []


async def signed_in(server: ServerProcess) -> RestClient:
    name = unique("files")
    rest = RestClient(server.url)
    await rest.register(name, f"{name}@example.org", PASSWORD, "")
    await rest.login(name, PASSWORD)
    return rest


async def test_two_files_go_up_with_progress_and_come_down_identical(
    files_server: ServerProcess, tmp_path: Path
) -> None:
    alice, bob = await signed_in(files_server), await signed_in(files_server)
    try:
        chat = await alice.create_chat("files", [(await bob.me()).id])
        paths = [tmp_path / "one.bin", tmp_path / "two.bin"]
        for i, p in enumerate(paths):
            p.write_bytes(os.urandom(1_500_000 + i))
        seen: list[tuple[int, int]] = []
        up = FileTransfers(alice)
        files = [await up.upload(chat.id, p, lambda d, t: seen.append((d, t))) for p in paths]
        assert seen[-1] == (1_500_001, 1_500_001) and len(seen) > 4
        sent = await alice.send(chat.id, uuid.uuid4().hex, "two files", [f.id for f in files])
        assert sent.seq >= 1
        down = FileTransfers(bob)
        for f, p in zip(files, paths, strict=True):
            dest = tmp_path / f"got-{f.name}"
            got = await down.download(f.id, dest)
            assert got == f.sha256 == hashlib.sha256(p.read_bytes()).hexdigest()
            assert dest.read_bytes() == p.read_bytes()
    finally:
        await alice.aclose()
        await bob.aclose()


async def test_a_large_upload_resumes_after_the_connection_drops(
    files_server: ServerProcess, tmp_path: Path
) -> None:
    proxy = CuttingProxy(files_server.port)
    await proxy.start()
    name = unique("resume")
    alice = RestClient(proxy.url)
    try:
        await alice.register(name, f"{name}@example.org", PASSWORD, "")
        await alice.login(name, PASSWORD)
        chat = await alice.create_chat("resume", [])
        big = tmp_path / "big.bin"
        big.write_bytes(os.urandom(RESUMABLE_FROM + 9 * 1024 * 1024 + 5))
        size = big.stat().st_size
        seen: list[int] = []
        up = FileTransfers(alice)
        proxy.cut_after(CHUNK_BYTES + CHUNK_BYTES // 2)  # in the middle of the second chunk
        before = proxy.sent
        f = await up.upload(chat.id, big, lambda d, _t: seen.append(d))
        assert proxy.cuts == 1 and up.resumable is not None and up.resumable.drops == 1
        assert f.size == size and f.sha256 == hashlib.sha256(big.read_bytes()).hexdigest()
        assert seen[-1] == size
        # It went on from the last chunk the server had, instead of starting again.
        assert proxy.sent - before < size + 2 * CHUNK_BYTES
        got = tmp_path / "got.bin"
        assert await FileTransfers(alice).download(f.id, got) == f.sha256
    finally:
        await alice.aclose()
        await proxy.close()


async def test_a_cancelled_upload_leaves_nothing_on_the_server(
    files_server: ServerProcess, tmp_path: Path
) -> None:
    rest = await signed_in(files_server)
    try:
        chat = await rest.create_chat("cancel", [])
        big = tmp_path / "big.bin"
        big.write_bytes(os.urandom(48 * 1024 * 1024))
        before = blob_files(files_server)
        started = asyncio.Event()

        def progress(done: int, _total: int) -> None:
            if done >= 4 * 1024 * 1024:
                started.set()

        task = asyncio.create_task(FileTransfers(rest).upload(chat.id, big, progress))
        await asyncio.wait_for(started.wait(), 60)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

        def spool_empty() -> bool:
            spool = files_server.data_dir / "spool"
            return not spool.exists() or not any(spool.iterdir())

        wait_until(spool_empty, 30, "the server to drop the cancelled upload's spool")
        # A chunk in flight when the client went away is stored, then removed when it finds its
        # upload gone: poll until the server has finished cleaning up.
        wait_until(
            lambda: blob_files(files_server) == before, 30, "the cancelled upload's chunks to go"
        )
    finally:
        await rest.aclose()


async def test_a_large_upload_waits_for_the_server_through_an_outage(
    server_factory: Callable[..., ServerProcess], tmp_path: Path
) -> None:
    srv = server_factory("embedded")  # its own: this test stops and starts it
    rest = await signed_in(srv)
    try:
        chat = await rest.create_chat("outage", [])
        big = tmp_path / "big.bin"
        big.write_bytes(os.urandom(4 * CHUNK_BYTES + 11))
        seen: list[int] = []
        up = FileTransfers(rest)
        task = asyncio.create_task(up.upload(chat.id, big, lambda d, _t: seen.append(d)))
        # The second chunk is being read: the server acknowledged the first.
        await eventually(lambda: bool(seen) and seen[-1] > CHUNK_BYTES, 60, "the first chunk")
        srv.stop()
        await eventually(
            lambda: up.resumable is not None and up.resumable.drops >= 2, 30, "the outage"
        )
        assert not task.done()  # still waiting for the server, not failed
        srv.start()
        f = await asyncio.wait_for(task, 120)
        assert f.sha256 == hashlib.sha256(big.read_bytes()).hexdigest()
    finally:
        await rest.aclose()
