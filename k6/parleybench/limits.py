"""The machine's own limits, measured in the same run as the scenarios they are compared with.

Each probe runs a few seconds against the raw engine (no Parley code in the path): argon2id hashes
at the server's parameters, SQLite commits (the embedded store), and with the production engines
up, Elasticsearch single-document and bulk indexing, MariaDB durable commits and RabbitMQ
publish-with-confirm to consume. Scratch databases, indices and queues are removed afterwards.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import secrets
import sqlite3
import tempfile
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx

PROBE_S = 3.0


def _threads_rate(work: Callable[[], int], threads: int, seconds: float = PROBE_S) -> float:
    """Run `work` (returns units done per call) in `threads` threads for `seconds`; units/s."""
    stop = time.monotonic() + seconds
    done = [0] * threads

    def loop(i: int) -> None:
        while time.monotonic() < stop:
            done[i] += work()

    started = time.monotonic()
    with ThreadPoolExecutor(threads) as pool:
        list(pool.map(loop, range(threads)))
    return sum(done) / (time.monotonic() - started)


def argon2_rate() -> dict[str, float]:
    from argon2 import PasswordHasher

    ph = PasswordHasher(
        time_cost=2, memory_cost=19 * 1024, parallelism=1
    )  # the server's parameters

    def one() -> int:
        ph.hash("bench-password-123")
        return 1

    # As many threads as the server's hashing pool (2 x cores): on an idle machine that is the
    # cores' throughput; on a shared one it gets the same share of the CPU as the server's pool.
    threads = 2 * (os.cpu_count() or 1)
    single = _threads_rate(one, 1, 2.0)
    return {
        "argon2_hashes_per_s_1_thread": round(single, 1),
        "argon2_hashes_per_s_all_cores": round(_threads_rate(one, threads), 1),
    }


def sqlite_rate() -> dict[str, float]:
    with tempfile.TemporaryDirectory(prefix="parley-limits-") as tmp:
        db = sqlite3.connect(Path(tmp) / "probe.sqlite3", isolation_level=None)
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, chat TEXT, body TEXT)")
        n, stop = 0, time.monotonic() + PROBE_S
        started = time.monotonic()
        while time.monotonic() < stop:
            db.execute("BEGIN")
            db.execute("INSERT INTO t (chat, body) VALUES (?, ?)", ("c", "x" * 100))
            db.execute("COMMIT")
            n += 1
        rate = n / (time.monotonic() - started)
        db.close()
    return {"sqlite_commits_per_s_wal": round(rate, 1)}


def mariadb_rate(url: str, clients: int = 8) -> dict[str, float]:
    import pymysql  # type: ignore[import-untyped]  # ships no type information

    parts = urlsplit(url)
    kw: dict[str, Any] = {
        "host": parts.hostname or "127.0.0.1",
        "port": parts.port or 3306,
        "user": parts.username or "root",
        "password": parts.password or "",
    }
    name = f"bench_limits_{secrets.token_hex(4)}"
    admin = pymysql.connect(**kw, autocommit=True)
    try:
        with admin.cursor() as cur:
            cur.execute(f"CREATE DATABASE `{name}`")
            cur.execute(
                f"CREATE TABLE `{name}`.t (id BIGINT AUTO_INCREMENT PRIMARY KEY, "
                "chat VARCHAR(32), body TEXT) ENGINE=InnoDB"
            )
        local = threading.local()

        def commit() -> int:
            conn = getattr(local, "conn", None)
            if conn is None:
                conn = local.conn = pymysql.connect(**kw, database=name, autocommit=True)
            with conn.cursor() as cur:
                cur.execute("INSERT INTO t (chat, body) VALUES (%s, %s)", ("c", "x" * 100))
            return 1

        one = _threads_rate(commit, 1)
        many = _threads_rate(commit, clients)
        return {
            "mariadb_commits_per_s_1_client": round(one, 1),
            f"mariadb_commits_per_s_{clients}_clients": round(many, 1),
        }
    finally:
        with admin.cursor() as cur:
            cur.execute(f"DROP DATABASE IF EXISTS `{name}`")
        admin.close()


def elasticsearch_rate(url: str, clients: int = 4, batch: int = 500) -> dict[str, float]:
    index = f"bench-limits-{secrets.token_hex(4)}"
    http = httpx.Client(base_url=url, timeout=30.0)
    http.put(f"/{index}", json={"settings": {"number_of_shards": 1, "number_of_replicas": 0}})
    counter = iter(range(10**9))
    lock = threading.Lock()
    local = threading.local()

    def client() -> httpx.Client:
        c = getattr(local, "c", None)
        if c is None:
            c = local.c = httpx.Client(base_url=url, timeout=30.0)
        return c

    def doc() -> dict[str, Any]:
        with lock:
            i = next(counter)
        return {"chat_id": "c", "seq": i, "text": "x" * 100, "sender_id": "u"}

    def single() -> int:
        d = doc()
        r = client().put(f"/{index}/_doc/c:{d['seq']}", json=d)
        return 1 if r.status_code in (200, 201) else 0

    def bulk() -> int:
        lines = []
        for _ in range(batch):
            d = doc()
            lines.append(f'{{"index":{{"_id":"c:{d["seq"]}"}}}}')
            lines.append(json.dumps(d))
        r = client().post(
            f"/{index}/_bulk",
            content="\n".join(lines) + "\n",
            headers={"Content-Type": "application/x-ndjson"},
        )
        return batch if r.status_code == 200 and not r.json().get("errors") else 0

    try:
        for _ in range(20):  # warm up: the first writes to a new index pay for its creation
            single()
        bulk()
        return {
            f"es_single_docs_per_s_{clients}_clients": round(_threads_rate(single, clients), 1),
            f"es_bulk_docs_per_s_batches_of_{batch}": round(_threads_rate(bulk, 1), 1),
        }
    finally:
        http.delete(f"/{index}")
        http.close()


async def _rabbit(url: str, inflight: int) -> dict[str, float]:
    import aio_pika

    conn = await aio_pika.connect(url)
    try:
        channel = await conn.channel(publisher_confirms=True)
        queue = await channel.declare_queue(exclusive=True, auto_delete=True)
        received = 0

        caught_up = asyncio.Event()
        published_n = [0]
        publishing = [True]

        async def on_message(message: aio_pika.abc.AbstractIncomingMessage) -> None:
            nonlocal received
            received += 1
            if not publishing[0] and received >= published_n[0]:
                caught_up.set()

        await queue.consume(on_message, no_ack=True)
        body = b"x" * 200
        stop = time.monotonic() + PROBE_S
        sem = asyncio.Semaphore(inflight)
        started = time.monotonic()

        async def publish() -> None:
            try:
                published_n[0] += 1
                await channel.default_exchange.publish(
                    aio_pika.Message(body), routing_key=queue.name
                )
            finally:
                sem.release()

        tasks: set[asyncio.Task[None]] = set()
        while time.monotonic() < stop:
            await sem.acquire()
            t = asyncio.create_task(publish())
            tasks.add(t)
            t.add_done_callback(tasks.discard)
        await asyncio.gather(*tasks)
        publishing[0] = False
        if received >= published_n[0]:
            caught_up.set()
        with contextlib.suppress(TimeoutError):  # the consumer catching up is part of the figure
            await asyncio.wait_for(caught_up.wait(), 5.0)
        elapsed = time.monotonic() - started
        got = received
        return {f"rabbitmq_publish_consume_per_s_{inflight}_inflight": round(got / elapsed, 1)}
    finally:
        await conn.close()


def rabbitmq_rate(url: str, inflight: int = 32) -> dict[str, float]:
    return asyncio.run(_rabbit(url, inflight))


def measure(engines: dict[str, str] | None) -> dict[str, float]:
    """Every probe that applies; a failing probe is reported as missing, not fatal."""
    out: dict[str, float] = {}
    probes: list[tuple[str, Callable[[], dict[str, float]]]] = [
        ("argon2", argon2_rate),
        ("sqlite", sqlite_rate),
    ]
    if engines:
        probes += [
            ("elasticsearch", lambda: elasticsearch_rate(engines["PARLEY_TEST_ELASTICSEARCH_URL"])),
            ("mariadb", lambda: mariadb_rate(engines["PARLEY_TEST_MYSQL_URL"])),
            ("rabbitmq", lambda: rabbitmq_rate(engines["PARLEY_TEST_AMQP_URL"])),
        ]
    for name, probe in probes:
        try:
            out.update(probe())
        except Exception as exc:
            print(f"bench: limit probe {name} failed: {type(exc).__name__}: {exc}")
    return out
