"""Attachments through the real server, on the embedded default (local directory) and on the
production engines (a real S3 server behind presigned redirects): who may see a file, what is
served inline, and what hostile names and contents become."""

from __future__ import annotations

import base64
import hashlib
import os
import re
import uuid
from urllib.parse import unquote, urlsplit

import pytest
import pyvips

from tests.support.client import Api, Socket, User
from tests.support.files import fetch, png_header_only, send_with, upload, uploaded
from tests.support.server import ServerProcess

INLINE_OK = {"image/png", "image/jpeg", "image/gif", "image/webp"}
DISPOSITION = re.compile(
    r"^(attachment|inline); filename=\"[\x20-\x7e]*\"; filename\*=UTF-8''[A-Za-z0-9%._~-]*$"
)


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def png(width: int = 1200, height: int = 900) -> bytes:
    colour = pyvips.Image.black(width, height).new_from_image([40, 120, 200])
    data: bytes = colour.write_to_buffer(".png")
    return data


async def three(api: Api) -> tuple[User, User, User, str]:
    """An uploader, a fellow member, an outsider, and the chat of the first two."""
    a, b, outsider = await api.user(), await api.user(), await api.user()
    return a, b, outsider, await api.group(a, b)


def assert_safe(headers: object, inline: bool) -> None:
    h = headers  # httpx.Headers of whoever served the bytes
    disp = h["content-disposition"]  # type: ignore[index]
    assert DISPOSITION.match(disp), disp
    assert disp.startswith("inline" if inline else "attachment"), disp
    if not inline:
        assert h["content-type"] == "application/octet-stream"  # type: ignore[index]


async def test_a_member_downloads_exactly_the_uploaded_bytes(api: Api) -> None:
    a, b, _, chat = await three(api)
    data = os.urandom(700_000)
    f = await uploaded(api, a, chat, data, "report.pdf")
    assert f["size"] == len(data) and f["sha256"] == sha(data)
    sent = await send_with(api, a, chat, [f["id"]], uuid.uuid4().hex, "the report")
    assert sent.status_code == 201, sent.text
    assert [x["id"] for x in sent.json()["message"]["attachments"]] == [f["id"]]
    history = (await api.history(b, chat)).json()["messages"]
    assert history[-1]["attachments"][0]["sha256"] == sha(data)
    got = await fetch(api, b, f"/files/{f['id']}")
    assert got.final.status_code == 200
    assert sha(got.final.content) == sha(data)
    assert got.api.headers["x-content-type-options"] == "nosniff"
    assert got.api.headers["content-security-policy"] == "sandbox; default-src 'none'"
    assert_safe(got.headers, inline=False)


async def test_images_get_size_and_a_webp_thumbnail_served_inline(api: Api) -> None:
    a, b, _, chat = await three(api)
    data = png(1600, 1200)
    f = await uploaded(api, a, chat, data, "photo.png")
    assert (f["content_type"], f["width"], f["height"], f["has_thumbnail"]) == (
        "image/png",
        1600,
        1200,
        True,
    )
    await send_with(api, a, chat, [f["id"]], uuid.uuid4().hex)
    full = await fetch(api, b, f"/files/{f['id']}")
    assert full.final.content == data and full.headers["content-type"] == "image/png"
    assert_safe(full.headers, inline=True)
    thumb = await fetch(api, b, f"/files/{f['id']}/thumbnail")
    assert thumb.final.status_code == 200 and thumb.headers["content-type"] == "image/webp"
    image = pyvips.Image.new_from_buffer(thumb.final.content, "")
    assert max(image.width, image.height) == 800


async def test_images_carry_a_tiny_placeholder_in_the_record_and_the_message(api: Api) -> None:
    a, b, _, chat = await three(api)
    f = await uploaded(api, a, chat, png(1600, 800), "wide.png")
    prefix = "data:image/webp;base64,"
    assert f["placeholder"].startswith(prefix) and len(f["placeholder"]) <= 1024
    tiny = pyvips.Image.new_from_buffer(base64.b64decode(f["placeholder"][len(prefix) :]), "")
    assert (tiny.width, tiny.height) == (24, 12)  # the image's 2:1 shape, at most 24 px
    assert tiny.getpoint(12, 6)[:3] == pytest.approx([40, 120, 200], abs=12)
    sent = await send_with(api, a, chat, [f["id"]], uuid.uuid4().hex)
    seq = sent.json()["message"]["seq"]
    page = await api.http.get(f"/chats/{chat}/messages", headers=b.auth)
    [seen] = [m for m in page.json()["messages"] if m["seq"] == seq]
    assert seen["attachments"][0]["placeholder"] == f["placeholder"]
    plain = await uploaded(api, a, chat, b"just text\n", "notes.txt")
    assert plain["placeholder"] is None


