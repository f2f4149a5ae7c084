"""`ChatRepo` on Tortoise: chats, members, and the per-chat `seq` allocation.

`append` is the hot path of every message: one transaction per batch locks the touched chat rows
(in id order, so concurrent replicas cannot deadlock), checks membership and idempotency keys,
inserts the event rows and bumps `last_seq`. The idempotency key `(actor_id, client_msg_id)` is
unique in the schema, so a retry that races its original loses at commit instead of duplicating.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any, cast

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.exceptions import DBConnectionError, IntegrityError, OperationalError
from tortoise.expressions import Case, F, Q, When
from tortoise.functions import Count
from tortoise.transactions import in_transaction

from backend.adapters.db import log_sql, pipelined, reactions
from backend.adapters.db.errors import translated
from backend.adapters.db.log_sql import NewEvent
from backend.adapters.db.models import ChatRow, EventRow, MemberRow
from backend.domain.errors import Conflict, Forbidden, NotFound, Unavailable
from backend.domain.models import Chat, ChatEvent, ChatKind, EventType, Member, Role
from backend.domain.ports import Appended, EventRequest

log = logging.getLogger(__name__)

# Writes more rows inside an append's transaction, given its requests and their results.
Along = Callable[[BaseDBAsyncClient, Sequence[EventRequest], list[Appended]], Awaitable[None]]


RETRIES = 3
# ER_LOCK_DEADLOCK, ER_LOCK_WAIT_TIMEOUT, ER_TABLE_DEF_CHANGED
RETRYABLE = {1213, 1205, 1412}
# Can't connect (local, remote), server gone away, lost connection, too many connections,
# server shutting down: the engine is out, not the request at fault.
OUTAGE = {2002, 2003, 2006, 2013, 1040, 1053}


_CHANGES = (EventType.MESSAGE_UPDATED, EventType.MESSAGE_DELETED)
# Changes that name a message: each is refused once the message's deletion is recorded.
_TARGETED = (*_CHANGES, *reactions.REACTIONS)
# Changes whose transaction reads and writes only the log and the heads (`_append_pipelined`).
_PLAIN = frozenset((EventType.MESSAGE_CREATED, *_CHANGES))


def _is_outage(exc: BaseException) -> bool:
    if isinstance(exc, DBConnectionError | ConnectionError | OSError):
        return True
    return isinstance(exc, OperationalError) and _mysql_errno(exc) in OUTAGE


def _raise_outage(exc: Exception) -> None:
    """Raise the domain's `Unavailable` for an engine outage; return for any other error."""
    if _is_outage(exc):
        raise Unavailable(
            "The database is unavailable; try again.", code="database_unavailable"
        ) from exc


def _mysql_errno(exc: BaseException) -> int | None:
    """The server's error number inside Tortoise's wrapper (the driver error is its argument)."""
    for candidate in (*exc.args, exc.__cause__, exc.__context__):
        args = getattr(candidate, "args", ())
        if args and isinstance(args[0], int):
            return int(args[0])
    return None


def _chat(row: ChatRow) -> Chat:
    return Chat(
        id=row.id,
        kind=ChatKind(row.kind),
        title=row.title,
        created_at=row.created_at,
        last_seq=row.last_seq,
        last_message_seq=row.last_message_seq,
    )


def _member(row: MemberRow) -> Member:
    return Member(
        chat_id=row.chat_id,
        user_id=row.user_id,
        role=Role(row.role),
        joined_at=row.joined_at,
        last_read_seq=row.last_read_seq,
    )


@dataclass(slots=True)
class _Head:
    """A locked chat's row as the batch needs it: its kind and its heads, moved as it allocates."""

    id: str
    kind: str
    last_seq: int
    last_message_seq: int


def _event(row: EventRow | NewEvent) -> ChatEvent:
    return ChatEvent(
        chat_id=row.chat_id,
        seq=row.seq,
        type=EventType(row.type),
        actor_id=row.actor_id,
        created_at=row.created_at,
        target_seq=row.target_seq,
        data=dict(row.data or {}),
    )


async def _store_heads(conn: BaseDBAsyncClient, chats: Sequence[_Head]) -> None:
    """Every locked chat's new `last_seq` and `last_message_seq` in one statement: a batch over
    many chats pays one round trip here, not one per chat."""
    if len(chats) == 1:
        chat = chats[0]
        await (
            ChatRow.filter(id=chat.id)
            .using_db(conn)
            .update(last_seq=chat.last_seq, last_message_seq=chat.last_message_seq)
        )
        return
    if not chats:
        return
    if conn.capabilities.dialect == "mysql":
        await _store_heads_mysql(conn, chats)
        return
    await (
        ChatRow.filter(id__in=[c.id for c in chats])
        .using_db(conn)
        .update(
            last_seq=Case(
                *(When(id=c.id, then=cast(Any, c.last_seq)) for c in chats), default=F("last_seq")
            ),
            last_message_seq=Case(
                *(When(id=c.id, then=cast(Any, c.last_message_seq)) for c in chats),
                default=F("last_message_seq"),
            ),
        )
    )


