"""The embedded message store: message contents in the relational database.

Used with SQLite for the one-machine default; it also works on MySQL. Reads are transactional, so
every read is real-time.
"""

from __future__ import annotations

from collections.abc import Sequence

from tortoise.transactions import in_transaction

from backend.adapters.db.errors import translated
from backend.adapters.db.models import MessageRow
from backend.adapters.messages import attachments as stored
from backend.adapters.messages.sql_search import replace_terms, search_ids
from backend.domain.models import Message, message_id, newest_states
from backend.domain.ports import SearchRequest
from backend.domain.search.analysis import prepare as prepare_search


def _message(row: MessageRow) -> Message:
    return Message(
        chat_id=row.chat_id,
        seq=row.seq,
        sender_id=row.sender_id,
        text=row.text,
        created_at=row.created_at,
        client_msg_id=row.client_msg_id,
        edited_at=row.edited_at,
        deleted=row.deleted,
        attachments=stored.parse(row.attachments),
        reply_to_seq=row.reply_to_seq,
        version=row.version,
    )


def _row(m: Message) -> MessageRow:
    return MessageRow(
        id=m.id,
        chat_id=m.chat_id,
        seq=m.seq,
        sender_id=m.sender_id,
        text=m.text,
        created_at=m.created_at,
        edited_at=m.edited_at,
        deleted=m.deleted,
        client_msg_id=m.client_msg_id,
        attachments=stored.records(m.attachments),
        reply_to_seq=m.reply_to_seq,
        version=m.revision,
    )


@translated
class SqlMessageStore:
    async def start(self) -> None:
        """The schema comes with the relational store's migrations."""
        prepare_search()

    async def close(self) -> None:
        pass

    async def write(self, messages: Sequence[Message]) -> None:
        """Insert new messages; update a stored one only from an older version and never once
        deleted (`UPDATE ... WHERE version < :v AND NOT deleted`, evaluated on the latest
        committed row), so the order in which replicas' writes land does not matter."""
        if not messages:
            return
        latest = newest_states(messages)
        async with in_transaction() as conn:
            found = (
                await MessageRow.filter(id__in=list(latest))
                .using_db(conn)
                .values_list("id", flat=True)
            )
            existing = {str(i) for i in found}
            applied = [m for i, m in latest.items() if i not in existing]
            if applied:
                await MessageRow.bulk_create([_row(m) for m in applied], using_db=conn)
            for i in existing:
                m = latest[i]
                changed = await (
                    MessageRow.filter(id=i, version__lt=m.revision, deleted=False)
                    .using_db(conn)
                    .update(
                        text=m.text,
                        edited_at=m.edited_at,
                        deleted=m.deleted,
                        attachments=stored.records(m.attachments),
                        version=m.revision,
                    )
                )
                if changed:
                    applied.append(m)
            await replace_terms(conn, applied)

    async def get(self, keys: Sequence[tuple[str, int]]) -> dict[tuple[str, int], Message]:
        ids = [message_id(chat_id, seq) for chat_id, seq in keys]
        if not ids:
            return {}
        rows = await MessageRow.filter(id__in=ids)
        return {(r.chat_id, r.seq): _message(r) for r in rows}

    async def history(
        self, chat_id: str, *, before: int | None, after: int | None, limit: int
    ) -> tuple[list[Message], bool]:
        query = MessageRow.filter(chat_id=chat_id)
        if after is not None:
            query = query.filter(seq__gt=after)
        if before is not None:
            query = query.filter(seq__lt=before)
        ordering = "seq" if after is not None and before is None else "-seq"
        rows = await query.order_by(ordering).limit(limit + 1)
        has_more = len(rows) > limit
        page = sorted(rows[:limit], key=lambda r: r.seq)
        return [_message(r) for r in page], has_more

    async def search(self, request: SearchRequest) -> list[Message]:
        ids = await search_ids(request)
        rows = {r.id: r for r in await MessageRow.filter(id__in=ids)} if ids else {}
        return [_message(rows[i]) for i in ids if i in rows]
