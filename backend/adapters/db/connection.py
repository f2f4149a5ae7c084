"""Opening and migrating the relational store (SQLite or MySQL) through Tortoise.

Every replica applies pending migrations on start. On MySQL several replicas may start at once, so
the migration runs under a named server lock (`GET_LOCK`): one applies, the others wait and then
find nothing to do.

Migrations are expand/contract so old and new replicas share a schema during a rolling upgrade:
a release only adds (nullable or defaulted columns, new tables, new indexes); a column or table the
old code still reads is dropped by a later release, once no replica of the old code runs.
"""

from __future__ import annotations

import logging
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, unquote, urlencode, urlsplit, urlunsplit

from tortoise import Tortoise
from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.backends.base.config_generator import expand_db_url
from tortoise.backends.base.executor import EXECUTOR_CACHE
from tortoise.migrations.api import migrate

from backend.adapters.db import pipelined
from backend.adapters.db.upload_file import FILE_NAME, open_upload_file
from backend.config import Settings, private_dir

log = logging.getLogger(__name__)

APP = "parley"


def tortoise_config(settings: Settings) -> dict[str, Any]:
    url = settings.db_url
    if url.startswith("mysql://"):
        parts = urlsplit(url)
        query = dict(parse_qsl(parts.query))
        query.setdefault("minsize", str(settings.db_pool_min))
        query.setdefault("maxsize", str(settings.db_pool_max))
        query.setdefault("charset", "utf8mb4")
        url = urlunsplit(parts._replace(query=urlencode(query)))
    else:
        private_dir(settings.data_dir)
        if not settings.database_url:
            _private_file(settings.sqlite_path)
    return {
        "connections": {"default": url},
        "apps": {
            APP: {
                "models": ["backend.adapters.db.models"],
                "default_connection": "default",
                "migrations": "backend.adapters.db.migrations",
            }
        },
        "use_tz": True,
        "timezone": "UTC",
    }


def _private_file(path: Path) -> None:
    """Create the SQLite file 0600 before SQLite does (it would follow the umask, often 0644);
    its journal and WAL files take the database file's mode."""
    os.close(os.open(path, os.O_RDWR | os.O_CREAT, 0o600))
    path.chmod(0o600)


async def open_database(settings: Settings) -> None:
    """Apply pending migrations, then open the connections the repositories use."""
    config = tortoise_config(settings)
    async with _migration_lock(settings):
        await migrate(config=config)
    await Tortoise.close_connections()
    # Tortoise caches each model's INSERT by connection name, not by dialect: a process that
    # opened SQLite before (tests, a migration tool) would send SQLite's statement to MariaDB.
    EXECUTOR_CACHE.clear()
    # Sanic runs handlers in tasks that do not inherit this one's context: share it process-wide.
    await Tortoise.init(config=config, _enable_global_fallback=True)
    if settings.db_url.startswith("mysql://"):
        # One connection per allocating lane, and one for a test or tool appending beside them.
        await pipelined.open_pool(settings.db_url, settings.pipeline_lanes + 1)
    log.info(
        "relational store ready (%s)", "mysql" if settings.db_url.startswith("mysql") else "sqlite"
    )


async def open_upload_store(settings: Settings) -> BaseDBAsyncClient | None:
    """The connection upload sessions use: SQLite's own file (see `upload_file`), or None
    for the one MySQL database the rest uses."""
    if settings.db_url.startswith("mysql://"):
        return None
    path = settings.data_dir / FILE_NAME
    _private_file(path)
    main = Path(expand_db_url(settings.db_url)["credentials"]["file_path"])
    return await open_upload_file(path, main)


@asynccontextmanager
async def _migration_lock(settings: Settings) -> AsyncIterator[None]:
    if not settings.db_url.startswith("mysql://"):
        yield  # SQLite serves one process
        return
    import aiomysql

    parts = urlsplit(settings.db_url)
    conn = await aiomysql.connect(
        host=parts.hostname or "127.0.0.1",
        port=parts.port or 3306,
        user=unquote(parts.username or ""),
        password=unquote(parts.password or ""),
        db=parts.path.lstrip("/"),
        connect_timeout=10,
    )
    try:
        async with conn.cursor() as cur:
            await cur.execute("SELECT GET_LOCK('parley_migrate', 120)")
            (got,) = await cur.fetchone()
            if got != 1:
                raise RuntimeError("another replica held the migration lock for 120 s")
        yield
    finally:
        async with conn.cursor() as cur:
            await cur.execute("SELECT RELEASE_LOCK('parley_migrate')")
        conn.close()


async def close_database() -> None:
    await pipelined.close_pool()
    await Tortoise.close_connections()
