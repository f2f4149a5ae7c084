"""Resumable uploads through the real server, on the local store and on real S3 with MySQL: a
file sent in chunks, resumed from where the server says it stands, comes out as the same file
with the same rules as a one-piece upload."""

from __future__ import annotations

import hashlib
import os
import uuid
from typing import Any

import pyvips

from tests.support.client import Api, User
from tests.support.files import fetch, send_with
from tests.support.server import ServerProcess


async def begin(api: Api, user: User, chat_id: str, size: int, name: str) -> Any:
    return await api.http.post(
        "/files/uploads", params={"chat_id": chat_id, "size": size, "name": name}, headers=user.auth
    )


async def put(api: Api, user: User, upload_id: str, offset: int, data: bytes) -> Any:
    return await api.http.put(
        f"/files/uploads/{upload_id}", params={"offset": offset}, content=data, headers=user.auth
    )


async def test_a_file_in_chunks_resumes_where_the_server_stands(
    api: Api, server: ServerProcess
) -> None:
    a, b = await api.user(), await api.user()
    chat = await api.group(a, b)
    data = os.urandom(3 * 1024 * 1024 + 17)
    r = await begin(api, a, chat, len(data), "big.bin")
    assert r.status_code == 201, r.text
    up = r.json()["upload"]
    assert (up["offset"], up["size"]) == (0, len(data))
    one_mb = 1024 * 1024
    first = await put(api, a, up["id"], 0, data[:one_mb])
    assert first.status_code == 200, first.text
    assert first.json()["upload"]["offset"] == one_mb
    # The connection dropped during the second chunk: the client asks, and goes on from there.
    stands = await api.http.get(f"/files/uploads/{up['id']}", headers=a.auth)
    assert stands.json()["upload"]["offset"] == one_mb
    stale = await put(api, a, up["id"], 0, data[:one_mb])  # a repeat of the first chunk
    assert (stale.status_code, stale.json()["code"], stale.json()["offset"]) == (
        409,
        "upload_offset_mismatch",
        one_mb,
    )
    early = await api.http.post(f"/files/uploads/{up['id']}/complete", headers=a.auth)
    assert (early.status_code, early.json()["code"]) == (409, "upload_incomplete")
    for start in range(one_mb, len(data), one_mb):
        r = await put(api, a, up["id"], start, data[start : start + one_mb])
        assert r.status_code == 200, r.text
    done = await api.http.post(f"/files/uploads/{up['id']}/complete", headers=a.auth)
    assert done.status_code == 201, done.text
    f = done.json()["file"]
    assert (f["size"], f["sha256"]) == (len(data), hashlib.sha256(data).hexdigest())
    assert (await send_with(api, a, chat, [f["id"]], uuid.uuid4().hex)).status_code == 201
    got = await fetch(api, b, f"/files/{f['id']}")
    assert hashlib.sha256(got.final.content).digest() == hashlib.sha256(data).digest()
    gone = await api.http.get(f"/files/uploads/{up['id']}", headers=a.auth)
    assert gone.status_code == 404  # the session and its parts are gone once complete
    blobs = server.data_dir / "blobs"
    if blobs.exists():  # the local store (S3 is checked by the key alone: no row names a part)
        kept = [p for p in blobs.rglob("*") if p.is_file()]
        assert len(kept) == 1 and kept[0].stat().st_size == len(data)


async def test_chunked_images_are_sniffed_and_thumbnailed_like_any_upload(api: Api) -> None:
    a = await api.user()
    chat = await api.group(a)
    data = bytes(
        pyvips.Image.black(1000, 500).new_from_image([200, 40, 40]).write_to_buffer(".png")
    )
    up = (await begin(api, a, chat, len(data), "red.txt")).json()["upload"]
    half = len(data) // 2
    await put(api, a, up["id"], 0, data[:half])
    await put(api, a, up["id"], half, data[half:])
    f = (await api.http.post(f"/files/uploads/{up['id']}/complete", headers=a.auth)).json()["file"]
    assert (f["content_type"], f["width"], f["height"], f["has_thumbnail"]) == (
        "image/png",
        1000,
        500,
        True,
    )
    assert f["placeholder"].startswith("data:image/webp;base64,")


async def test_sizes_are_limited_before_and_while_the_bytes_come(api: Api) -> None:
    a = await api.user()
    chat = await api.group(a)
    huge = await begin(api, a, chat, 10**15, "huge.bin")
    assert (huge.status_code, huge.json()["code"]) == (413, "file_too_large")
    up = (await begin(api, a, chat, 1000, "small.bin")).json()["upload"]
    over = await put(api, a, up["id"], 0, os.urandom(1001))  # more than was announced
    assert (over.status_code, over.json()["code"]) == (413, "chunk_too_large")
    assert (await put(api, a, up["id"], 0, os.urandom(1000))).status_code == 200  # nothing kept
    bad = await api.http.put(
        f"/files/uploads/{up['id']}", params={"offset": "-1"}, content=b"x", headers=a.auth
    )
    assert (bad.status_code, bad.json()["code"]) == (422, "bad_query")


async def test_a_session_is_the_uploaders_alone(api: Api) -> None:
    a, b, outsider = await api.user(), await api.user(), await api.user()
    chat = await api.group(a, b)
    refused = await begin(api, outsider, chat, 10, "x.bin")
    assert refused.status_code == 404  # not a member of the chat
    up = (await begin(api, a, chat, 4, "x.bin")).json()["upload"]
    await put(api, a, up["id"], 0, b"abcd")
    for user in (b, outsider):
        assert (
            await api.http.get(f"/files/uploads/{up['id']}", headers=user.auth)
        ).status_code == 404
        assert (await put(api, user, up["id"], 4, b"e")).status_code == 404
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
