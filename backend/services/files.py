"""Attachments: streamed upload, claim and attach on send, member-only download, cleanup.

A file belongs to the chat it was uploaded for. Until a message carries it only its uploader
sees it; once attached, every member of that chat does; when the message is deleted nobody does.
Anyone else gets the same 404 as for a file that does not exist.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
import unicodedata
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, replace
from datetime import timedelta
from pathlib import Path
from urllib.parse import quote

from backend.domain.errors import InvalidInput, NotFound, PayloadTooLarge
from backend.domain.models import Attachment, StoredFile, UploadSession
from backend.domain.ports import (
    BlobStore,
    Clock,
    FileRepo,
    Inspection,
    MediaInspector,
    UploadRepo,
)
from backend.services.chats import ChatService
from backend.services.spool import HEAD_BYTES, Spool
from backend.services.uploads import ResumableUploads

log = logging.getLogger(__name__)

INLINE_TYPES = frozenset({"image/png", "image/jpeg", "image/gif", "image/webp"})
MAX_NAME_CHARS = 255
MAX_ATTACHMENTS = 10
MAX_ID_CHARS = 32  # ids are 32 hex characters; a longer one is a 404 before any look-up
SWEEP_EVERY_S = 60.0


@dataclass(frozen=True, slots=True)
class FileLimits:
    max_bytes: int
    quota_bytes: int  # 0 = no quota
    presign_ttl_s: int
    unattached_ttl_s: int


@dataclass(frozen=True, slots=True)
class Download:
    """How to answer a GET: the headers every path carries, and a URL or a key to stream."""

    key: str
    size: int
    content_type: str
    disposition: str
    url: str | None


def clean_name(raw: str) -> str:
    """For display and Content-Disposition only: no control characters, no path, bounded."""
    name = unicodedata.normalize("NFC", raw)
    name = "".join("_" if unicodedata.category(c)[0] == "C" else c for c in name)
    name = name.replace("/", "_").replace("\\", "_").strip(" .")
    return name[:MAX_NAME_CHARS] or "file"


def disposition(kind: str, name: str) -> str:
    """RFC 6266: an ASCII fallback plus the UTF-8 name; neither can break out of the header."""
    fallback = "".join(c if 32 <= ord(c) < 127 and c not in '"\\%;' else "_" for c in name)
    return f"{kind}; filename=\"{fallback}\"; filename*=UTF-8''{quote(name, safe='')}"


class FileService:
    def __init__(
        self,
        chats: ChatService,
        repo: FileRepo,
        blobs: BlobStore,
        inspector: MediaInspector,
        clock: Clock,
        limits: FileLimits,
        spool_dir: Path,
        uploads: UploadRepo | None = None,
    ) -> None:
        self._chats = chats
        self._repo = repo
        self._blobs = blobs
        self._inspector = inspector
        self._clock = clock
        self.limits = limits
        self.spool_dir = spool_dir
        self.resumable = (
            ResumableUploads(self, uploads, blobs, clock) if uploads is not None else None
        )
        self._sweeper: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._sweeper = asyncio.create_task(self._sweep_loop(), name="files-sweep")

    async def close(self) -> None:
        if self._sweeper is not None:
            self._sweeper.cancel()
            await asyncio.gather(self._sweeper, return_exceptions=True)

    async def check_upload(self, user_id: str, chat_id: str, declared: int | None) -> None:
        """Before a byte of the body is read: membership, the size limit, the quota."""
        await self._chats.require_member(user_id, chat_id)
        if declared is not None:
            self._check_size(declared)
            await self.check_quota(user_id, declared)

    def _check_size(self, size: int) -> None:
        if size > self.limits.max_bytes:
            raise PayloadTooLarge(
                f"A file has at most {self.limits.max_bytes} bytes.",
                code="file_too_large",
                limit=self.limits.max_bytes,
            )

    async def used_bytes(self, user_id: str) -> int:
        """What `user_id`'s stored files take now: what the quota counts, also published."""
        return await self._repo.used_bytes(user_id)

    async def check_quota(self, user_id: str, size: int, pending: int = 0) -> None:
        quota = self.limits.quota_bytes
        if quota and await self.used_bytes(user_id) + pending + size > quota:
            raise PayloadTooLarge("Your storage quota is used up.", code="quota_exceeded")

    async def upload(
        self, user_id: str, chat_id: str, name: str, chunks: AsyncIterator[bytes]
    ) -> StoredFile:
        """Spool, inspect, store the bytes under a random key, then record the file."""
        spool = Spool(self.spool_dir, self.limits.max_bytes)
        try:
            await spool.fill(chunks)
            await self.check_quota(user_id, spool.size)
            assert spool.path is not None
            seen = await self._inspector.inspect(spool.path, spool.head)
            return await self._keep(user_id, chat_id, clean_name(name), spool, seen)
        finally:
            await spool.drop()

    async def _keep(
        self, user_id: str, chat_id: str, name: str, spool: Spool, seen: Inspection
    ) -> StoredFile:
        assert spool.path is not None
        key = secrets.token_hex(16)
        await self._blobs.put(key, spool.path, spool.size, seen.content_type, spool.sha256)
        return await self._record(
            StoredFile(
                id=secrets.token_hex(16),
                key=key,
                chat_id=chat_id,
                uploader_id=user_id,
                name=name,
                size=spool.size,
                content_type=seen.content_type[:127],
                sha256=spool.sha256,
                created_at=self._clock.now(),
            ),
            seen,
            spool.markup,
        )

    async def inspect_stored(self, key: str, size: int) -> Inspection:
        """What a stored object is: only its head is read, unless it is an image to decode."""
        head = b""
        if size:  # S3 refuses a range of an empty object
            head = b"".join([c async for c in self._blobs.read(key, 0, min(size, HEAD_BYTES))])
        spool = Spool(self.spool_dir, self.limits.max_bytes)
        try:
            await spool.fill(self._blobs.read(key) if self._inspector.decodes(head) else _one(head))
            assert spool.path is not None
            return await self._inspector.inspect(spool.path, head)
        finally:
            await spool.drop()

    async def adopt(self, u: UploadSession, sha256: str, seen: Inspection) -> StoredFile:
        """A finished resumable upload becomes a file: its object is kept under its own key."""
        stored = StoredFile(
            id=secrets.token_hex(16),
            key=u.key,
            chat_id=u.chat_id,
            uploader_id=u.uploader_id,
            name=u.name,
            size=u.size,
            content_type=seen.content_type[:127],
            sha256=sha256,
            created_at=self._clock.now(),
        )
        return await self._record(stored, seen, u.markup)

    async def _record(self, f: StoredFile, seen: Inspection, markup: bool) -> StoredFile:
        """The thumbnail beside the object, then the row that makes both visible."""
        if seen.thumbnail is not None:
            thumb = self.spool_dir / f"thumb-{secrets.token_hex(8)}"
            await asyncio.to_thread(thumb.write_bytes, seen.thumbnail)
            try:
                await self._blobs.put(f"{f.key}-t", thumb, len(seen.thumbnail), "image/webp")
            finally:
                with contextlib.suppress(FileNotFoundError):
                    thumb.unlink()
        stored = replace(
            f,
            width=seen.width,
            height=seen.height,
            has_thumbnail=seen.thumbnail is not None,
            placeholder=seen.placeholder,
            inline=seen.content_type in INLINE_TYPES and seen.thumbnail is not None and not markup,
        )
        await self._repo.create(stored)
        return stored

    async def visible(self, user_id: str, file_id: str) -> StoredFile:
        """The file if this user may see it now; the same 404 otherwise, whatever the reason."""
        found = await self._repo.get(file_id) if len(file_id) <= MAX_ID_CHARS else None
        if found is None or found.deleted:
            raise NotFound("No such file.", code="file_not_found")
        attached = found.message_seq is not None
        if not attached and found.uploader_id != user_id:
            raise NotFound("No such file.", code="file_not_found")
        try:
            await self._chats.require_member(user_id, found.chat_id)
        except NotFound:
            raise NotFound("No such file.", code="file_not_found") from None
        return found

    async def download(self, user_id: str, file_id: str, *, thumbnail: bool) -> Download:
        f = await self.visible(user_id, file_id)
        if thumbnail:
            if not f.has_thumbnail:
                raise NotFound("This file has no thumbnail.", code="thumbnail_not_found")
            key, ctype = f"{f.key}-t", "image/webp"
            disp = disposition("inline", f"{f.name}.webp")
        else:
            key = f.key
            ctype = f.content_type if f.inline else "application/octet-stream"
            disp = disposition("inline" if f.inline else "attachment", f.name)
        size = await self._blobs.size(key)
        if size is None:
            raise NotFound("No such file.", code="file_not_found")
        url = await self._blobs.presign(key, self.limits.presign_ttl_s, ctype, disp)
        return Download(key, size, ctype, disp, url)

    def read(self, key: str, start: int, length: int) -> AsyncIterator[bytes]:
        return self._blobs.read(key, start, length)

    async def claim(
        self, user_id: str, chat_id: str, client_msg_id: str, file_ids: Sequence[str]
    ) -> tuple[Attachment, ...]:
        """For a send: the files become this message's, or the send is refused (422)."""
        if not file_ids:
            return ()
        ids = list(dict.fromkeys(file_ids))
        if len(ids) > MAX_ATTACHMENTS:
            raise InvalidInput(
                f"A message has at most {MAX_ATTACHMENTS} files.", code="too_many_attachments"
            )
        claimed = await self._repo.claim(ids, user_id, chat_id, client_msg_id)
        if len(claimed) != len(ids):
            raise InvalidInput(
                "Some files cannot be attached here (not yours, not in this chat, or attached).",
                code="attachment_unavailable",
            )
        return tuple(f.attachment() for f in claimed)

    async def attached(self, file_ids: Sequence[str], client_msg_id: str, seq: int) -> None:
        if file_ids:
            await self._repo.attach(file_ids, client_msg_id, seq)

    async def message_deleted(self, chat_id: str, seq: int) -> None:
        """The files of a deleted message are gone for everyone at once; the bytes follow."""
        for f in await self._repo.delete_for_message(chat_id, seq):
            await self._remove_blobs(f)

    async def _remove_blobs(self, f: StoredFile) -> None:
        await self._blobs.delete(f.key)
        if f.has_thumbnail:
            await self._blobs.delete(f"{f.key}-t")

    async def sweep(self) -> int:
        """Remove uploads never attached within the TTL, and the rows of deleted files."""
        before = self._clock.now() - timedelta(seconds=self.limits.unattached_ttl_s)
        stale = await self._repo.stale(before, 500)
        for f in stale:
            await self._remove_blobs(f)
        await self._repo.purge([f.id for f in stale])
        if self.resumable is not None:
            return len(stale) + await self.resumable.sweep(self.limits.unattached_ttl_s)
        return len(stale)

    async def _sweep_loop(self) -> None:
        while True:
            await asyncio.sleep(min(SWEEP_EVERY_S, max(1.0, self.limits.unattached_ttl_s / 2)))
            try:
                removed = await self.sweep()
                if removed:
                    log.info("removed %d stale files", removed)
            except Exception as exc:  # an engine away: try again next round
                log.warning("file sweep failed: %s", type(exc).__name__)


async def _one(data: bytes) -> AsyncIterator[bytes]:
    yield data
