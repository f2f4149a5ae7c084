"""The joint log: where the message rows live in the relational database (the embedded default),
a batch's new messages are inserted in the transaction that allocates their `seq`s.

One durable commit per batch instead of two, and never an event without its message: a resume
reading the log always finds the contents beside it. Edits and deletes still go through the
message store's own write (its conditional update), after the commit. On SQLite a batch of
plain sends takes the one-thread-call fast path of `sqlite_joint`.
"""

from __future__ import annotations

from collections.abc import Sequence

from tortoise import connections
from tortoise.backends.base.client import BaseDBAsyncClient

from backend.adapters.db.chats import SqlChatRepo
from backend.adapters.db.errors import translated
from backend.adapters.db.models import MessageRow
from backend.adapters.messages import sqlite_joint
from backend.adapters.messages.sql import _row as message_row
from backend.adapters.messages.sql_search import replace_terms
from backend.domain.ports import Appended, EventRequest

NewMessages = sqlite_joint.NewMessages


@translated
class SqlJointLog:
    def __init__(self, chats: SqlChatRepo) -> None:
        self._chats = chats

    async def append_with(
        self, requests: Sequence[EventRequest], new_messages: NewMessages
    ) -> list[Appended]:
        async def along(
            conn: BaseDBAsyncClient, reqs: Sequence[EventRequest], results: list[Appended]
        ) -> None:
            messages = new_messages(reqs, results)
            if messages:  # fresh `seq`s, so fresh ids: insert, nothing to look up first
                await MessageRow.bulk_create([message_row(m) for m in messages], using_db=conn)
                await replace_terms(conn, messages)

        client = connections.get("default")
        if sqlite_joint.fits(client, requests):
            done = await sqlite_joint.append_new(client, requests, new_messages)
            if done is not None:
                return done
        return await self._chats.append(requests, along)