async def _store_heads_mysql(conn: BaseDBAsyncClient, chats: Sequence[_Head]) -> None:
    heads = _heads_mysql(chats)
    await conn.execute_query(heads.sql, list(heads.args))


def _heads_mysql(chats: Sequence[_Head]) -> pipelined.Statement:
    """The heads' statement with the primary key forced: on a small table MariaDB updates by a full
    scan, which locks every chat's row, so two transactions over disjoint chats deadlock (seen
    with 10 chats and two allocating at once). Its `id IN` range locks only the batch's rows."""
    cases = " ".join("WHEN %s THEN %s" for _ in chats)
    sql = (
        f"UPDATE `chats` FORCE INDEX (PRIMARY) SET "  # noqa: S608 (placeholders only)
        f"`last_seq` = CASE `id` {cases} ELSE `last_seq` END, "
        f"`last_message_seq` = CASE `id` {cases} ELSE `last_message_seq` END "
        f"WHERE `id` IN ({', '.join('%s' for _ in chats)})"
    )
    values: list[object] = [v for c in chats for v in (c.id, c.last_seq)]
    values += [v for c in chats for v in (c.id, c.last_message_seq)]
    values += [c.id for c in chats]
    return pipelined.Statement(sql, tuple(values))


class _Batch:
    """State of one `append` transaction: what is locked, who is a member, what is allocated."""

    def __init__(
        self,
        chats: dict[str, _Head],
        members: set[tuple[str, str]],
        deleted: set[tuple[str, int]],
    ) -> None:
        self.chats = chats
        self.members = members
        self.deleted = deleted  # (chat_id, seq) of messages whose deletion is recorded
        self.rows: list[NewEvent] = []
        self.keys: dict[tuple[str, str], EventRow | NewEvent] = {}
        self.added: list[MemberRow] = []
        self.removed: list[tuple[str, str]] = []
        self.reactions = reactions.ReactionBatch({})

    def allocate(self, req: EventRequest) -> NewEvent:
        chat = self.chats[req.chat_id]
        chat.last_seq += 1
        if req.type is EventType.MESSAGE_CREATED:
            chat.last_message_seq = chat.last_seq
        row = NewEvent(
            req.chat_id,
            chat.last_seq,
            req.type.value,
            req.actor_id,
            req.created_at,
            req.target_seq,
            req.client_msg_id,
            req.content_hash,
            req.data,
        )
        self.rows.append(row)
        return row


