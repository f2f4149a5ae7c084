"""Uploading and fetching attachments as a client does, following a presigned redirect as a
browser would (without our bearer token: the URL carries its own signature)."""

from __future__ import annotations

import struct
import zlib
from dataclasses import dataclass
from typing import Any

import httpx

from backend.domain.ports import MIN_PART_BYTES
from tests.support.client import Api, User


@dataclass
class Fetched:
    """The API's answer, and the bytes' answer (the same one unless the API redirected)."""

    api: httpx.Response
    final: httpx.Response

    @property
    def headers(self) -> httpx.Headers:
        return self.final.headers


async def upload(
    api: Api, user: User, chat_id: str, data: bytes, name: str = "f.bin"
) -> httpx.Response:
    return await api.http.post(
        "/files", params={"chat_id": chat_id, "name": name}, content=data, headers=user.auth
    )


async def uploaded(
    api: Api, user: User, chat_id: str, data: bytes, name: str = "f.bin"
) -> dict[str, Any]:
    r = await upload(api, user, chat_id, data, name)
    assert r.status_code == 201, r.text
    f: dict[str, Any] = r.json()["file"]
    return f


async def begin_upload(api: Api, user: User, chat_id: str, size: int, name: str) -> httpx.Response:
    return await api.http.post(
        "/files/uploads", params={"chat_id": chat_id, "size": size, "name": name}, headers=user.auth
    )


async def put_part(
    api: Api, user: User, upload_id: str, offset: int, data: bytes
) -> httpx.Response:
    return await api.http.put(
        f"/files/uploads/{upload_id}", params={"offset": offset}, content=data, headers=user.auth
    )


async def uploaded_in_chunks(
    api: Api, user: User, chat_id: str, data: bytes, name: str = "f.bin"
) -> dict[str, Any]:
    """A resumable upload of `data` in parts of S3's smallest size: 2 + parts requests."""
    r = await begin_upload(api, user, chat_id, len(data), name)
    assert r.status_code == 201, r.text
    upload_id = r.json()["upload"]["id"]
    for start in range(0, len(data), MIN_PART_BYTES):
        r = await put_part(api, user, upload_id, start, data[start : start + MIN_PART_BYTES])
        assert r.status_code == 200, r.text
    done = await api.http.post(f"/files/uploads/{upload_id}/complete", headers=user.auth)
    assert done.status_code == 201, done.text
    f: dict[str, Any] = done.json()["file"]
    return f


async def send_with(
    api: Api, user: User, chat_id: str, file_ids: list[str], cid: str, text: str = ""
) -> httpx.Response:
    return await api.http.post(
        f"/chats/{chat_id}/messages",
        headers=user.auth,
        json={"client_msg_id": cid, "text": text, "attachment_ids": file_ids},
    )


async def fetch(api: Api, user: User, path: str, **headers: str) -> Fetched:
    r = await api.http.get(path, headers={**user.auth, **headers})
    if r.status_code != 302:
        return Fetched(r, r)
    async with httpx.AsyncClient(timeout=30) as plain:
        return Fetched(r, await plain.get(r.headers["location"], headers=headers))


def png_header_only(width: int, height: int) -> bytes:
    """A 45-byte PNG: a valid header declaring the size, and no pixels at all."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return (
            struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
        )

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IEND", b"")
