"""The joint log's SQLite fast path: a batch of new messages in ONE call into the SQLite thread.

The ORM path hands every statement to aiosqlite's worker and back (a dozen round trips per
batch, each a loop wake-up) and builds a model object per row; on the embedded default that was
a third of a send's CPU. Here the whole transaction (read the chats and memberships, allocate
the `seq`s, insert events, messages and search terms with `executemany`, bump the chats,
commit) is one plain function run on aiosqlite's thread, under the Tortoise client's lock, so
nothing else interleaves with it. The Tortoise models and migrations stay the schema; values
are encoded with the models' own JSON encoders and sqlite3's datetime adapter, as the ORM does.

Only batches of plain sends without anything already known come here: a batch with a retried
`client_msg_id` (a duplicate to report), or one the database refuses (a constraint), returns
`None` and the caller runs the ORM path, which isolates, reports and retries exactly as before.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any

from tortoise.backends.base.client import TransactionalDBClient
from tortoise.backends.sqlite.client import SqliteClient

from backend.adapters.db.models import EventRow, MessageRow
from backend.adapters.messages import attachments as stored
from backend.domain.errors import NotFound
from backend.domain.models import ChatEvent, EventType, Message
from backend.domain.ports import Appended, EventRequest
from backend.domain.search.analysis import index_terms

# The pipeline's choice of what to insert, given a transaction's requests and their results.
NewMessages = Callable[[Sequence[EventRequest], Sequence[Appended]], list[Message]]

_EVENT_JSON: Callable[[Any], str] = EventRow._meta.fields_map["data"].encoder  # type: ignore[attr-defined]
_MESSAGE_JSON: Callable[[Any], str] = MessageRow._meta.fields_map["attachments"].encoder  # type: ignore[attr-defined]

_INSERT_EVENT = (
    "INSERT INTO chat_events (chat_id, seq, type, actor_id, created_at, target_seq,"
    " client_msg_id, content_hash, data) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
)
_INSERT_MESSAGE = (
    "INSERT INTO messages (id, chat_id, seq, sender_id, text, created_at, edited_at, deleted,"
    " client_msg_id, attachments, reply_to_seq, version)"
    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)
_INSERT_TERMS = "INSERT INTO message_terms (message_id, chat, terms, words) VALUES (?, ?, ?, ?)"
_BUMP = "UPDATE chats SET last_seq = ?, last_message_seq = ? WHERE id = ?"


class _Fallback(Exception):
    """This batch needs the ORM path (a known key to report, or a refused row)."""


def fits(client: Any, requests: Sequence[EventRequest]) -> bool:
    """Whether the fast path may take this batch: SQLite outside any transaction (it begins its
    own), and only new messages."""
    plain = isinstance(client, SqliteClient) and not isinstance(client, TransactionalDBClient)
    return plain and all(r.type is EventType.MESSAGE_CREATED for r in requests)


async def append_new(
    client: SqliteClient, requests: Sequence[EventRequest], new_messages: NewMessages
) -> list[Appended] | None:
    """The batch committed in one thread call, or None if the ORM path must take it."""
    async with client._lock:  # the lock every Tortoise statement and transaction takes
        if client._connection is None:
            await client.create_connection(with_db=True)
        assert client._connection is not None
        db = client._connection
        try:
            # aiosqlite has no public "run this function on your thread"; `_execute` is what its
            # own `execute` uses (aiosqlite pinned in pyproject).
            result: list[Appended] = await db._execute(  # type: ignore[no-untyped-call]
                _transaction, db._conn, requests, new_messages
            )
        except _Fallback:
            return None
        return result


def _transaction(
    db: sqlite3.Connection, requests: Sequence[EventRequest], new_messages: NewMessages
) -> list[Appended]:
    """Runs on the SQLite thread: everything between BEGIN and COMMIT, or a rollback."""
    db.execute("BEGIN IMMEDIATE")
    try:
        results = _write(db, requests, new_messages)
    except BaseException:
        db.execute("ROLLBACK")
        raise
    db.execute("COMMIT")
    return results


def _write(
    db: sqlite3.Connection, requests: Sequence[EventRequest], new_messages: NewMessages
) -> list[Appended]:
    chats = _chats(db, requests)
    members = _members(db, requests)
    if _known(db, requests):
        raise _Fallback
    results: list[Appended] = []
    events: list[tuple[Any, ...]] = []
    bumped: dict[str, int] = {}  # only chats that took a seq: a new message is their last
    for req in requests:
        last = chats.get(req.chat_id)
        if last is None or (req.chat_id, req.actor_id) not in members:
            results.append(Appended(None, error=NotFound("No such chat.", code="chat_not_found")))
            continue
        seq = chats[req.chat_id] = bumped[req.chat_id] = last + 1
        results.append(Appended(_event(req, seq)))
        events.append(_event_values(req, seq))
    if events:
        try:
            db.executemany(_INSERT_EVENT, events)
            _insert_messages(db, new_messages(requests, results))
        except sqlite3.IntegrityError as exc:
            raise _Fallback from exc
        db.executemany(_BUMP, [(seq, seq, chat_id) for chat_id, seq in bumped.items()])
    return results


def _marks(n: int) -> str:
    return ",".join("?" * n)


def _chats(db: sqlite3.Connection, requests: Sequence[EventRequest]) -> dict[str, int]:
    ids = sorted({r.chat_id for r in requests})
    sql = f"SELECT id, last_seq FROM chats WHERE id IN ({_marks(len(ids))})"  # noqa: S608
    return {str(row[0]): int(row[1]) for row in db.execute(sql, ids)}


def _members(db: sqlite3.Connection, requests: Sequence[EventRequest]) -> set[tuple[str, str]]:
    chats = sorted({r.chat_id for r in requests})
    users = sorted({r.actor_id for r in requests})
    sql = (
        f"SELECT chat_id, user_id FROM members WHERE chat_id IN ({_marks(len(chats))})"  # noqa: S608
        f" AND user_id IN ({_marks(len(users))})"
    )
    return {(str(row[0]), str(row[1])) for row in db.execute(sql, [*chats, *users])}


def _known(db: sqlite3.Connection, requests: Sequence[EventRequest]) -> bool:
    """Whether any key was used before (a duplicate to report), here or earlier in the batch."""
    keys = [(r.actor_id, r.client_msg_id) for r in requests if r.client_msg_id]
    if len(set(keys)) < len(keys):
        return True
    if not keys:
        return False
    ids = sorted({k for _, k in keys})
    actors = sorted({a for a, _ in keys})
    sql = (
        "SELECT actor_id, client_msg_id FROM chat_events"  # noqa: S608
        f" WHERE actor_id IN ({_marks(len(actors))}) AND client_msg_id IN ({_marks(len(ids))})"
    )
    found = {(str(row[0]), str(row[1])) for row in db.execute(sql, [*actors, *ids])}
    return any(k in found for k in keys)


def _when(moment: datetime) -> str:
    """As Tortoise stores a datetime on SQLite (sqlite3's adapter after its UTC conversion)."""
    aware = moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
    return aware.astimezone(UTC).isoformat(" ")


def _event(req: EventRequest, seq: int) -> ChatEvent:
    return ChatEvent(
        chat_id=req.chat_id,
        seq=seq,
        type=req.type,
        actor_id=req.actor_id,
        created_at=req.created_at,
        target_seq=req.target_seq,
        data=dict(req.data),
    )


def _event_values(req: EventRequest, seq: int) -> tuple[Any, ...]:
    return (
        req.chat_id,
        seq,
        req.type.value,
        req.actor_id,
        _when(req.created_at),
        req.target_seq,
        req.client_msg_id,
        req.content_hash,
        _EVENT_JSON(req.data),
    )


def _insert_messages(db: sqlite3.Connection, messages: Sequence[Message]) -> None:
    if not messages:
        return
    db.executemany(_INSERT_MESSAGE, [_message_values(m) for m in messages])
    terms = []
    for m in messages:
        found, words = index_terms(m.text, [a.name for a in m.attachments])
        if (found or words) and not m.deleted:
            terms.append((m.id, m.chat_id, found, words))
    if terms:  # fresh ids, so no old terms to replace
        db.executemany(_INSERT_TERMS, terms)


def _message_values(m: Message) -> tuple[Any, ...]:
    return (
        m.id,
        m.chat_id,
        m.seq,
        m.sender_id,
        m.text,
        _when(m.created_at),
        None if m.edited_at is None else _when(m.edited_at),
        int(m.deleted),
        m.client_msg_id,
        _MESSAGE_JSON(stored.records(m.attachments)),
        m.reply_to_seq,
        m.revision,
    )
