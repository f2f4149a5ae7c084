"""One MySQL transaction in two round trips: reads with BEGIN, then writes with COMMIT.

Loaded, each round trip of the allocate transaction costs an event-loop turn as well as the
engine's answer, so the six of Tortoise's path (BEGIN, lock, members, insert, heads, COMMIT)
took far longer than the commit itself. Here the reads go in one multi-statement packet that
starts the transaction (the lock first, so every later read is made under it), Python decides
what to write, and the writes go in one more packet that ends with COMMIT.

Multi-statement packets are allowed on this pool's connections only, and only this module sends
on them, with every value a bound parameter: the rest of the application keeps Tortoise's pool,
where a stacked statement is refused.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import aiomysql
from tortoise.backends.base.config_generator import expand_db_url
from tortoise.exceptions import IntegrityError, OperationalError

Rows = tuple[tuple[Any, ...], ...]
MULTI_STATEMENTS = 1 << 16  # the protocol's CLIENT_MULTI_STATEMENTS capability flag


@dataclass(frozen=True)
class Statement:
    sql: str
    args: tuple[Any, ...] = ()


# Given the reads' rows, in order, the statements that write (COMMIT is added after them).
Decide = Callable[[list[Rows]], Sequence[Statement]]

# A connection older than this is replaced when taken: one idle past the server's `wait_timeout`
# would fail the batch that next used it.
RECYCLE_S = 3600

_pool: aiomysql.Pool | None = None


async def open_pool(db_url: str, size: int) -> None:
    """Open the pool (MySQL only; `close_pool` closes it, as does opening it again)."""
    global _pool
    await close_pool()
    creds = expand_db_url(db_url)["credentials"]
    _pool = await aiomysql.create_pool(
        host=creds["host"],
        port=int(creds["port"]),
        user=creds["user"],
        password=creds.get("password") or "",
        db=creds["database"],
        charset=creds.get("charset", "utf8mb4"),
        sql_mode=creds.get("sql_mode", "STRICT_TRANS_TABLES"),
        autocommit=True,
        client_flag=MULTI_STATEMENTS,
        minsize=1,
        maxsize=max(size, 1),
        pool_recycle=RECYCLE_S,
    )


async def close_pool() -> None:
    global _pool
    pool, _pool = _pool, None
    if pool is not None:
        pool.close()
        await pool.wait_closed()


def available() -> bool:
    return _pool is not None


async def transact(reads: Sequence[Statement], decide: Decide) -> None:
    """Run `reads` and the writes `decide` returns as one transaction, in two round trips.

    Errors come out as Tortoise's (`IntegrityError`, `OperationalError` holding the driver's
    error and its number), as from the rest of the repository; the transaction is rolled back."""
    if _pool is None:
        raise RuntimeError("pipelined pool not open")
    try:
        async with _pool.acquire() as conn:
            await _run(conn, reads, decide)
    except aiomysql.IntegrityError as exc:
        raise IntegrityError(exc) from exc
    except aiomysql.MySQLError as exc:
        raise OperationalError(exc) from exc


async def _run(conn: aiomysql.Connection, reads: Sequence[Statement], decide: Decide) -> None:
    try:
        async with conn.cursor() as cur:
            found: list[Rows] = []
            await cur.execute(*_joined([Statement("BEGIN"), *reads]))
            for _ in reads:
                await cur.nextset()
                found.append(tuple(await cur.fetchall()))
            writes = decide(found)
            await cur.execute(*_joined([*writes, Statement("COMMIT")]))
            while await cur.nextset():  # an error in any statement is raised here
                pass
    except asyncio.CancelledError:
        conn.close()  # cut off mid-answer: the connection's state is unknown
        raise
    except BaseException:
        await _rollback(conn)
        raise


async def _rollback(conn: aiomysql.Connection) -> None:
    """After an error answer the connection is in step and its transaction may still be open
    (statements after a failed one are not run): roll back, or drop a broken connection."""
    try:
        await conn.rollback()
    except Exception:
        conn.close()


def _joined(statements: Sequence[Statement]) -> tuple[str, tuple[Any, ...]]:
    sql = "; ".join(s.sql for s in statements)
    return sql, tuple(a for s in statements for a in s.args)
