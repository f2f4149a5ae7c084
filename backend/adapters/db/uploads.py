"""`UploadRepo` on Tortoise (SQLite or MySQL): resumable upload sessions, on the connection
`connection.open_upload_store` gives (a SQLite file of their own on the embedded default)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime
from typing import NamedTuple

from tortoise import connections
from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.queryset import QuerySet

from backend.adapters.db.errors import translated
from backend.adapters.db.models import UploadRow
from backend.adapters.db.upload_file import synced
from backend.domain.models import UploadSession


def _upload(row: UploadRow) -> UploadSession:
    return UploadSession(
        id=row.id,
        key=row.key,
        chat_id=row.chat_id,
        uploader_id=row.uploader_id,
        name=row.name,
        size=row.size,
        created_at=row.created_at,
        received=row.received,
        handle=row.handle,
        tags=tuple(t for t in row.tags.split(",") if t),
        hash_state=row.hash_state,
        markup=row.markup,
        tail=row.tail,
    )


class _Statements(NamedTuple):
    get: str
    advance: str


def _written(mark: str) -> _Statements:
    return _Statements(
        get=f"SELECT {_COLUMNS} FROM uploads WHERE id = {mark}",  # noqa: S608  # fixed names
        advance=(
            f"UPDATE uploads SET received = {mark}, tags = {mark}, hash_state = {mark},"  # noqa: S608
            f" markup = {mark}, tail = {mark} WHERE id = {mark} AND received = {mark}"
        ),
    )


# Backticks: `key` is a reserved word in MySQL (SQLite takes them too).
_COLUMNS = ", ".join(f"`{c}`" for c in sorted(UploadRow._meta.db_fields) if c != "part_ids")
_BY_DIALECT = {"sqlite": _written("?"), "mysql": _written("%s")}


def _statements(db: BaseDBAsyncClient) -> _Statements:
    return _BY_DIALECT[db.capabilities.dialect]


@translated
class SqlUploadRepo:
    def __init__(self, db: BaseDBAsyncClient | None = None) -> None:
        self._own = db
        self._sync = asyncio.Lock()

    def _db(self) -> BaseDBAsyncClient:
        db: BaseDBAsyncClient = self._own or connections.get("default")
        return db

    async def create(self, upload: UploadSession) -> None:
        async with self._durable():
            await self._create(upload)

    async def _create(self, upload: UploadSession) -> None:
        await UploadRow.create(
            using_db=self._db(),
            id=upload.id,
            key=upload.key,
            chat_id=upload.chat_id,
            uploader_id=upload.uploader_id,
            name=upload.name,
            size=upload.size,
            created_at=upload.created_at,
            received=upload.received,
            handle=upload.handle,
            tags=",".join(upload.tags),
            hash_state=upload.hash_state,
            markup=upload.markup,
            tail=upload.tail,
        )

    @asynccontextmanager
    async def _durable(self) -> AsyncIterator[None]:
        """On the sessions' own SQLite file (whose chunk commits do not sync, see
        `upload_file`), a session's creation and removal are synced; MySQL syncs every commit."""
        if self._own is None:
            yield
            return
        async with synced(self._own, self._sync):
            yield

    async def get(self, upload_id: str) -> UploadSession | None:
        """Every chunk reads its session: one fixed statement, not Tortoise's query building
        (a 100 MB upload is 13 chunks, each paying it twice, on the event loop)."""
        db = self._db()
        rows = await db.execute_query_dict(_statements(db).get, [upload_id])
        return _upload(UploadRow._init_from_db(**rows[0])) if rows else None

    async def advance(self, upload_id: str, offset: int, after: UploadSession) -> bool:
        """One conditional UPDATE: only the PUT that still sees `offset` moves it on (everything
        else it writes changes only with `received`, so it follows the state this PUT read)."""
        db = self._db()
        values = [
            after.received,
            ",".join(after.tags),
            after.hash_state,
            after.markup,
            after.tail,
            upload_id,
            offset,
        ]
        n, _ = await db.execute_query(_statements(db).advance, values)
        return n == 1

    def _rows(self, **where: object) -> QuerySet[UploadRow]:
        return UploadRow.filter(**where).using_db(self._db())

    async def delete(self, upload_id: str, received: int) -> bool:
        async with self._durable():
            return await self._rows(id=upload_id, received=received).delete() == 1

    async def open_for(self, uploader_id: str) -> tuple[int, int]:
        sizes = [r.size for r in await self._rows(uploader_id=uploader_id).only("id", "size")]
        return len(sizes), sum(sizes)

    async def stale(self, before: datetime, limit: int) -> list[UploadSession]:
        rows = await self._rows(created_at__lt=before).order_by("created_at").limit(limit)
        return [_upload(r) for r in rows]
