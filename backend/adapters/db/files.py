"""`FileRepo` on Tortoise (SQLite or MySQL): attachment metadata and its claim/attach steps."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, fields
from datetime import datetime

from tortoise.expressions import Q
from tortoise.functions import Sum

from backend.adapters.db.errors import translated
from backend.adapters.db.models import FileRow
from backend.domain.models import StoredFile

_FIELDS = [f.name for f in fields(StoredFile)]


def _file(row: FileRow) -> StoredFile:
    return StoredFile(**{name: getattr(row, name) for name in _FIELDS})


@translated
class SqlFileRepo:
    async def create(self, file: StoredFile) -> None:
        await FileRow.create(**asdict(file))

    async def get(self, file_id: str) -> StoredFile | None:
        row = await FileRow.get_or_none(id=file_id)
        return _file(row) if row else None

    async def claim(
        self, file_ids: Sequence[str], uploader_id: str, chat_id: str, claim: str
    ) -> list[StoredFile]:
        """One conditional UPDATE: of two sends racing for a file, exactly one claims it."""
        mine = Q(id__in=list(file_ids), uploader_id=uploader_id, chat_id=chat_id, deleted=False)
        await FileRow.filter(mine, claim__isnull=True, message_seq__isnull=True).update(claim=claim)
        rows = await FileRow.filter(mine, claim=claim)
        by_id = {r.id: _file(r) for r in rows}
        return [by_id[i] for i in file_ids if i in by_id]

    async def attach(self, file_ids: Sequence[str], claim: str, seq: int) -> None:
        await FileRow.filter(id__in=list(file_ids), claim=claim).update(message_seq=seq)

    async def delete_for_message(self, chat_id: str, seq: int) -> list[StoredFile]:
        rows = await FileRow.filter(chat_id=chat_id, message_seq=seq, deleted=False)
        if rows:
            await FileRow.filter(id__in=[r.id for r in rows]).update(deleted=True)
        return [_file(r) for r in rows]

    async def used_bytes(self, uploader_id: str) -> int:
        result = (
            await FileRow.filter(uploader_id=uploader_id, deleted=False)
            .annotate(total=Sum("size"))
            .values("total")
        )
        total = result[0]["total"] if result else None
        return int(total or 0)

    async def stale(self, before: datetime, limit: int) -> list[StoredFile]:
        rows = (
            await FileRow.filter(
                Q(message_seq__isnull=True, created_at__lt=before) | Q(deleted=True)
            )
            .order_by("created_at")
            .limit(limit)
        )
        return [_file(r) for r in rows]

    async def purge(self, file_ids: Sequence[str]) -> None:
        await FileRow.filter(id__in=list(file_ids)).delete()
