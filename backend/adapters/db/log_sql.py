"""The event log's MySQL statements for a batch of message changes, as plain SQL with parameters.

Tortoise builds each query through its query builder and each row as a model; per batch that
was a large part of the allocate stage's CPU. These are the same statements, written once, with
values converted by the models' own fields so a row reads back as Tortoise wrote it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any

from backend.adapters.db.models import EventRow
from backend.adapters.db.pipelined import Statement
from backend.domain.models import EventType
from backend.domain.ports import EventRequest


@dataclass(slots=True)
class NewEvent:
    """An event row: plain data, built per request at a fraction of a model's cost."""

    chat_id: str
    seq: int
    type: str
    actor_id: str
    created_at: datetime
    target_seq: int | None
    client_msg_id: str | None
    content_hash: str | None
    data: dict[str, Any]


COLUMNS = tuple(f.name for f in fields(NewEvent))
_CREATED_AT = EventRow._meta.fields_map["created_at"]
_DATA = EventRow._meta.fields_map["data"]
_ROW = "(" + ", ".join(["%s"] * len(COLUMNS)) + ")"
_NAMES = ", ".join(f"`{c}`" for c in COLUMNS)


@dataclass(frozen=True)
class Reads:
    """The batch's reads, in order: chats (locked), members, then deletions and keys if asked."""

    statements: list[Statement]
    deleted: bool
    keys: bool


def _marks(n: int) -> str:
    return ", ".join(["%s"] * n)


def reads(requests: Sequence[EventRequest], *, keys: bool) -> Reads:
    """The lock comes first, in id order (primary key forced, so only the batch's rows are
    locked); every read after it in the transaction sees what committed before the lock."""
    chat_ids = sorted({r.chat_id for r in requests})
    actors = sorted({r.actor_id for r in requests})
    out = [
        Statement(
            "SELECT `id`, `kind`, `last_seq`, `last_message_seq` "  # noqa: S608 (placeholders only)
            "FROM `chats` FORCE INDEX (PRIMARY) "
            f"WHERE `id` IN ({_marks(len(chat_ids))}) ORDER BY `id` FOR UPDATE",
            tuple(chat_ids),
        ),
        Statement(
            "SELECT `chat_id`, `user_id` FROM `members` "  # noqa: S608 (placeholders only)
            f"WHERE `chat_id` IN ({_marks(len(chat_ids))}) "
            f"AND `user_id` IN ({_marks(len(actors))})",
            (*chat_ids, *actors),
        ),
    ]
    deleted = _deleted(requests)
    known = _known(requests) if keys else None
    out += [s for s in (deleted, known) if s is not None]
    return Reads(out, deleted is not None, known is not None)


def _deleted(requests: Sequence[EventRequest]) -> Statement | None:
    """Which targeted messages are already deleted (an edit racing a deletion loses)."""
    targets = sorted(
        {
            (r.chat_id, r.target_seq)
            for r in requests
            if r.type is not EventType.MESSAGE_CREATED and r.target_seq is not None
        }
    )
    if not targets:
        return None
    match = " OR ".join(["(`chat_id` = %s AND `target_seq` = %s)"] * len(targets))
    return Statement(
        f"SELECT `chat_id`, `target_seq` FROM `chat_events` WHERE `type` = %s AND ({match})",  # noqa: S608 (placeholders only)
        (EventType.MESSAGE_DELETED.value, *(v for t in targets for v in t)),
    )


def _known(requests: Sequence[EventRequest]) -> Statement | None:
    """Earlier events under the batch's `client_msg_id`s (read only when a repeat is known)."""
    ids = sorted({r.client_msg_id for r in requests if r.client_msg_id})
    if not ids:
        return None
    actors = sorted({r.actor_id for r in requests if r.client_msg_id})
    return Statement(
        f"SELECT {_NAMES} FROM `chat_events` WHERE `actor_id` IN ({_marks(len(actors))}) "  # noqa: S608 (placeholders only)
        f"AND `client_msg_id` IN ({_marks(len(ids))})",
        (*actors, *ids),
    )


def stored(row: Sequence[Any]) -> NewEvent:
    """An event row as read by `reads` (in `COLUMNS` order), converted as Tortoise would."""
    values = dict(zip(COLUMNS, row, strict=True))
    values["created_at"] = _CREATED_AT.to_python_value(values["created_at"])
    values["data"] = _DATA.to_python_value(values["data"]) or {}
    return NewEvent(**values)


def insert_events(rows: Sequence[NewEvent]) -> Statement:
    """One multi-row INSERT for the batch's events."""
    args: list[Any] = []
    for r in rows:
        args += (
            r.chat_id,
            r.seq,
            r.type,
            r.actor_id,
            _CREATED_AT.to_db_value(r.created_at, EventRow),
        )
        args += (r.target_seq, r.client_msg_id, r.content_hash, _DATA.to_db_value(r.data, EventRow))
    sql = f"INSERT INTO `chat_events` ({_NAMES}) VALUES {', '.join([_ROW] * len(rows))}"  # noqa: S608 (placeholders only)
    return Statement(sql, tuple(args))
