"""Resumable uploads through the real server, on the local store and on real S3 with MySQL: a
file sent in chunks, resumed from where the server says it stands, comes out as the same file
with the same rules as a one-piece upload."""

from __future__ import annotations

import asyncio
import hashlib
import os
import uuid

import pyvips

from backend.domain.ports import MIN_PART_BYTES
from tests.support.client import Api
from tests.support.engines import bucket_contents
from tests.support.files import begin_upload, fetch, put_part, send_with
from tests.support.server import ServerProcess

MiB = 1024 * 1024
PART = MIN_PART_BYTES


async def leftovers(server: ServerProcess) -> tuple[list[str], list[str]]:
    """What the blob store holds: objects (files on the local store) and unfinished multipart
    uploads (S3 only; the local store's growing files are among its files)."""
    if "PARLEY_S3_BUCKET" in server.env:
        return await bucket_contents(server.env)
    blobs = server.data_dir / "blobs"
    return sorted(p.name for p in blobs.rglob("*") if p.is_file()), []


async def test_a_file_in_chunks_resumes_where_the_server_stands(
    api: Api, server: ServerProcess
) -> None:
    a, b = await api.user(), await api.user()
    chat = await api.group(a, b)
    before, _ = await leftovers(server)
    data = os.urandom(2 * PART + MiB + 17)  # three parts, the last one short
    r = await begin_upload(api, a, chat, len(data), "big.bin")
    assert r.status_code == 201, r.text
    up = r.json()["upload"]
    assert (up["offset"], up["size"]) == (0, len(data))
    first = await put_part(api, a, up["id"], 0, data[:PART])
    assert first.status_code == 200, first.text
    assert first.json()["upload"]["offset"] == PART
    # The connection dropped during the second chunk: the client asks, and goes on from there.
    stands = await api.http.get(f"/files/uploads/{up['id']}", headers=a.auth)
    assert stands.json()["upload"]["offset"] == PART
    stale = await put_part(api, a, up["id"], 0, data[:PART])  # a repeat of the first chunk
    assert (stale.status_code, stale.json()["code"], stale.json()["offset"]) == (
        409,
        "upload_offset_mismatch",
        PART,
    )
    early = await api.http.post(f"/files/uploads/{up['id']}/complete", headers=a.auth)
    assert (early.status_code, early.json()["code"]) == (409, "upload_incomplete")
    for start in range(PART, len(data), PART):
        r = await put_part(api, a, up["id"], start, data[start : start + PART])
        assert r.status_code == 200, r.text
    done = await api.http.post(f"/files/uploads/{up['id']}/complete", headers=a.auth)
    assert done.status_code == 201, done.text
    f = done.json()["file"]
    assert (f["size"], f["sha256"]) == (len(data), hashlib.sha256(data).hexdigest())
    assert (await send_with(api, a, chat, [f["id"]], uuid.uuid4().hex)).status_code == 201
    got = await fetch(api, b, f"/files/{f['id']}")
    assert hashlib.sha256(got.final.content).digest() == hashlib.sha256(data).digest()
    gone = await api.http.get(f"/files/uploads/{up['id']}", headers=a.auth)
    assert gone.status_code == 404  # the session is gone once complete
    objects, unfinished = await leftovers(server)
    assert (len(set(objects) - set(before)), unfinished) == (1, [])  # the file, no part


async def test_a_cancelled_upload_leaves_nothing_behind(api: Api, server: ServerProcess) -> None:
    a = await api.user()
    chat = await api.group(a)
    before, _ = await leftovers(server)
    data = os.urandom(PART + 10)
    up = (await begin_upload(api, a, chat, len(data), "gone.bin")).json()["upload"]
    assert (await put_part(api, a, up["id"], 0, data[:PART])).status_code == 200
    assert (await api.http.delete(f"/files/uploads/{up['id']}", headers=a.auth)).status_code == 204
    late = await put_part(api, a, up["id"], PART, data[PART:])
    assert late.status_code == 404
    objects, unfinished = await leftovers(server)
    assert (sorted(set(objects) - set(before)), unfinished) == ([], [])


async def test_an_interrupted_chunk_is_sent_again_from_where_the_server_stands(
    api: Api, server: ServerProcess
) -> None:
    a = await api.user()
    chat = await api.group(a)
    data = os.urandom(PART + 1000)
    up = (await begin_upload(api, a, chat, len(data), "cut.bin")).json()["upload"]
    host, port = server.url.split("://", 1)[1].split(":")
    _reader, writer = await asyncio.open_connection(host, int(port))
    head = (
        f"PUT /api/v1/files/uploads/{up['id']}?offset=0 HTTP/1.1\r\nHost: {host}\r\n"
        f"Authorization: {a.auth['Authorization']}\r\nContent-Length: {PART}\r\n"
        "Content-Type: application/octet-stream\r\n\r\n"
    )
    writer.write(head.encode() + data[: 2 * MiB])  # the connection drops mid-chunk
    await writer.drain()
    writer.close()
    await writer.wait_closed()
    stands = (await api.http.get(f"/files/uploads/{up['id']}", headers=a.auth)).json()["upload"]
    assert stands["offset"] == 0  # nothing of a cut chunk is kept
    for start in range(0, len(data), PART):
        r = await put_part(api, a, up["id"], start, data[start : start + PART])
        assert r.status_code == 200, r.text
    done = await api.http.post(f"/files/uploads/{up['id']}/complete", headers=a.auth)
    assert done.json()["file"]["sha256"] == hashlib.sha256(data).hexdigest()


