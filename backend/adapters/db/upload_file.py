"""On the embedded default, upload sessions live in a SQLite file of their own.

SQLite has one writer per database, and Tortoise one connection (with one lock and one worker
thread) per database: a resumable chunk's bookkeeping on the message store's connection made
other chats' messages queue behind it and behind its fsync. `uploads.sqlite3` beside the main
file has its own connection, writer and journal, so a message never waits for a chunk. It is not
among Tortoise's configured connections: with two, every `in_transaction()` would have to name
its own. MySQL keeps the table in its one database: its pool gives every query a connection of
its own.

A chunk's commit does not fsync (WAL with `synchronous=NORMAL`, this file only; the message
store keeps SQLite's FULL): each fsync queued in the ext4 journal that the message store's COMMIT
and S3's part writes share, and ten uploads' fsyncs stretched other chats' deliveries to a third
of a second. NORMAL loses no commit to a process crash (the WAL is in the OS's cache); a power
loss may take the last few, so a session may stand at an earlier chunk than the client was told.
That is exact again without help: the row keeps the offset, its part list and the SHA-256 state
at that offset together, the client goes on from the offset the server reports, and the re-sent
chunk writes its part number's slot afresh (the local store writes at the offset; on S3 a part
the row does not list is left out of the object on completion). A session's birth and end are
not like that: a lost create leaves S3 parts no row names, and a lost delete brings back the
session of an object that is a file's by then, for the sweep to delete. So those two commits are
made under `synchronous=FULL` (per connection), which syncs the WAL at the commit itself: two
fsyncs per upload instead of one per chunk. A checkpoint would not do: it syncs the WAL only when
it can copy a frame, and a reader's snapshot that holds it back (or another checkpointer) leaves
the new commit unsynced (strace: `wal_checkpoint(PASSIVE)` answering (0, 1, 0), no fdatasync).
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.backends.base.config_generator import expand_db_url
from tortoise.backends.sqlite.client import SqliteClient

FILE_NAME = "uploads.sqlite3"


async def open_upload_file(path: Path, main: Path) -> BaseDBAsyncClient:
    """The sessions' own connection, its table matching the main file's migrated one."""
    await asyncio.to_thread(_match_schema, path, main)
    credentials = expand_db_url(f"sqlite://{path}")["credentials"]
    client = SqliteClient(connection_name="uploads", **credentials, synchronous="NORMAL")
    await client.create_connection(with_db=True)
    return client


@asynccontextmanager
async def synced(client: BaseDBAsyncClient, lock: asyncio.Lock) -> AsyncIterator[None]:
    """The commits made inside survive a power loss. `lock` is the connection's, held so that a
    concurrent block's switch back to NORMAL cannot fall before this block's commit (chunk commits
    that land inside are synced too, at no harm)."""
    async with lock:
        await client.execute_script("PRAGMA synchronous=FULL")
        try:
            yield
        finally:
            await client.execute_script("PRAGMA synchronous=NORMAL")


def _match_schema(path: Path, main: Path) -> None:
    db = sqlite3.connect(path, timeout=30, isolation_level=None)
    try:
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("ATTACH DATABASE ? AS migrated", [str(main)])
        schema = _ddl(db, "migrated")
        if _ddl(db, "main") == schema:
            return
        source = "main" if _columns(db, "main") else "migrated"
        db.execute("BEGIN IMMEDIATE")
        db.execute(f"CREATE TEMP TABLE moving AS SELECT * FROM {source}.uploads")  # noqa: S608
        db.execute("DROP TABLE IF EXISTS main.uploads")
        for statement in schema:
            db.execute(statement)  # unqualified: into this file
        kept = ", ".join(
            f'"{c}"' for c in _columns(db, "main") if c in _columns(db, "temp", "moving")
        )
        db.execute(f"INSERT INTO main.uploads ({kept}) SELECT {kept} FROM temp.moving")  # noqa: S608
        db.execute("DROP TABLE temp.moving")
        db.execute("COMMIT")
        if source == "migrated":  # moved (committed above first, so a crash loses none)
            db.execute("DELETE FROM migrated.uploads")
    finally:
        db.close()


def _ddl(db: sqlite3.Connection, schema: str) -> list[str]:
    rows = db.execute(
        f"SELECT sql FROM {schema}.sqlite_master"  # noqa: S608  # one of two fixed names
        " WHERE tbl_name = 'uploads' AND sql IS NOT NULL ORDER BY type DESC, name"
    )
    return [str(sql) for (sql,) in rows]  # the table first, then its indexes


def _columns(db: sqlite3.Connection, schema: str, table: str = "uploads") -> list[str]:
    return [str(r[1]) for r in db.execute(f"PRAGMA {schema}.table_info({table})")]
