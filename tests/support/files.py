"""Uploading and fetching attachments as a client does, following a presigned redirect as a
browser would (without our bearer token: the URL carries its own signature)."""

from __future__ import annotations

import struct
import zlib
from dataclasses import dataclass
from typing import Any

import httpx

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
