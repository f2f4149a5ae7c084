"""Two replicas' message services over one relational store and one message store: an edit whose
`seq` was allocated before its racing deletion's, but whose message-store write lands after it,
never brings the deleted message back (nor does any stale write undo a newer state).

The second replica is a second `MessageService` with its own pipeline, in this process, over the
same database and the same real message store (SQLite + the SQL store, or SQLite + the real
Elasticsearch node); its store writes of edits are held until the deletion is stored, which is
what a slow bulk request on one replica looks like to the other.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence
from pathlib import Path
from typing import Any, cast

import pytest

from backend.bootstrap import Container, build
from backend.config import Secret, Settings
from backend.domain.models import Message
from backend.domain.ports import MessageStore
from backend.services.messages import MessageService
from backend.services.pipeline import Pipeline
from tests.backend.integration.test_message_store_contract import drop_prefix
from tests.support.engines import engine, unique


class HeldStore:
    """A replica's message store whose writes of edits wait until `release` is set."""

    def __init__(self, inner: MessageStore) -> None:
        self._inner = inner
        self.holding = asyncio.Event()
        self.release = asyncio.Event()

    async def write(self, messages: Sequence[Message]) -> None:
        if any(m.version and not m.deleted for m in messages):
            self.holding.set()
            await self.release.wait()
        await self._inner.write(messages)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)


@pytest.fixture(params=["sql", pytest.param("elastic", marks=pytest.mark.engines)])
async def container(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Container]:
    settings = Settings(data_dir=tmp_path)
    prefix = unique("race").lower()
    if request.param == "elastic":
        settings = Settings(
            data_dir=tmp_path,
            elasticsearch_url=engine("ELASTICSEARCH_URL"),
            elasticsearch_prefix=prefix,
            jwt_secret=Secret("race-test-secret-" + "x" * 32),
            jwt_kid="k1",
        )
    c = await build(settings)
    try:
        yield c
    finally:
        await c.close()
        if request.param == "elastic":
            await drop_prefix(settings.elasticsearch_url, prefix)


def second_replica(c: Container, store: MessageStore) -> tuple[MessageService, Pipeline]:
    first = c.messages
    repo = first._repo  # the shared relational store, as replicas share MySQL
    pipeline = Pipeline(repo, store, c.bus)
    pipeline.start()
    service = MessageService(
        c.chats,
        repo,
        store,
        c.bus,
        c.limiter,
        pipeline,
        first._clock,
        first._limits,
    )
    return service, pipeline


async def test_an_edit_stored_after_its_racing_deletion_never_resurrects_it(
    container: Container,
) -> None:
    c = container
    owner = await c.auth.register("alice", "alice@example.org", "correct horse 1", "", "127.0.0.1")
    chat_id = (await c.chats.create_group(owner.id, "race", [])).summary.chat.id
    sent, _ = await c.messages.send(owner.id, chat_id, "m1", "original")
    shared = c.messages._store
    held = HeldStore(shared)
    other, pipeline = second_replica(c, cast(MessageStore, held))
    try:
        edit = asyncio.create_task(other.edit(owner.id, chat_id, sent.seq, "edited"))
        await asyncio.wait_for(held.holding.wait(), 30)  # its seq is taken; its write in flight
        deleted = await c.messages.delete(owner.id, chat_id, sent.seq)
        held.release.set()
        edited = await asyncio.wait_for(edit, 30)
    finally:
        held.release.set()
        await pipeline.close()
    assert edited.version < deleted.version  # the edit's event came first, its write last

    got = (await shared.get([(chat_id, sent.seq)]))[(chat_id, sent.seq)]
    assert (got.deleted, got.text) == (True, None)
    page, _ = await c.messages.history(owner.id, chat_id, None, None, 50)
    assert [(m.seq, m.deleted, m.text) for m in page] == [(sent.seq, True, None)]
