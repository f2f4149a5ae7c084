"""Resumable uploads (services/uploads.py): begin, append a chunk at an offset, ask, complete.

The chunk body is streamed like a plain upload; the routes live on the files blueprint.
"""

from __future__ import annotations

from sanic import HTTPResponse, Request

from backend.api import wire
from backend.api.http.common import container, ok, throttle_uploads, user_id
from backend.api.http.files import _body, _declared_length, _discard
from backend.domain.errors import DomainError, InvalidInput, NotFound, PayloadTooLarge
from backend.services.uploads import MAX_CHUNK_BYTES, ResumableUploads


def _uploads(request: Request) -> ResumableUploads:
    found = container(request).files.resumable
    if found is None:
        raise NotFound("Resumable uploads are not enabled.", code="not_found")
    return found


def _whole(raw: str | None, what: str) -> int:
    if raw is None or not raw.isdigit() or len(raw) > 18:
        raise InvalidInput(f"{what} must be a whole number.", code="bad_query")
    return int(raw)


async def begin(request: Request) -> HTTPResponse:
    chat_id = request.args.get("chat_id", "")
    if not 1 <= len(chat_id) <= 64:
        raise InvalidInput("chat_id is required.", code="bad_query")
    size = _whole(request.args.get("size"), "size")
    name = request.args.get("name", "") or "file"
    await throttle_uploads(request, user_id(request))
    u = await _uploads(request).begin(user_id(request), chat_id, name, size)
    return ok({"upload": wire.upload(u)}, status=201)


async def status(request: Request, upload_id: str) -> HTTPResponse:
    u = await _uploads(request).get(user_id(request), upload_id)
    return ok({"upload": wire.upload(u)})


async def append(request: Request, upload_id: str) -> HTTPResponse:
    """One chunk at `offset`; 409 with the right offset when the client is behind or ahead."""
    uploads = _uploads(request)
    offset = _whole(request.args.get("offset"), "offset")
    declared = _declared_length(request)
    if declared is not None and declared > MAX_CHUNK_BYTES:
        raise PayloadTooLarge(
            f"A chunk has at most {MAX_CHUNK_BYTES} bytes.",
            code="chunk_too_large",
            limit=MAX_CHUNK_BYTES,
        )
    # Sanic's body limit stays lifted, as for a plain upload (files.upload says why); the
    # service bounds the chunk.
    try:
        u = await uploads.append(user_id(request), upload_id, offset, _body(request))
    except DomainError:  # refused (404, 409, 413) with the chunk unread: the client must see why
        await _discard(request, MAX_CHUNK_BYTES)  # a whole chunk, so a repeated one gets its 409
        raise
    return ok({"upload": wire.upload(u)})


async def abandon(request: Request, upload_id: str) -> HTTPResponse:
    await _uploads(request).abandon(user_id(request), upload_id)
    return HTTPResponse(status=204)


async def complete(request: Request, upload_id: str) -> HTTPResponse:
    stored = await _uploads(request).complete(user_id(request), upload_id)
    return ok({"file": wire.attachment(stored.attachment())}, status=201)
