"""MariaDB durable commit rate: the ceiling of the relational path on this machine.

    set -a; . .engines/mariadb.env; set +a
    .venv/bin/python deploy/local/bench/mysql_bench.py [--seconds 5] [--clients 1,8]

For each client count: single-row INSERT + COMMIT per transaction, then 100-row multi-VALUES
INSERT + COMMIT per transaction, and the per-chat sequence pattern (lock the chat row, bump it,
insert, commit) on one hot chat. InnoDB flushes its redo log at every commit (the instance runs
with the default innodb_flush_log_at_trx_commit=1), so each commit is durable. Uses a private
database, dropped at the end. A measurement, never an assertion.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import time
import uuid
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import urlsplit

import aiomysql

Conn = Any  # aiomysql ships no type information


async def _run(
    pool: aiomysql.Pool, clients: int, seconds: float, tx: Callable[[Conn], Awaitable[int]]
) -> float:
    """Rows (or transactions) per second over `seconds`, `clients` concurrent connections."""
    deadline = time.perf_counter() + seconds
    done = [0] * clients

    async def worker(i: int) -> None:
        async with pool.acquire() as conn:
            while time.perf_counter() < deadline:
                done[i] += await tx(conn)

    start = time.perf_counter()
    await asyncio.gather(*(worker(i) for i in range(clients)))
    return sum(done) / (time.perf_counter() - start)


async def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=float, default=5.0)
    ap.add_argument("--clients", default="1,8")
    args = ap.parse_args()
    url = urlsplit(os.environ["PARLEY_TEST_MYSQL_URL"])
    db = f"bench_{uuid.uuid4().hex[:8]}"
    kw = {"host": url.hostname, "port": url.port, "user": url.username, "password": url.password}
    admin = await aiomysql.connect(**kw)
    async with admin.cursor() as cur:
        await cur.execute(f"CREATE DATABASE `{db}`")
    pool = await aiomysql.create_pool(db=db, maxsize=64, autocommit=False, **kw)
    try:
        async with pool.acquire() as conn, conn.cursor() as cur:
            await cur.execute(
                "CREATE TABLE msg (id BIGINT AUTO_INCREMENT PRIMARY KEY, chat_id CHAR(32) NOT NULL,"
                " seq BIGINT NOT NULL, body VARCHAR(400) NOT NULL, KEY (chat_id, seq))"
            )
            await cur.execute(
                "CREATE TABLE chat (id CHAR(32) PRIMARY KEY, last_seq BIGINT NOT NULL)"
            )
            await cur.execute("INSERT INTO chat VALUES ('hot', 0)")
            await conn.commit()
        body = "x" * 150

        async def single(conn: Conn) -> int:
            async with conn.cursor() as cur:
                await cur.execute(
                    "INSERT INTO msg (chat_id, seq, body) VALUES ('c', 1, %s)", (body,)
                )
            await conn.commit()
            return 1

        rows100 = [("c", i, body) for i in range(100)]

        async def batch(conn: Conn) -> int:
            async with conn.cursor() as cur:
                await cur.executemany(
                    "INSERT INTO msg (chat_id, seq, body) VALUES (%s, %s, %s)", rows100
                )
            await conn.commit()
            return 100

        async def hot_chat(conn: Conn) -> int:
            async with conn.cursor() as cur:
                await cur.execute("SELECT last_seq FROM chat WHERE id = 'hot' FOR UPDATE")
                (seq,) = await cur.fetchone()
                await cur.execute("UPDATE chat SET last_seq = %s WHERE id = 'hot'", (seq + 1,))
                await cur.execute(
                    "INSERT INTO msg (chat_id, seq, body) VALUES ('hot', %s, %s)", (seq + 1, body)
                )
            await conn.commit()
            return 1

        for clients in (int(c) for c in args.clients.split(",")):
            r1 = await _run(pool, clients, args.seconds, single)
            r100 = await _run(pool, clients, args.seconds, batch)
            rhot = await _run(pool, clients, args.seconds, hot_chat)
            print(
                f"clients={clients:3d}  single-row commits/s={r1:8.0f}  "
                f"100-row batches rows/s={r100:9.0f} (tx/s={r100 / 100:6.0f})  "
                f"hot-chat seq tx/s={rhot:7.0f}"
            )
    finally:
        pool.close()
        await pool.wait_closed()
        async with admin.cursor() as cur:
            await cur.execute(f"DROP DATABASE `{db}`")
        admin.close()


if __name__ == "__main__":
    asyncio.run(main())
