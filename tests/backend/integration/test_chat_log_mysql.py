"""The event log on the real MariaDB with several transactions allocating at once (two lanes of
one replica, or two replicas): transactions over disjoint chats of a small table never deadlock
each other, every head counts exactly its own chat's events, and a repeated `client_msg_id`
comes back as the duplicate it is, alone or inside a batch."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from backend.adapters.db.chats import SqlChatRepo
from backend.adapters.db.connection import close_database, open_database
from backend.config import Settings
from backend.domain.models import EventType
from backend.domain.ports import EventRequest
from tests.support.chat_log import NOW, seed_chats
from tests.support.engines import drop_database, engine, mysql_database, unique

pytestmark = pytest.mark.engines

CHATS = [f"chat{i:02d}" for i in range(10)]  # small: MariaDB scans rather than seeks


@pytest.fixture
async def repo(tmp_path: Path) -> AsyncIterator[SqlChatRepo]:
    url = mysql_database(engine("MYSQL_URL"), unique("log"))
    await open_database(Settings(data_dir=tmp_path, database_url=url))
    repo = await seed_chats(CHATS)
    try:
        yield repo
    finally:
        await close_database()
        drop_database(url, urlsplit(url).path.lstrip("/"))


def send(chat_id: str, key: str) -> EventRequest:
    return EventRequest(chat_id, EventType.MESSAGE_CREATED, "u-alice", NOW, client_msg_id=key)


async def test_transactions_over_disjoint_chats_run_at_once_without_deadlocks(
    repo: SqlChatRepo, caplog: pytest.LogCaptureFixture
) -> None:
    halves = [CHATS[0::2], CHATS[1::2]]
    rounds = 30

    async def lane(chats: list[str]) -> None:
        for r in range(rounds):
            results = await repo.append([send(c, f"{c}-{r}") for c in chats])
            assert all(x.event is not None and x.error is None for x in results), results

    with caplog.at_level(logging.WARNING, logger="backend.adapters.db.chats"):
        await asyncio.gather(*(lane(h) for h in halves))
    # A deadlock is retried (so the sends above succeed anyway), but costs both a round trip.
    assert not [r.message for r in caplog.records if "retried" in r.message]
    for chat_id in CHATS:
        chat = await repo.get(chat_id)
        assert chat is not None and (chat.last_seq, chat.last_message_seq) == (rounds, rounds)
        assert [e.seq for e in await repo.events(chat_id, 0, 100)] == list(range(1, rounds + 1))


async def test_a_repeated_client_msg_id_in_a_batch_is_its_first_event(repo: SqlChatRepo) -> None:
    [first] = await repo.append([send("chat01", "k-1")])
    assert first.event is not None
    results = await repo.append([send("chat01", "k-2"), send("chat01", "k-1")])
    assert results[0].event is not None and results[0].event.seq == 2
    assert results[1].duplicate and results[1].event is not None
    assert results[1].event.seq == first.event.seq
    chat = await repo.get("chat01")
    assert chat is not None and chat.last_seq == 2
