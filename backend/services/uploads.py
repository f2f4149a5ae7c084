"""Resumable uploads: a large file goes up in chunks, so a dropped connection costs one chunk.

`POST /files/uploads` announces the size (checked against the size limit and the quota before a
byte is sent) and returns a session, and the blob store starts one object written in parts (an S3
multipart upload; a growing file on the local store). Each `PUT ?offset=` spools one chunk and
stores it at once as the next part, so the session survives the replica that took it (any replica
can take the next chunk or the completion); `GET` tells a client that lost its connection where
to go on. Every chunk but the last has at least `MIN_PART_BYTES` (S3's smallest part).

The SHA-256 and the markup scan run as the chunks arrive, their state saved in the session, so
completion neither reads the file back nor stores it again: the parts become the object, and only
its head is read to sniff the type (and a raster image read once, to measure and thumbnail it).
A cancelled or expired session aborts the object, leaving no part behind. Only the uploader sees a
session; everyone else gets 404.
"""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import timedelta
from typing import TYPE_CHECKING

from backend.domain.errors import Conflict, InvalidInput, NotFound, PayloadTooLarge
from backend.domain.models import StoredFile, UploadSession
from backend.domain.ports import MIN_PART_BYTES, BlobStore, Clock, UploadRepo
from backend.services.sha_state import ResumableSha256
from backend.services.spool import Spool

if TYPE_CHECKING:
    from backend.services.files import FileService

MAX_CHUNK_BYTES = 16 * 1024 * 1024  # one PUT; the client's chunks are smaller
MAX_ID_CHARS = 32
MAX_OPEN = 20  # sessions per user at a time
MAX_PARTS = 1000  # bounds the session's row; a client sends chunks of megabytes
PART_SLOTS = 10  # part numbers per chunk: 1000 chunks use S3's 10000 numbers


def _parts(u: UploadSession) -> list[tuple[int, str]]:
    return [(int(n), tag) for n, _, tag in (t.partition(":") for t in u.tags)]


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
            hash_state=ResumableSha256().state(),
        )
        u = replace(u, handle=await self._blobs.begin_parts(u.key))
        try:
            await self._repo.create(u)
        except BaseException:
            await self._blobs.abort_parts(u.key, u.handle)
            raise
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
        if len(u.tags) >= MAX_PARTS:
            raise PayloadTooLarge(
                f"An upload has at most {MAX_PARTS} chunks.", code="too_many_chunks"
            )
        spool, sha = await self._receive(u, chunks)
        if spool.size == 0:
            await spool.drop()
            return u
        if spool.size < MIN_PART_BYTES and u.received + spool.size < u.size:
            await spool.drop()
            raise InvalidInput(
                f"Every chunk but the last has at least {MIN_PART_BYTES} bytes.",
                code="chunk_too_small",
                limit=MIN_PART_BYTES,
            )
        # A client that goes away now (a cancel, a dropped connection) cancels this request:
        # storing and recording the chunk must not be cut in half.
        return await asyncio.shield(self._keep(u, spool, sha))

    async def _receive(
        self, u: UploadSession, chunks: AsyncIterator[bytes]
    ) -> tuple[Spool, ResumableSha256]:
        room = min(MAX_CHUNK_BYTES, u.size - u.received)
        sha = ResumableSha256(u.hash_state)
        spool = Spool(self._files.spool_dir, room, sha, u.markup, bytes.fromhex(u.tail))
        try:
            await spool.fill(chunks)
        except PayloadTooLarge:
            await spool.drop()
            raise PayloadTooLarge(
                f"A chunk has at most {room} bytes here.", code="chunk_too_large", limit=room
            ) from None
        except BaseException:
            await spool.drop()
            raise
        return spool, sha

    async def _keep(self, u: UploadSession, spool: Spool, sha: ResumableSha256) -> UploadSession:
        """Store a received chunk as the next part and record it with the hash state; returns
        the session as recorded (the row holds nothing else, so it is not read back). Two PUTs
        racing for one offset (a client retrying while its first try is still in flight) most
        likely pick different part numbers of the chunk's slot, so the part the winner recorded
        stands and the loser's is dropped on completion."""
        number = len(u.tags) * PART_SLOTS + 1 + secrets.randbelow(PART_SLOTS)
        try:
            assert spool.path is not None
            tag = await self._blobs.put_part(
                u.key, u.handle, number, u.received, spool.path, spool.size, spool.own_crc32
            )
        finally:
            await spool.drop()
        after = replace(
            u,
            received=u.received + spool.size,
            tags=(*u.tags, f"{number}:{tag}"),
            hash_state=sha.state(),
            markup=spool.markup,
            tail=spool.tail.hex(),
        )
        if not await self._repo.advance(u.id, u.received, after):
            raise Conflict("Another chunk got there first.", code="upload_offset_mismatch")
        return after

    async def complete(self, user_id: str, upload_id: str) -> StoredFile:
        u = await self.get(user_id, upload_id)
        if u.received != u.size:
            raise Conflict(
                f"{u.received} of {u.size} bytes are in.",
                code="upload_incomplete",
                offset=u.received,
            )
        await self._files.check_upload(user_id, u.chat_id, None)  # still a member
        await self._finish(u)
        try:
            seen = await self._files.inspect_stored(u.key, u.size)
            await self._files.check_quota(user_id, u.size)
        except BaseException:
            await self._drop(u)
            raise
        if not await self._repo.delete(u.id, u.received):
            raise NotFound("No such upload.", code="upload_not_found")  # cancelled meanwhile
        # From here the object is the file's: the session that named it is gone.
        sha256 = ResumableSha256(u.hash_state).hexdigest()
        return await self._files.adopt(u, sha256, seen)

    async def _finish(self, u: UploadSession) -> None:
        """The parts become the object; an empty file has no part (S3 cannot join zero)."""
        if u.tags:
            await self._blobs.finish_parts(u.key, u.handle, _parts(u), u.size)
            return
        await self._blobs.abort_parts(u.key, u.handle)
        empty = Spool(self._files.spool_dir, 0)
        try:
            await empty.fill(_nothing())
            assert empty.path is not None
            await self._blobs.put(u.key, empty.path, 0, "application/octet-stream")
        finally:
            await empty.drop()

    async def abandon(self, user_id: str, upload_id: str) -> None:
        """The client cancelled: nothing of the upload stays on the server."""
        await self._drop(await self.get(user_id, upload_id))

    async def _drop(self, u: UploadSession) -> None:
        """Delete the session, then its parts and (if it was finished) its object. Whoever
        deletes the row cleans up: a session another request completed or cancelled meanwhile
        is left to that request, and a file's row is only made once its session row is gone, so
        the object dropped here is never a file's."""
        current: UploadSession | None = u
        while current is not None and not await self._repo.delete(current.id, current.received):
            current = await self._repo.get(u.id)  # a chunk landed meanwhile
        if current is None:
            return
        try:
            await self._blobs.abort_parts(u.key, u.handle)
            await self._blobs.delete(u.key)
        except Exception:
            # The store failed: with the row gone its parts would stay for good. Put it back,
            # so the client's next cancel (or the sweep) removes them once the store is back.
            await self._repo.create(current)
            raise

    async def sweep(self, ttl_s: int) -> int:
        """Remove sessions never completed within the TTL, with their parts."""
        before = self._clock.now() - timedelta(seconds=ttl_s)
        stale = await self._repo.stale(before, 500)
        for u in stale:
            await self._drop(u)
        return len(stale)


async def _nothing() -> AsyncIterator[bytes]:
    return
    yield  # an async generator of no chunks