async def test_every_chunk_but_the_last_is_a_whole_part(api: Api) -> None:
    a = await api.user()
    chat = await api.group(a)
    up = (await begin_upload(api, a, chat, PART + 1, "x.bin")).json()["upload"]
    small = await put_part(api, a, up["id"], 0, os.urandom(MiB))
    assert (small.status_code, small.json()["code"]) == (422, "chunk_too_small")
    stands = (await api.http.get(f"/files/uploads/{up['id']}", headers=a.auth)).json()["upload"]
    assert stands["offset"] == 0


def noise_png(width: int, height: int) -> bytes:
    """An image that does not compress: its PNG is about width × height × 3 bytes."""
    bands = [pyvips.Image.gaussnoise(width, height, mean=128, sigma=60) for _ in range(3)]
    image = bands[0].bandjoin(bands[1:]).cast("uchar")
    return bytes(image.write_to_buffer(".png", compression=0))


async def test_chunked_images_are_sniffed_and_thumbnailed_like_any_upload(api: Api) -> None:
    a, b = await api.user(), await api.user()
    chat = await api.group(a, b)
    data = noise_png(1400, 1300)
    assert len(data) > PART
    up = (await begin_upload(api, a, chat, len(data), "noise.txt")).json()["upload"]
    await put_part(api, a, up["id"], 0, data[:PART])
    await put_part(api, a, up["id"], PART, data[PART:])
    f = (await api.http.post(f"/files/uploads/{up['id']}/complete", headers=a.auth)).json()["file"]
    assert (f["content_type"], f["width"], f["height"], f["has_thumbnail"]) == (
        "image/png",
        1400,
        1300,
        True,
    )
    assert f["placeholder"].startswith("data:image/webp;base64,")
    assert f["sha256"] == hashlib.sha256(data).hexdigest()


async def test_markup_split_across_two_chunks_is_still_found(api: Api) -> None:
    a, b = await api.user(), await api.user()
    chat = await api.group(a, b)
    png = noise_png(2000, 1800)  # two whole parts
    data = png + b"<html>"  # a polyglot: an image that is also a page
    cut = len(png) + 3  # the tag is cut in two between the last two chunks
    up = (await begin_upload(api, a, chat, len(data), "poly.png")).json()["upload"]
    await put_part(api, a, up["id"], 0, data[:PART])
    await put_part(api, a, up["id"], PART, data[PART:cut])
    await put_part(api, a, up["id"], cut, data[cut:])
    f = (await api.http.post(f"/files/uploads/{up['id']}/complete", headers=a.auth)).json()["file"]
    assert f["has_thumbnail"]  # it decodes as an image: only the markup keeps it from inline
    await send_with(api, a, chat, [f["id"]], uuid.uuid4().hex)
    got = await fetch(api, b, f"/files/{f['id']}")
    assert got.headers["content-disposition"].startswith("attachment")


async def test_sizes_are_limited_before_and_while_the_bytes_come(api: Api) -> None:
    a = await api.user()
    chat = await api.group(a)
    huge = await begin_upload(api, a, chat, 10**15, "huge.bin")
    assert (huge.status_code, huge.json()["code"]) == (413, "file_too_large")
    up = (await begin_upload(api, a, chat, 1000, "small.bin")).json()["upload"]
    over = await put_part(api, a, up["id"], 0, os.urandom(1001))  # more than was announced
    assert (over.status_code, over.json()["code"]) == (413, "chunk_too_large")
    whole = await put_part(api, a, up["id"], 0, os.urandom(1000))  # nothing of `over` was kept
    assert whole.status_code == 200
    bad = await api.http.put(
        f"/files/uploads/{up['id']}", params={"offset": "-1"}, content=b"x", headers=a.auth
    )
    assert (bad.status_code, bad.json()["code"]) == (422, "bad_query")


async def test_a_session_is_the_uploaders_alone(api: Api) -> None:
    a, b, outsider = await api.user(), await api.user(), await api.user()
    chat = await api.group(a, b)
    refused = await begin_upload(api, outsider, chat, 10, "x.bin")
    assert refused.status_code == 404  # not a member of the chat
    up = (await begin_upload(api, a, chat, 4, "x.bin")).json()["upload"]
    await put_part(api, a, up["id"], 0, b"abcd")
    for user in (b, outsider):
        assert (
            await api.http.get(f"/files/uploads/{up['id']}", headers=user.auth)
        ).status_code == 404
        assert (await put_part(api, user, up["id"], 4, b"e")).status_code == 404
        done = await api.http.post(f"/files/uploads/{up['id']}/complete", headers=user.auth)
        assert done.status_code == 404
    for user in (b, outsider):
        assert (
            await api.http.delete(f"/files/uploads/{up['id']}", headers=user.auth)
        ).status_code == 404
    cancelled = await api.http.delete(f"/files/uploads/{up['id']}", headers=a.auth)
    assert cancelled.status_code == 204
    assert (await api.http.get(f"/files/uploads/{up['id']}", headers=a.auth)).status_code == 404
    for odd in ("f" * 33, "%0A%00"):
        assert (await api.http.get(f"/files/uploads/{odd}", headers=a.auth)).status_code == 404


async def test_an_empty_file_completes_without_a_chunk(api: Api) -> None:
    a = await api.user()
    chat = await api.group(a)
    up = (await begin_upload(api, a, chat, 0, "empty.txt")).json()["upload"]
    done = await api.http.post(f"/files/uploads/{up['id']}/complete", headers=a.auth)
    assert done.status_code == 201, done.text
    f = done.json()["file"]
    assert (f["size"], f["sha256"]) == (0, hashlib.sha256(b"").hexdigest())
    assert (await fetch(api, a, f"/files/{f['id']}")).final.content == b""