async def test_outsiders_and_removed_members_get_404_for_file_and_thumbnail(api: Api) -> None:
    a, b, outsider, chat = await three(api)
    f = await uploaded(api, a, chat, png(), "p.png")
    await send_with(api, a, chat, [f["id"]], uuid.uuid4().hex)
    for path in (f"/files/{f['id']}", f"/files/{f['id']}/thumbnail"):
        r = await api.http.get(path, headers=outsider.auth)
        assert r.status_code == 404 and "location" not in r.headers
        assert r.json()["code"] == "file_not_found"
    removed = await api.http.delete(f"/chats/{chat}/members/{b.id}", headers=a.auth)
    assert removed.status_code in (200, 204), removed.text
    for path in (f"/files/{f['id']}", f"/files/{f['id']}/thumbnail"):
        r = await api.http.get(path, headers=b.auth)
        assert r.status_code == 404 and "location" not in r.headers
    nobody = await api.http.get(f"/files/{f['id']}")
    assert nobody.status_code == 401


async def test_odd_file_ids_are_simply_not_found(api: Api) -> None:
    a, _, _, _ = await three(api)
    for raw in ("%0A%F3%81%B0%A2%C2%87%C3%8D0%11%C3%92", "f" * 33, "x" * 64, "%00"):
        for path in (f"/files/{raw}", f"/files/{raw}/thumbnail"):
            r = await api.http.get(path, headers=a.auth)
            assert (r.status_code, r.json()["code"]) == (404, "file_not_found"), (path, r.text)


async def test_unattached_files_are_the_uploaders_alone(api: Api) -> None:
    a, b, _, chat = await three(api)
    other_chat = await api.group(a, b, title="other")
    f = await uploaded(api, a, chat, b"draft bytes", "d.txt")
    assert (await fetch(api, a, f"/files/{f['id']}")).final.status_code == 200
    assert (await api.http.get(f"/files/{f['id']}", headers=b.auth)).status_code == 404
    stolen = await send_with(api, b, chat, [f["id"]], uuid.uuid4().hex, "mine now")
    assert stolen.status_code == 422 and stolen.json()["code"] == "attachment_unavailable"
    elsewhere = await send_with(api, a, other_chat, [f["id"]], uuid.uuid4().hex, "x")
    assert elsewhere.status_code == 422
    cid = uuid.uuid4().hex
    first = await send_with(api, a, chat, [f["id"]], cid, "here")
    assert first.status_code == 201
    retry = await send_with(api, a, chat, [f["id"]], cid, "here")
    assert (
        retry.status_code == 200 and retry.json()["message"]["id"] == first.json()["message"]["id"]
    )
    twice = await send_with(api, a, chat, [f["id"]], uuid.uuid4().hex, "again")
    assert twice.status_code == 422


async def test_deleting_the_message_makes_its_files_404_for_everyone(api: Api) -> None:
    a, b, _, chat = await three(api)
    f = await uploaded(api, a, chat, png(), "p.png")
    seq = (await send_with(api, a, chat, [f["id"]], uuid.uuid4().hex)).json()["message"]["seq"]
    assert (await fetch(api, b, f"/files/{f['id']}")).final.status_code == 200
    deleted = await api.http.delete(f"/chats/{chat}/messages/{seq}", headers=a.auth)
    assert deleted.status_code == 200 and deleted.json()["message"]["attachments"] == []
    for user in (a, b):
        for path in (f"/files/{f['id']}", f"/files/{f['id']}/thumbnail"):
            assert (await api.http.get(path, headers=user.auth)).status_code == 404