@translated
class SqlChatRepo:
    async def create(self, chat: Chat, members: Sequence[Member]) -> Chat:
        async with in_transaction() as conn:
            await self._insert(conn, chat, members, None)
        return chat

    async def create_direct(self, chat: Chat, members: Sequence[Member], key: str) -> Chat:
        existing = await ChatRow.get_or_none(direct_key=key)
        if existing is not None:
            return _chat(existing)
        try:
            async with in_transaction() as conn:
                await self._insert(conn, chat, members, key)
        except IntegrityError:
            # Both users opened the chat at once: the other insert won; return its chat.
            row = await ChatRow.get(direct_key=key)
            return _chat(row)
        return chat

    async def _insert(
        self, conn: BaseDBAsyncClient, chat: Chat, members: Sequence[Member], key: str | None
    ) -> None:
        await ChatRow.create(
            using_db=conn,
            id=chat.id,
            kind=chat.kind.value,
            title=chat.title,
            created_at=chat.created_at,
            last_seq=0,
            last_message_seq=0,
            direct_key=key,
        )
        await MemberRow.bulk_create(
            [
                MemberRow(
                    chat_id=m.chat_id,
                    user_id=m.user_id,
                    role=m.role.value,
                    joined_at=m.joined_at,
                    last_read_seq=0,
                )
                for m in members
            ],
            using_db=conn,
        )

    async def get(self, chat_id: str) -> Chat | None:
        row = await ChatRow.get_or_none(id=chat_id)
        return _chat(row) if row else None

    async def member(self, chat_id: str, user_id: str) -> Member | None:
        row = await MemberRow.get_or_none(chat_id=chat_id, user_id=user_id)
        return _member(row) if row else None

    async def members(self, chat_id: str) -> list[Member]:
        rows = await MemberRow.filter(chat_id=chat_id).order_by("joined_at", "id")
        return [_member(r) for r in rows]

    async def memberships(self, user_id: str) -> list[tuple[Chat, Member]]:
        members = {r.chat_id: r for r in await MemberRow.filter(user_id=user_id)}
        if not members:
            return []
        chats = await ChatRow.filter(id__in=list(members))
        return [(_chat(c), _member(members[c.id])) for c in chats]

    async def member_counts(self, chat_ids: Sequence[str]) -> dict[str, int]:
        if not chat_ids:
            return {}
        rows = (
            await MemberRow.filter(chat_id__in=list(chat_ids))
            .annotate(n=Count("id"))
            .group_by("chat_id")
            .values("chat_id", "n")
        )
        return {str(r["chat_id"]): int(r["n"]) for r in rows}

    async def direct_peers(self, user_id: str, chat_ids: Sequence[str]) -> dict[str, str]:
        if not chat_ids:
            return {}
        rows = await MemberRow.filter(chat_id__in=list(chat_ids)).exclude(user_id=user_id)
        return {r.chat_id: r.user_id for r in rows}

    async def events(self, chat_id: str, after_seq: int, upto_seq: int) -> list[ChatEvent]:
        rows = await EventRow.filter(
            chat_id=chat_id, seq__gt=after_seq, seq__lte=upto_seq
        ).order_by("seq")
        return [_event(r) for r in rows]

    async def unread_counts(
        self, reader_id: str, markers: Sequence[tuple[str, int]]
    ) -> dict[str, int]:
        """Messages after each marker not sent by the reader, less those deleted since: counted
        on the event log, so a message is counted the moment its `seq` is committed."""
        counts = {chat_id: 0 for chat_id, _ in markers}
        if not markers:
            return counts
        after = Q()
        for chat_id, last_read in markers:
            created = Q(type=EventType.MESSAGE_CREATED.value, seq__gt=last_read)
            deleted = Q(type=EventType.MESSAGE_DELETED.value, target_seq__gt=last_read)
            after |= Q(chat_id=chat_id) & (created | deleted)
        rows = (
            await EventRow.filter(after)
            .exclude(actor_id=reader_id)
            .annotate(n=Count("id"))
            .group_by("chat_id", "type")
            .values("chat_id", "type", "n")
        )
        for row in rows:
            sign = 1 if row["type"] == EventType.MESSAGE_CREATED.value else -1
            counts[row["chat_id"]] += sign * int(row["n"])
        return counts

    async def mark_read(self, chat_id: str, user_id: str, seq: int) -> int:
        await MemberRow.filter(chat_id=chat_id, user_id=user_id, last_read_seq__lt=seq).update(
            last_read_seq=seq
        )
        row = await MemberRow.get_or_none(chat_id=chat_id, user_id=user_id)
        if row is None:
            raise NotFound("No such chat.", code="chat_not_found")
        return int(row.last_read_seq)

    async def reactions(
        self, chat_id: str, seqs: Sequence[int]
    ) -> dict[int, dict[str, tuple[str, ...]]]:
        return await reactions.reactions(chat_id, seqs)

    async def set_role(self, chat_id: str, user_id: str, role: Role) -> None:
        await MemberRow.filter(chat_id=chat_id, user_id=user_id).update(role=role.value)

    async def append(
        self, requests: Sequence[EventRequest], along: Along | None = None
    ) -> list[Appended]:
        """`along`, if given, writes in the same transaction once the events are recorded (the
        joint log: new message rows commit with their events)."""
        if not requests:
            return []
        try:
            # First without reading the `client_msg_id`s back: the unique key refuses a repeat,
            # and a refused batch runs again with them read (a retry is rare; a read per batch
            # is one round trip more on every send).
            return await self._append_retrying(requests, along, keys=False)
        except IntegrityError:
            pass
        except Exception as exc:
            _raise_outage(exc)
            raise
        try:
            return await self._append_retrying(requests, along, keys=True)
        except Exception as exc:
            _raise_outage(exc)
            if not isinstance(exc, IntegrityError):
                raise
            if len(requests) == 1:
                # A concurrent retry of the same client_msg_id committed first: report it.
                return [await self._duplicate_or_error(requests[0])]
        # Retry one by one so one bad request cannot fail the others.
        out: list[Appended] = []
        for req in requests:
            out.extend(await self.append([req], along))
        return out

    async def _append_retrying(
        self, requests: Sequence[EventRequest], along: Along | None, *, keys: bool
    ) -> list[Appended]:
        """MySQL may refuse a transaction it could simply run again: a deadlock, a lock wait
        timeout, or a table whose definition changed under it (an online migration). The
        transaction rolled back whole, so running it again is safe."""
        for attempt in range(RETRIES + 1):
            try:
                return await self._transact(requests, along, keys=keys)
            except IntegrityError:
                raise
            except OperationalError as exc:
                code = _mysql_errno(exc)
                if code not in RETRYABLE or attempt == RETRIES:
                    raise
                log.warning("append retried after MySQL error %s (attempt %d)", code, attempt + 1)
                await asyncio.sleep(random.uniform(0.005, 0.05) * (attempt + 1))  # noqa: S311
        raise AssertionError("unreachable")

    async def _transact(
        self, requests: Sequence[EventRequest], along: Along | None, *, keys: bool
    ) -> list[Appended]:
        if along is None and pipelined.available() and all(r.type in _PLAIN for r in requests):
            return await self._append_pipelined(requests, keys=keys)
        async with in_transaction() as conn:
            results = await self._append(conn, requests, keys=keys)
            if along is not None:
                await along(conn, requests, results)
            return results

    async def _append_pipelined(
        self, requests: Sequence[EventRequest], *, keys: bool
    ) -> list[Appended]:
        """The transaction of `_append` for message changes on MySQL, in two round trips: the
        lock, the members and the other reads in one; the inserts, heads and COMMIT in the next."""
        reads = log_sql.reads(requests, keys=keys)
        out: list[Appended] = []

        def decide(found: list[pipelined.Rows]) -> list[pipelined.Statement]:
            heads, members = found[0], found[1]
            rest = iter(found[2:])
            deleted = {(str(c), int(s)) for c, s in next(rest)} if reads.deleted else set()
            stored = map(log_sql.stored, next(rest)) if reads.keys else ()
            known = {(r.actor_id, r.client_msg_id or ""): r for r in stored}
            batch = _Batch(
                {str(h[0]): _Head(str(h[0]), str(h[1]), int(h[2]), int(h[3])) for h in heads},
                {(str(c), str(u)) for c, u in members},
                deleted,
            )
            results = [self._apply(batch, known, req) for req in requests]
            out.extend(r if isinstance(r, Appended) else Appended(_event(r)) for r in results)
            if not batch.rows:
                return []
            return [log_sql.insert_events(batch.rows), _heads_mysql(list(batch.chats.values()))]

        await pipelined.transact(reads.statements, decide)
        return out

    async def _duplicate_or_error(self, req: EventRequest) -> Appended:
        if req.client_msg_id:
            row = await EventRow.get_or_none(actor_id=req.actor_id, client_msg_id=req.client_msg_id)
            if row is not None:
                return self._check_duplicate(req, row)
        return Appended(None, error=Conflict("The change conflicted; try again.", code="conflict"))

    @staticmethod
    def _check_duplicate(req: EventRequest, row: EventRow | NewEvent) -> Appended:
        if row.chat_id != req.chat_id or row.content_hash != req.content_hash:
            return Appended(
                None,
                error=Conflict(
                    "This client_msg_id was already used for a different message.",
                    code="client_msg_id_reused",
                ),
            )
        return Appended(_event(row), duplicate=True)

    async def _append(
        self, conn: BaseDBAsyncClient, requests: Sequence[EventRequest], *, keys: bool
    ) -> list[Appended]:
        """`keys`: read earlier uses of the batch's `client_msg_id`s; without, a repeat fails the
        insert on the unique key (and the caller runs the batch again with them read)."""
        batch = await self._lock(conn, requests)
        known = await self._known_keys(conn, requests) if keys else {}
        results = [self._apply(batch, known, req) for req in requests]
        if batch.rows:
            await EventRow.bulk_create([EventRow(**asdict(r)) for r in batch.rows], using_db=conn)
        if batch.added:
            await MemberRow.bulk_create(batch.added, using_db=conn)
        for chat_id, user_id in batch.removed:
            await MemberRow.filter(chat_id=chat_id, user_id=user_id).using_db(conn).delete()
        await batch.reactions.store(conn)
        await _store_heads(conn, list(batch.chats.values()))
        return [r if isinstance(r, Appended) else Appended(_event(r)) for r in results]

    async def _lock(self, conn: BaseDBAsyncClient, requests: Sequence[EventRequest]) -> _Batch:
        chat_ids = sorted({r.chat_id for r in requests})
        rows = (
            await ChatRow.filter(id__in=chat_ids).order_by("id").select_for_update().using_db(conn)
        )
        users = {r.actor_id for r in requests} | {
            str(r.data["user_id"]) for r in requests if "user_id" in r.data
        }
        members = await MemberRow.filter(chat_id__in=chat_ids, user_id__in=list(users)).using_db(
            conn
        )
        deleted = await self._deleted(conn, requests)
        heads = {r.id: _Head(r.id, r.kind, r.last_seq, r.last_message_seq) for r in rows}
        batch = _Batch(heads, {(m.chat_id, m.user_id) for m in members}, deleted)
        batch.reactions = await reactions.load(conn, requests)
        return batch

    @staticmethod
    async def _deleted(
        conn: BaseDBAsyncClient, requests: Sequence[EventRequest]
    ) -> set[tuple[str, int]]:
        """Which targeted messages are already deleted, read under the chats' locks: an edit
        racing a deletion is decided here, so a deleted message never comes back."""
        targets = [(r.chat_id, r.target_seq) for r in requests if r.type in _TARGETED]
        if not targets:
            return set()
        match = Q()
        for chat_id, seq in targets:
            match |= Q(chat_id=chat_id, target_seq=seq)
        rows = (
            await EventRow.filter(match, type=EventType.MESSAGE_DELETED.value)
            .using_db(conn)
            .values_list("chat_id", "target_seq")
        )
        return {(str(c), int(s)) for c, s in rows}

    async def _known_keys(
        self, conn: BaseDBAsyncClient, requests: Sequence[EventRequest]
    ) -> dict[tuple[str, str], EventRow | NewEvent]:
        ids = [r.client_msg_id for r in requests if r.client_msg_id]
        if not ids:
            return {}
        actors = list({r.actor_id for r in requests if r.client_msg_id})
        rows = await EventRow.filter(actor_id__in=actors, client_msg_id__in=ids).using_db(conn)
        return {(r.actor_id, r.client_msg_id or ""): r for r in rows}

    def _apply(
        self,
        batch: _Batch,
        known: Mapping[tuple[str, str], EventRow | NewEvent],
        req: EventRequest,
    ) -> Appended | NewEvent:
        if req.chat_id not in batch.chats or (req.chat_id, req.actor_id) not in batch.members:
            return Appended(None, error=NotFound("No such chat.", code="chat_not_found"))
        if req.client_msg_id:
            key = (req.actor_id, req.client_msg_id)
            previous = known.get(key) or batch.keys.get(key)
            if previous is not None:
                return self._check_duplicate(req, previous)
        error = (
            self._member_change(batch, req)
            or self._message_change(batch, req)
            or batch.reactions.change(req, batch.deleted)
        )
        if isinstance(error, reactions.Unchanged):
            return Appended(None)  # already as asked: no event, no `seq`
        if error is not None:
            return Appended(None, error=error)
        row = batch.allocate(req)
        if req.client_msg_id:
            batch.keys[(req.actor_id, req.client_msg_id)] = row
        if req.type is EventType.MEMBER_ADDED:
            batch.added.append(
                MemberRow(
                    chat_id=req.chat_id,
                    user_id=str(req.data["user_id"]),
                    role=str(req.data.get("role", Role.MEMBER.value)),
                    joined_at=req.created_at,
                    last_read_seq=row.seq,
                )
            )
        return row

    @staticmethod
    def _message_change(batch: _Batch, req: EventRequest) -> Exception | None:
        """An edit or deletion of a deleted message is refused; a deletion is recorded."""
        if req.type not in _CHANGES or req.target_seq is None:
            return None
        key = (req.chat_id, req.target_seq)
        if key in batch.deleted:
            return NotFound("No such message.", code="message_not_found")
        if req.type is EventType.MESSAGE_DELETED:
            batch.deleted.add(key)
        return None

    @staticmethod
    def _member_change(batch: _Batch, req: EventRequest) -> Exception | None:
        """Apply a member event to the batch's view of membership; an error refuses it."""
        user_id: Any = req.data.get("user_id")
        if req.type is EventType.MEMBER_ADDED:
            if batch.chats[req.chat_id].kind == ChatKind.DIRECT.value:
                return Forbidden("A direct chat has exactly two members.", code="direct_chat")
            if (req.chat_id, user_id) in batch.members:
                return Conflict("Already a member of this chat.", code="already_member")
            batch.members.add((req.chat_id, str(user_id)))
        elif req.type is EventType.MEMBER_REMOVED:
            if (req.chat_id, user_id) not in batch.members:
                return NotFound("Not a member of this chat.", code="member_not_found")
            batch.members.discard((req.chat_id, str(user_id)))
            batch.removed.append((req.chat_id, str(user_id)))
        return None
