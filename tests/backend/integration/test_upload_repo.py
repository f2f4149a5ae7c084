"""The upload sessions' store, on SQLite's own file and on the real MariaDB: a session reads back
exactly as written, and only the chunk that still sees the offset it read moves it on (the two
per-chunk statements are written by hand, one per dialect)."""

from __future__ import annotations

import contextlib
import secrets
from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest

from backend.adapters.db.connection import close_database, open_database, open_upload_store
from backend.adapters.db.uploads import SqlUploadRepo
from backend.config import Secret, Settings
from backend.domain.models import UploadSession
from tests.support.engines import drop_database, engine, mysql_database, unique


@contextlib.asynccontextmanager
async def sqlite_repo(tmp_path: Path) -> AsyncIterator[SqlUploadRepo]:
    settings = Settings(data_dir=tmp_path)
    await open_database(settings)
    own = await open_upload_store(settings)
    try:
        yield SqlUploadRepo(own)
    finally:
        if own is not None:
            await own.close()
        await close_database()


@contextlib.asynccontextmanager
async def mysql_repo(tmp_path: Path) -> AsyncIterator[SqlUploadRepo]:
    url = mysql_database(engine("MYSQL_URL"), unique("uploads"))
    settings = Settings(data_dir=tmp_path, database_url=Secret(url))
    await open_database(settings)
    try:
        assert await open_upload_store(settings) is None  # the one database
        yield SqlUploadRepo()
    finally:
        await close_database()
        drop_database(url, url.rsplit("/", 1)[1])


@pytest.fixture(params=["sqlite", pytest.param("mariadb", marks=pytest.mark.engines)])
async def repo(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[SqlUploadRepo]:
    factory = sqlite_repo if request.param == "sqlite" else mysql_repo
    async with factory(tmp_path) as r:
        yield r


def session() -> UploadSession:
    return UploadSession(
        id=secrets.token_hex(16),
        key=secrets.token_hex(16),
        chat_id="c" * 32,
        uploader_id="u" * 32,
        name="report final.pdf",
        size=100 * 1024 * 1024,
        created_at=datetime(2026, 12, 2, 7, 58, 3, tzinfo=UTC),
        handle="mp-" + secrets.token_hex(8),
        hash_state="ab" * 112,
    )


async def test_a_session_reads_back_exactly_and_advances_once_per_offset(
    repo: SqlUploadRepo,
) -> None:
    u = session()
    await repo.create(u)
    assert await repo.get(u.id) == u
    assert await repo.get(secrets.token_hex(16)) is None

    after = replace(
        u,
        received=8 * 1024 * 1024,
        tags=("7:etag-1",),
        hash_state="cd" * 112,
        markup=True,
        tail="3c7363",
    )
    assert await repo.advance(u.id, 0, after)
    assert await repo.get(u.id) == after
    late = replace(after, received=16 * 1024 * 1024, tags=("3:etag-other",))
    assert not await repo.advance(u.id, 0, late)  # a racing PUT of the same offset loses
    assert await repo.get(u.id) == after
    assert not await repo.advance(secrets.token_hex(16), 0, after)
