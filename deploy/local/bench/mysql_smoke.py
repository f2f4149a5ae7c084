"""Smoke check: Tortoise ORM + aiomysql against the test MariaDB.

    set -a; . .engines/mariadb.env; set +a
    .venv/bin/python deploy/local/bench/mysql_smoke.py

Creates a private database, a table from a tiny model, writes and reads a row, takes a row lock in
a transaction, checks utf8mb4 (4-byte characters) and microsecond datetimes, then drops the
database. Exits non-zero on the first failure.
"""

from __future__ import annotations

import asyncio
import os
import uuid
from datetime import UTC, datetime
from urllib.parse import urlsplit, urlunsplit

import aiomysql
from tortoise import Tortoise, fields
from tortoise.models import Model
from tortoise.transactions import in_transaction


class Probe(Model):
    id = fields.IntField(primary_key=True)
    text = fields.CharField(max_length=64)
    at = fields.DatetimeField()
    counter = fields.IntField(default=0)


async def main() -> None:
    base = os.environ["PARLEY_TEST_MYSQL_URL"]
    parts = urlsplit(base)
    db = f"smoke_{uuid.uuid4().hex[:8]}"
    admin = await aiomysql.connect(
        host=parts.hostname, port=parts.port, user=parts.username, password=parts.password
    )
    async with admin.cursor() as cur:
        await cur.execute(f"CREATE DATABASE `{db}` CHARACTER SET utf8mb4")
    try:
        url = urlunsplit(parts._replace(path=f"/{db}", query="charset=utf8mb4&maxsize=4"))
        await Tortoise.init(db_url=url, modules={"models": ["__main__"]}, use_tz=True)
        await Tortoise.generate_schemas()
        now = datetime.now(UTC)
        await Probe.create(id=1, text="hi \U0001f600", at=now)
        async with in_transaction() as conn:
            row = await Probe.filter(id=1).using_db(conn).select_for_update().get()
            row.counter += 1
            await row.save(using_db=conn)
        got = await Probe.get(id=1)
        assert got.text == "hi \U0001f600", got.text
        assert got.counter == 1
        assert abs((got.at - now).total_seconds()) < 0.001, (got.at, now)
        version = await Tortoise.get_connection("default").execute_query_dict("SELECT VERSION() v")
        print("ok:", version[0]["v"], "tortoise + aiomysql: create, lock, update, utf8mb4, usec")
    finally:
        await Tortoise.close_connections()
        async with admin.cursor() as cur:
            await cur.execute(f"DROP DATABASE `{db}`")
        admin.close()


if __name__ == "__main__":
    asyncio.run(main())
