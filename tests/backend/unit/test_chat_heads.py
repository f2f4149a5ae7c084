"""One transaction over many chats: each chat's head (`last_seq`, `last_message_seq`) is written
in one statement, and each chat keeps its own count, across batches."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from backend.adapters.db.chats import SqlChatRepo
from backend.adapters.db.connection import close_database, open_database
from backend.config import Settings
from backend.domain.models import EventType
from backend.domain.ports import EventRequest
from tests.support.chat_log import NOW, seed_chats

CHATS = ["c-one", "c-two", "c-three"]


@pytest.fixture
async def repo(tmp_path: Path) -> AsyncIterator[SqlChatRepo]:
    await open_database(Settings(data_dir=tmp_path))
    repo = await seed_chats(CHATS)
    try:
        yield repo
    finally:
        await close_database()


def send(chat_id: str, n: int) -> EventRequest:
    return EventRequest(
        chat_id, EventType.MESSAGE_CREATED, "u-alice", NOW, client_msg_id=f"{chat_id}-{n}"
    )


async def test_a_batch_over_many_chats_advances_each_head_by_its_own_count(
    repo: SqlChatRepo,
) -> None:
    counts = {"c-one": 3, "c-two": 1, "c-three": 2}
    for round_ in range(2):
        batch = [send(c, round_ * 10 + i) for c, n in counts.items() for i in range(n)]
        results = await repo.append(batch)
        assert all(r.event is not None and r.error is None for r in results)
    for chat_id, n in counts.items():
        chat = await repo.get(chat_id)
        assert chat is not None
        assert (chat.last_seq, chat.last_message_seq) == (2 * n, 2 * n)
        assert [e.seq for e in await repo.events(chat_id, 0, 100)] == list(range(1, 2 * n + 1))


async def test_a_batch_of_one_chat_advances_only_that_head(repo: SqlChatRepo) -> None:
    await repo.append([send("c-two", 1), send("c-two", 2)])
    heads = [(await repo.get(c)) for c in CHATS]
    assert [(h.last_seq if h else None) for h in heads] == [0, 2, 0]
