"""Resumable uploads: a large file goes up in chunks, so a dropped connection costs one chunk.

`POST /files/uploads` announces the size (checked against the size limit and the quota before a
byte is sent) and returns a session; each `PUT ?offset=` appends one chunk, stored at once as a
part in the blob store, so the session survives the replica that took it (any replica can take
the next chunk or the completion); `GET` tells a client that lost its connection where to go on.
Completion streams the parts back through the same spool as a plain upload, so the sniffing,
the pixel cap, the thumbnail and the quota apply unchanged, and the parts are then removed.
Only the uploader sees a session; everyone else gets 404.
"""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from backend.domain.errors import Conflict, NotFound, PayloadTooLarge
from backend.domain.models import StoredFile, UploadSession
from backend.domain.ports import BlobStore, Clock, UploadRepo
from backend.services.spool import Spool

if TYPE_CHECKING:
    from backend.services.files import FileService

MAX_CHUNK_BYTES = 16 * 1024 * 1024  # one PUT; the client's chunks are smaller
MAX_ID_CHARS = 32
MAX_OPEN = 20  # sessions per user at a time
MAX_PARTS = 1000  # bounds the session's row; a client sends chunks of megabytes


def wire_upload(u: UploadSession) -> dict[str, Any]:
    return {"id": u.id, "name": u.name, "size": u.size, "offset": u.received}


def _part(u: UploadSession, part_id: str) -> str:
    """40 characters of hex: a blob key of its own kind (a file's key has 32)."""
    return u.key + part_id


class ResumableUploads:
    def __init__(
        self, files: FileService, repo: UploadRepo, blobs: BlobStore, clock: Clock
    ) -> None:
        self._files, self._repo, self._blobs, self._clock = files, repo, blobs, clock

    async def begin(self, user_id: str, chat_id: str, name: str, size: int) -> UploadSession:
        """Open sessions count against the quota as announced, and are bounded in number."""
        await self._files.check_upload(user_id, chat_id, size)
        count, pending = await self._repo.open_for(user_id)
        if count >= MAX_OPEN:
            raise Conflict(
                f"At most {MAX_OPEN} uploads can be open at once.", code="too_many_uploads"
            )
        await self._files.check_quota(user_id, size, pending)
        from backend.services.files import clean_name

        u = UploadSession(
            id=secrets.token_hex(16),
            key=secrets.token_hex(16),
            chat_id=chat_id,
            uploader_id=user_id,
            name=clean_name(name),
            size=size,
            created_at=self._clock.now(),
        )
        await self._repo.create(u)
        return u

    async def get(self, user_id: str, upload_id: str) -> UploadSession:
        found = await self._repo.get(upload_id) if len(upload_id) <= MAX_ID_CHARS else None
        if found is None or found.uploader_id != user_id:
            raise NotFound("No such upload.", code="upload_not_found")
        return found

    async def append(
        self, user_id: str, upload_id: str, offset: int, chunks: AsyncIterator[bytes]
    ) -> UploadSession:
        """Take one chunk at `offset` (which must be where the upload stands: 409 otherwise)."""
        u = await self.get(user_id, upload_id)
        if offset != u.received:
            raise Conflict(
                f"The upload stands at byte {u.received}.",
                code="upload_offset_mismatch",
                offset=u.received,
            )
        if len(u.part_ids) >= MAX_PARTS:
            raise PayloadTooLarge(
                f"An upload has at most {MAX_PARTS} chunks.", code="too_many_chunks"
            )
        room = min(MAX_CHUNK_BYTES, u.size - u.received)
        spool = Spool(self._files.spool_dir, room)
        try:
            await spool.fill(chunks)
        except PayloadTooLarge:
            spool.discard()
            raise PayloadTooLarge(
                f"A chunk has at most {room} bytes here.", code="chunk_too_large", limit=room
            ) from None
        except BaseException:
            spool.discard()
            raise
        if spool.size == 0:
            spool.discard()
            return u
        # A client that goes away now (a cancel, a dropped connection) cancels this request:
        # storing and recording the chunk must not be cut in half, or its bytes stay orphaned.
        await asyncio.shield(self._keep(u, secrets.token_hex(4), spool, offset))
        return await self.get(user_id, upload_id)

    async def _keep(self, u: UploadSession, part_id: str, spool: Spool, offset: int) -> None:
        """Store a received chunk and record it; a chunk that lost the race is removed again."""
        try:
            assert spool.path is not None
            await self._blobs.put(
                _part(u, part_id), spool.path, spool.size, "application/octet-stream"
            )
        finally:
            spool.discard()
        parts = (*u.part_ids, part_id)
        if not await self._repo.advance(u.id, offset, offset + spool.size, parts):
            await self._blobs.delete(_part(u, part_id))
            raise Conflict("Another chunk got there first.", code="upload_offset_mismatch")

    async def complete(self, user_id: str, upload_id: str) -> StoredFile:
        u = await self.get(user_id, upload_id)
        if u.received != u.size:
            raise Conflict(
                f"{u.received} of {u.size} bytes are in.",
                code="upload_incomplete",
                offset=u.received,
            )
        await self._files.check_upload(user_id, u.chat_id, None)  # still a member
        stored = await self._files.upload(user_id, u.chat_id, u.name, self._parts(u))
        await self._drop(u)
        return stored

    async def abandon(self, user_id: str, upload_id: str) -> None:
        """The client cancelled: nothing of the upload stays on the server."""
        await self._drop(await self.get(user_id, upload_id))

    async def _parts(self, u: UploadSession) -> AsyncIterator[bytes]:
        for part_id in u.part_ids:
            async for chunk in self._blobs.read(_part(u, part_id)):
                yield chunk

    async def _drop(self, u: UploadSession) -> None:
        """Delete the session with exactly the parts it has: a chunk recorded between reading
        the session and deleting it would otherwise be left behind."""
        current: UploadSession | None = u
        while current is not None and not await self._repo.delete(current.id, current.received):
            current = await self._repo.get(u.id)  # a chunk landed meanwhile: its part goes too
        for part_id in (current or u).part_ids:
            await self._blobs.delete(_part(u, part_id))

    async def sweep(self, ttl_s: int) -> int:
        """Remove sessions never completed within the TTL, with their parts."""
        before = self._clock.now() - timedelta(seconds=ttl_s)
        stale = await self._repo.stale(before, 500)
        for u in stale:
            await self._drop(u)
        return len(stale)