async def test_files_attach_over_the_socket_too(api: Api, server: ServerProcess) -> None:
    a, b, _, chat = await three(api)
    f = await uploaded(api, a, chat, b"socket file", "s.txt")
    sock = await Socket.connect(server.ws_url, a.access_token)
    try:
        cid = uuid.uuid4().hex
        await sock.send(
            {
                "type": "message.send",
                "chat_id": chat,
                "client_msg_id": cid,
                "text": "via socket",
                "attachment_ids": [f["id"]],
            }
        )
        await sock.next("message.ack", client_msg_id=cid)
    finally:
        await sock.close()
    last = (await api.history(b, chat)).json()["messages"][-1]
    assert [x["id"] for x in last["attachments"]] == [f["id"]]
    assert (await fetch(api, b, f"/files/{f['id']}")).final.content == b"socket file"


async def test_hostile_contents_are_never_served_inline(api: Api) -> None:
    a, b, _, chat = await three(api)
    gif_html = (
        b"GIF89a\x01\x00\x01\x00\x80\x00\x00\xff\xff\xff\x00\x00\x00!\xf9\x04\x01\x00\x00\x00\x00"
        b",\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;"
        b"<html><script>alert(document.cookie)</script></html>"
    )
    cases = {
        "evil.png": b"<!doctype html><html><script>alert(1)</script></html>",
        "pic.svg": b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><rect/></svg>',
        "poly.gif": gif_html,
    }
    for name, data in cases.items():
        f = await uploaded(api, a, chat, data, name)
        if name == "poly.gif":
            assert f["content_type"] == "image/gif"  # a real GIF: only the markup gives it away
        else:
            assert f["content_type"] not in INLINE_OK  # sniffed, not taken from the name
        await send_with(api, a, chat, [f["id"]], uuid.uuid4().hex)
        got = await fetch(api, b, f"/files/{f['id']}")
        assert got.final.status_code == 200 and got.final.content == data
        assert_safe(got.headers, inline=False)
        assert got.api.headers["content-security-policy"] == "sandbox; default-src 'none'"


async def test_hostile_names_keep_the_key_random_and_the_header_well_formed(api: Api) -> None:
    a, b, _, chat = await three(api)
    names = [
        "../../etc/passwd",
        "a\x00b.txt",
        "x\r\nSet-Cookie: s=1\r\n.txt",
        "ü" * 600,
        "x" * 3000,
    ]
    for name in names:
        f = await uploaded(api, a, chat, b"named", name)
        assert "/" not in f["name"] and "\x00" not in f["name"] and "\r" not in f["name"]
        assert 0 < len(f["name"]) <= 255
        await send_with(api, a, chat, [f["id"]], uuid.uuid4().hex)
        got = await fetch(api, b, f"/files/{f['id']}")
        assert "set-cookie" not in got.api.headers
        disp = got.headers["content-disposition"]
        assert DISPOSITION.match(disp), disp
        assert unquote(disp.split("UTF-8''", 1)[1]) == f["name"]
        if got.api.status_code == 302:
            key = urlsplit(got.api.headers["location"]).path.rsplit("/", 1)[1]
            assert re.fullmatch(r"[0-9a-f]{32}", key), key
    long = await upload(api, a, chat, b"x", "n" * 10_000)
    assert 400 <= long.status_code < 500  # refused cleanly (a 10 kB URL), never a server error


async def test_bombs_are_refused_or_never_decoded(api: Api) -> None:
    a, _, _, chat = await three(api)
    huge = await upload(api, a, chat, png_header_only(20000, 20000), "bomb.png")
    assert huge.status_code == 422 and huge.json()["code"] == "image_too_large"
    tiff = (pyvips.Image.black(1, 1)).write_to_buffer(".tif")
    f = await uploaded(api, a, chat, tiff, "tiny.tif")
    assert f["has_thumbnail"] is False  # not an allow-listed raster: never decoded
    zeros = await uploaded(api, a, chat, b"PK\x03\x04" + b"\x00" * 5000, "z.zip")
    assert zeros["has_thumbnail"] is False


async def test_local_downloads_honour_ranges(api: Api) -> None:
    a, _, _, chat = await three(api)
    data = os.urandom(100_000)
    f = await uploaded(api, a, chat, data, "r.bin")
    part = await fetch(api, a, f"/files/{f['id']}", Range="bytes=1000-1999")
    assert part.final.status_code == 206 and part.final.content == data[1000:2000]
    tail = await fetch(api, a, f"/files/{f['id']}", Range="bytes=-10")
    assert tail.final.content == data[-10:]
    beyond = await fetch(api, a, f"/files/{f['id']}", Range="bytes=200000-")
    assert beyond.final.status_code == 416
