"""Attachments: POST /files (a streamed body) and GET /files/{id}[/thumbnail].

Downloads from the local store stream through here with Range support. From S3 the answer is a
302 to a presigned GET that expires within minutes: the bytes then never pass through a replica
(a 100 MB download would otherwise hold a worker and its bandwidth for its whole length, and S3
serves ranges and resumes itself), while membership is still checked here on every request, and
the URL is signed with a forced type and disposition because S3 cannot add nosniff or a CSP.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
from collections.abc import AsyncIterator
from typing import Any

from sanic import Blueprint, HTTPResponse, Request
from sanic.response import redirect

from backend.api import wire
from backend.api.errors import problem
from backend.api.http import files_doc
from backend.api.http.common import check_path, container, ok, throttle_uploads, user_id
from backend.domain.errors import BadRequest, InvalidInput, PayloadTooLarge, RateLimited
from backend.services.files import Download, FileService

bp = Blueprint("files")

SAFE_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": "sandbox; default-src 'none'",
    "Cache-Control": "private, no-cache",
    "Cross-Origin-Resource-Policy": "same-origin",
}
DRAIN_BYTES = 4 * 1024 * 1024
DRAIN_TIMEOUT_S = 5.0
_RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")


def _files(request: Request) -> FileService:
    return container(request).files


def _declared_length(request: Request) -> int | None:
    raw = request.headers.get("content-length")
    if raw is None:
        return None
    if not raw.isdigit():
        raise BadRequest("Content-Length must be a whole number.", code="bad_length")
    return int(raw)


async def _body(request: Request) -> AsyncIterator[bytes]:
    stream: Any = request.stream  # Sanic's Http object; its type hint names a narrower base
    if stream is None:
        return
    while (chunk := await stream.read()) is not None:
        yield chunk


async def upload(request: Request) -> HTTPResponse:
    """Membership, size and quota are checked before a byte is read: a refusal keeps nothing."""
    uid = user_id(request)
    chat_id = request.args.get("chat_id", "")
    name = request.args.get("name", "") or "file"
    if not 1 <= len(chat_id) <= 64:
        raise InvalidInput("chat_id is required.", code="bad_query")
    files = _files(request)
    # Sanic lifts its body limit for this streaming route, and it stays lifted: the spool
    # enforces the upload limit as the bytes arrive, and the request deadline (api/guard.py),
    # which exempts a body without a limit, would otherwise cut a file that takes more than
    # `request_deadline_s` to arrive (100 MB over a slow link). A declared length over the
    # limit or the quota is refused before a byte is kept, and drained like one found late.
    try:
        await throttle_uploads(request, uid)
        await files.check_upload(uid, chat_id, _declared_length(request))
        stored = await files.upload(uid, chat_id, name, _body(request))
    except (PayloadTooLarge, RateLimited):
        await _discard(request)
        raise
    return ok({"file": wire.attachment(stored.attachment())}, status=201)


async def _discard(request: Request, limit: int = DRAIN_BYTES) -> None:
    """Read (and drop) a little more of a refused body before answering: closing on unread
    bytes makes the kernel send a reset, and the client may lose the 413 with it."""
    left = limit

    async def drain() -> None:
        nonlocal left
        async for chunk in _body(request):
            left -= len(chunk)
            if left <= 0:
                return

    with contextlib.suppress(Exception):
        await asyncio.wait_for(drain(), DRAIN_TIMEOUT_S)


def _range(header: str | None, size: int) -> tuple[int, int] | bool | None:
    """(start, length) for one satisfiable range; None to send it all; False when unsatisfiable."""
    if not header:
        return None
    m = _RANGE.match(header.strip())
    if m is None or (not m.group(1) and not m.group(2)):
        return None  # several ranges or odd syntax: the whole file is a valid answer
    first, last = m.group(1), m.group(2)
    if not first:
        n = min(int(last), size)
        return (size - n, n) if n > 0 else False
    start = int(first)
    end = min(int(last), size - 1) if last else size - 1
    if start >= size or end < start:
        return False
    return start, end - start + 1


async def _serve(request: Request, file_id: str, *, thumbnail: bool) -> HTTPResponse:
    check_path({"file_id": file_id})
    uid = user_id(request)
    files = _files(request)
    d = await files.download(uid, file_id, thumbnail=thumbnail)
    headers = {**SAFE_HEADERS, "Content-Disposition": d.disposition}
    if d.url is not None:
        return redirect(d.url, headers=headers, status=302)
    wanted = _range(request.headers.get("range"), d.size)
    if wanted is False:
        resp = problem(416, "range_not_satisfiable", "The range is outside the file.")
        resp.headers.update({**SAFE_HEADERS, "Content-Range": f"bytes */{d.size}"})
        return resp
    return await _stream(request, files, d, headers, wanted or None)


async def _stream(
    request: Request,
    files: FileService,
    d: Download,
    headers: dict[str, str],
    wanted: tuple[int, int] | bool | None,
) -> HTTPResponse:
    start, length = wanted if isinstance(wanted, tuple) else (0, d.size)
    headers = {**headers, "Accept-Ranges": "bytes", "Content-Length": str(length)}
    status = 200
    if isinstance(wanted, tuple):
        status = 206
        headers["Content-Range"] = f"bytes {start}-{start + length - 1}/{d.size}"
    response = await request.respond(status=status, headers=headers, content_type=d.content_type)
    assert response is not None
    async for chunk in files.read(d.key, start, length):
        await response.send(chunk)
    await response.eof()
    sent: HTTPResponse = response  # the streamed response, already sent
    return sent


async def download(request: Request, file_id: str) -> HTTPResponse:
    return await _serve(request, file_id, thumbnail=False)


async def thumbnail(request: Request, file_id: str) -> HTTPResponse:
    return await _serve(request, file_id, thumbnail=True)


bp.add_route(upload, "/files", methods=["POST"], name="post_upload", stream=True)


def _resumable_routes() -> None:
    from backend.api.http import uploads, uploads_doc

    bp.add_route(uploads.begin, "/files/uploads", methods=["POST"], name="post_uploads")
    bp.add_route(uploads.status, "/files/uploads/<upload_id>", methods=["GET"], name="get_upl")
    bp.add_route(
        uploads.append, "/files/uploads/<upload_id>", methods=["PUT"], name="put_upl", stream=True
    )
    bp.add_route(uploads.abandon, "/files/uploads/<upload_id>", methods=["DELETE"], name="del_upl")
    bp.add_route(
        uploads.complete, "/files/uploads/<upload_id>/complete", methods=["POST"], name="done_upl"
    )

    uploads_doc.register()


_resumable_routes()
bp.add_route(download, "/files/<file_id>", methods=["GET"], name="get_download")
bp.add_route(thumbnail, "/files/<file_id>/thumbnail", methods=["GET"], name="get_thumbnail")
files_doc.register()
