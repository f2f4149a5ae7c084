"""The relational adapters raise only `DomainError`s: what the API and the socket can answer."""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from backend.adapters.db.chats import SqlChatRepo
from backend.adapters.db.connection import close_database, open_database
from backend.config import Settings
from backend.domain.errors import InvalidInput, Unavailable


@pytest.fixture
async def settings(tmp_path: Path) -> AsyncIterator[Settings]:
    s = Settings(data_dir=tmp_path)
    await open_database(s)
    yield s
    await close_database()


async def test_a_value_the_columns_cannot_hold_is_invalid_input(settings: Settings) -> None:
    repo = SqlChatRepo()
    with pytest.raises(InvalidInput):
        await repo.get("a" * 40)
    with pytest.raises(InvalidInput):
        await repo.events("c" * 32, 2**63, 2**64)


async def test_a_locked_database_is_unavailable(settings: Settings) -> None:
    """Another process holding SQLite's write lock is an outage as a client sees it: 503."""
    holder = sqlite3.connect(settings.sqlite_path, isolation_level=None, timeout=0)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        with pytest.raises(Unavailable) as caught:
            await SqlChatRepo().mark_read("c" * 32, "u" * 32, 1)
        assert caught.value.code == "database_unavailable"
    finally:
        holder.execute("ROLLBACK")
        holder.close()
