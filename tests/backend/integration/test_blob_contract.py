"""The `BlobStore` contract, run against the local directory and a real S3 server (versitygw).

Sizes straddle the S3 adapter's part size on purpose: one part, an exact multiple of the part
size (where miniopy-async's unknown-length path crashes) and a multiple plus a remainder.
"""

from __future__ import annotations

import hashlib
import os
import secrets
import time
import zlib
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from backend.adapters.blobs.local import LocalBlobStore
from backend.adapters.blobs.s3 import PART_SIZE, S3BlobStore
from backend.domain.errors import InvalidInput, NotFound, Unavailable
from backend.domain.ports import MIN_PART_BYTES
from tests.support.engines import s3_store

KINDS = ["local", pytest.param("s3", marks=pytest.mark.engines)]
AnyStore = LocalBlobStore | S3BlobStore


@pytest.fixture(params=KINDS)
async def store(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[AnyStore]:
    if request.param == "s3":
        async with s3_store("blob") as (s3, _):
            yield s3
        return
    local = LocalBlobStore(tmp_path / "blobs")
    await local.start()
    yield local
    await local.close()


def spooled(tmp_path: Path, data: bytes) -> Path:
    path = tmp_path / f"spool-{secrets.token_hex(4)}"
    path.write_bytes(data)
    return path


async def read_all(store: AnyStore, key: str, start: int = 0, length: int | None = None) -> bytes:
    return b"".join([c async for c in store.read(key, start, length)])


@pytest.mark.parametrize("size", [0, 1000, 2 * PART_SIZE, 2 * PART_SIZE + 12345])
async def test_put_then_read_gives_the_same_bytes(
    store: AnyStore, tmp_path: Path, size: int
) -> None:
    data = os.urandom(size)
    key = secrets.token_hex(16)
    await store.put(key, spooled(tmp_path, data), size, "application/octet-stream")
    assert await store.size(key) == size
    got = await read_all(store, key)
    assert hashlib.sha256(got).hexdigest() == hashlib.sha256(data).hexdigest()


async def test_a_put_given_the_files_hash_stores_it(store: AnyStore, tmp_path: Path) -> None:
    data = os.urandom(300_000)
    key = secrets.token_hex(16)
    sha = hashlib.sha256(data).hexdigest()
    await store.put(key, spooled(tmp_path, data), len(data), "application/octet-stream", sha)
    assert await read_all(store, key) == data


@pytest.mark.engines
async def test_s3_refuses_bytes_that_do_not_match_the_hash_given(tmp_path: Path) -> None:
    """The hash passed in is signed: S3 checks the body against it, so a spool that changed
    after hashing is never stored."""
    async with s3_store("blob") as (s, _):
        key = secrets.token_hex(16)
        wrong = hashlib.sha256(b"other bytes").hexdigest()
        with pytest.raises(Unavailable):
            await s.put(key, spooled(tmp_path, b"x" * 1000), 1000, "text/plain", wrong)
        assert await s.size(key) is None


@pytest.mark.engines
async def test_s3_refuses_a_part_that_does_not_match_its_crc(tmp_path: Path) -> None:
    """A part goes unsigned to a loopback S3, with its CRC-32: S3 checks the bytes against it,
    so a part altered after the spool counted it is refused and never becomes the object's."""
    async with s3_store("blob") as (s, _):
        key = secrets.token_hex(16)
        handle = await s.begin_parts(key)
        chunk = os.urandom(MIN_PART_BYTES)
        source = spooled(tmp_path, chunk)
        with pytest.raises(Unavailable):
            await s.put_part(key, handle, 1, 0, source, len(chunk), zlib.crc32(chunk) ^ 1)
        tag = await s.put_part(key, handle, 2, 0, source, len(chunk), zlib.crc32(chunk))
        await s.finish_parts(key, handle, [(2, tag)], len(chunk))
        assert await read_all(s, key) == chunk


async def test_ranges_read_exactly_the_bytes_asked_for(store: AnyStore, tmp_path: Path) -> None:
    data = os.urandom(300_000)
    key = secrets.token_hex(16)
    await store.put(key, spooled(tmp_path, data), len(data), "image/png")
    assert await read_all(store, key, 0, 10) == data[:10]
    assert await read_all(store, key, 299_990, 10) == data[-10:]
    assert await read_all(store, key, 1000) == data[1000:]


async def test_a_missing_key_reads_as_absent(store: AnyStore) -> None:
    key = secrets.token_hex(16)
    assert await store.size(key) is None
    with pytest.raises(NotFound):
        await read_all(store, key)
    await store.delete(key)  # deleting what is not there is fine


async def test_delete_removes_the_object(store: AnyStore, tmp_path: Path) -> None:
    key = secrets.token_hex(16)
    await store.put(key, spooled(tmp_path, b"x" * 10), 10, "text/plain")
    await store.delete(key)
    assert await store.size(key) is None


@pytest.mark.parametrize("key", ["../../etc/passwd", "a/b", "", "ABCDEF0123456789", "x" * 65])
async def test_keys_that_are_not_random_ids_are_refused(store: AnyStore, key: str) -> None:
    with pytest.raises(InvalidInput):
        await store.size(key)


async def test_presigned_urls_force_headers_and_expire(store: AnyStore, tmp_path: Path) -> None:
    key = secrets.token_hex(16)
    html = b"<html><script>alert(1)</script></html>"
    await store.put(key, spooled(tmp_path, html), len(html), "text/html")
    disp = "attachment; filename=\"a.html\"; filename*=UTF-8''a.html"
    url = await store.presign(key, 1, "application/octet-stream", disp)
    if isinstance(store, LocalBlobStore):
        assert url is None  # the API streams local files itself
        return
    assert url is not None
    first = httpx.get(url, timeout=10)
    if first.status_code == 200:  # signed a moment ago: still valid unless a second passed
        assert first.content == html
        assert first.headers["content-type"] == "application/octet-stream"
        assert first.headers["content-disposition"] == disp
    deadline = time.monotonic() + 30
    while httpx.get(url, timeout=10).status_code == 200:
        assert time.monotonic() < deadline, "a presigned URL still worked 30 s after expiring"
        time.sleep(0.2)
    assert httpx.get(url, timeout=10).status_code == 403
    fresh = await store.presign(key, 300, "application/octet-stream", disp)
    assert fresh is not None
    again = httpx.get(fresh, timeout=10)
    assert again.status_code == 200 and again.content == html
    assert again.headers["content-disposition"] == disp


async def test_an_object_written_in_parts_reads_back_whole(store: AnyStore, tmp_path: Path) -> None:
    chunks = [os.urandom(MIN_PART_BYTES), os.urandom(MIN_PART_BYTES + 7), os.urandom(1000)]
    key = secrets.token_hex(16)
    handle = await store.begin_parts(key)
    parts, offset = [], 0
    for number, chunk in zip((3, 12, 27), chunks, strict=True):  # numbers may skip, ascending
        tag = await store.put_part(
            key, handle, number, offset, spooled(tmp_path, chunk), len(chunk)
        )
        parts.append((number, tag))
        offset += len(chunk)
    assert await store.size(key) is None  # nothing to read before it is finished
    await store.finish_parts(key, handle, parts, offset)
    await store.finish_parts(key, handle, parts, offset)  # a retried completion
    whole = b"".join(chunks)
    assert await store.size(key) == len(whole)
    assert hashlib.sha256(await read_all(store, key)).digest() == hashlib.sha256(whole).digest()


async def test_an_aborted_object_leaves_nothing_and_takes_no_more_parts(
    store: AnyStore, tmp_path: Path
) -> None:
    key = secrets.token_hex(16)
    handle = await store.begin_parts(key)
    chunk = os.urandom(MIN_PART_BYTES)
    tag = await store.put_part(key, handle, 1, 0, spooled(tmp_path, chunk), len(chunk))
    await store.abort_parts(key, handle)
    await store.abort_parts(key, handle)  # twice is not an error
    with pytest.raises(NotFound):
        await store.put_part(key, handle, 2, len(chunk), spooled(tmp_path, chunk), len(chunk))
    with pytest.raises(NotFound):
        await store.finish_parts(key, handle, [(1, tag)], len(chunk))
    assert await store.size(key) is None
    if isinstance(store, LocalBlobStore):
        assert [p for p in (tmp_path / "blobs").rglob("*") if p.is_file()] == []
