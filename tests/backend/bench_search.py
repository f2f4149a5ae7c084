"""Search benchmark: query latency on both message stores at scale, and the indexing cost.

A benchmark, not a test: it prints figures and asserts nothing about speed. Run it with

    .venv/bin/python -m tests.backend.bench_search [--messages 1000000] [--chats 10000]
        [--engine sql|elastic|both] [--queries 200]

It seeds `--messages` messages spread over `--chats` chats straight through the store's `write`
(batches of 500, as the write pipeline batches; not through the API), from a small vocabulary of
Russian, English and CJK words so queries have realistic hit counts. Then, for a user in 50 chats,
it times one-word, two-word and prefix queries, newest first and by relevance, and prints p50/p95,
while another task writes `--writes-per-s` new messages (the live traffic) and times each write,
compared with the same writes and no searches.
It also times the normaliser alone (`index_terms` per message, the CPU the write path adds) and
the store's write rate while seeding. SQLite uses a temporary data dir; Elasticsearch the node in
`.engines` (`PARLEY_TEST_ELASTICSEARCH_URL`) under a private index prefix, deleted afterwards.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import tempfile
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from backend.domain.models import Message
from backend.domain.ports import SearchRequest
from backend.domain.search.analysis import index_terms
from backend.domain.search.query import parse

WORDS = " ".join(
    (
        "встреча встречу субботу отчёт проект релиз сервер ошибка привет ёлка",
        "meeting report deploy release server failed budget review lunch tomorrow",
        "熱力学 会議 東京 报告 服务器 회의 학교에서 친구를",
    )
).split(" ")
# The rest of a text: pseudo-words with a Zipf-like spread, so query words are not everywhere.
FILLER = [f"{a}{b}{c}" for a in "bdgklmnprst" for b in "aeiou" for c in ("n", "r", "s", "la", "to")]
QUERIES = {
    "one word": "release ",
    "two words": "встречу субботу ",
    "prefix": "depl",
}
BATCH = 500


def text_for(rng: random.Random) -> str:
    words = [FILLER[int(rng.paretovariate(1.2)) % len(FILLER)] for _ in range(rng.randint(3, 14))]
    for _ in range(rng.choice((0, 0, 0, 1, 2))):
        words.insert(rng.randrange(len(words) + 1), rng.choice(WORDS))
    return " ".join(words)


def messages(n: int, chats: int, seed: int = 7) -> list[list[Message]]:
    rng = random.Random(seed)
    base = datetime(2026, 1, 1, tzinfo=UTC)
    seqs = [0] * chats
    batches: list[list[Message]] = []
    batch: list[Message] = []
    for i in range(n):
        c = rng.randrange(chats)
        seqs[c] += 1
        batch.append(
            Message(
                chat_id=f"chat{c:05d}",
                seq=seqs[c],
                sender_id=f"user{rng.randrange(200)}",
                text=text_for(rng),
                created_at=base + timedelta(seconds=i),
                client_msg_id=None,
            )
        )
        if len(batch) == BATCH:
            batches.append(batch)
            batch = []
    if batch:
        batches.append(batch)
    return batches


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(p * len(ordered)))]


@asynccontextmanager
async def sql_store() -> AsyncIterator[Any]:
    from backend.adapters.db.connection import close_database, open_database
    from backend.adapters.messages.sql import SqlMessageStore
    from backend.config import Settings

    with tempfile.TemporaryDirectory() as d:
        await open_database(Settings(data_dir=Path(d)))
        try:
            yield SqlMessageStore()
        finally:
            await close_database()


@asynccontextmanager
async def elastic_store() -> AsyncIterator[Any]:
    from backend.adapters.messages.elastic import ElasticMessageStore
    from tests.backend.integration.test_message_store_contract import drop_prefix
    from tests.support.engines import _from_files

    url = _from_files()["PARLEY_TEST_ELASTICSEARCH_URL"]
    prefix = f"bench{random.randrange(10**6)}"
    store = ElasticMessageStore(url, prefix, request_timeout=60.0)
    await store.start()
    try:
        yield store
    finally:
        await store.close()
        await drop_prefix(url, prefix)


async def seed(store: Any, batches: list[list[Message]]) -> float:
    started = time.perf_counter()
    for b in batches:
        await store.write(b)
    return time.perf_counter() - started


async def time_queries(store: Any, chats: int, runs: int) -> dict[str, tuple[float, float, int]]:
    rng = random.Random(11)
    mine = tuple(f"chat{c:05d}" for c in rng.sample(range(chats), min(50, chats)))
    out: dict[str, tuple[float, float, int]] = {}
    for name, q in QUERIES.items():
        for relevance in (False, True):
            req = SearchRequest(parse(q), mine, relevance=relevance, limit=21)
            took: list[float] = []
            hits = 0
            for _ in range(runs):
                t = time.perf_counter()
                hits = len(await store.search(req))
                took.append((time.perf_counter() - t) * 1000)
            label = f"{name}, {'relevance' if relevance else 'newest first'}"
            out[label] = (pct(took, 0.5), pct(took, 0.95), hits)
    return out


async def writer(store: Any, rate: float, took: list[float], stop: asyncio.Event) -> None:
    """One new message every 1/rate s (the live traffic), timing each store write."""
    rng = random.Random(5)
    seq = 0
    while not stop.is_set():
        seq += 1
        m = Message("live", seq, "user0", text_for(rng), datetime.now(UTC), None)
        t = time.perf_counter()
        await store.write([m])
        took.append((time.perf_counter() - t) * 1000)
        await asyncio.sleep(max(0.0, 1 / rate - (time.perf_counter() - t)))


async def with_writes(store: Any, rate: float, work: Any) -> tuple[Any, list[float]]:
    took: list[float] = []
    stop = asyncio.Event()
    task = asyncio.create_task(writer(store, rate, took, stop))
    try:
        return await work, took
    finally:
        stop.set()
        await task


async def bench(engine: str, factory: Callable[[], Any], args: argparse.Namespace) -> None:
    batches = messages(args.messages, args.chats)
    async with factory() as store:
        seconds = await seed(store, batches)
        print(f"[{engine}] seeded {args.messages:,} messages in {seconds:.0f} s "
              f"({args.messages / seconds:,.0f} msg/s through store.write)")  # fmt: skip
        if engine == "elastic":
            await store._es.indices.refresh(index=store.alias)
        _, idle = await with_writes(store, args.writes_per_s, asyncio.sleep(5))
        results, busy = await with_writes(
            store, args.writes_per_s, time_queries(store, args.chats, args.queries)
        )
        for label, (p50, p95, hits) in results.items():
            print(f"[{engine}] {label:32s} p50 {p50:7.1f} ms  p95 {p95:7.1f} ms  ({hits} hits)")
        for name, took in (("no searches", idle), ("while searching", busy)):
            print(f"[{engine}] store.write at {args.writes_per_s:.0f} msg/s, {name}: "
                  f"p50 {pct(took, 0.5):.1f} ms  p99 {pct(took, 0.99):.1f} ms")  # fmt: skip


def normaliser_cost(n: int = 20_000) -> float:
    rng = random.Random(3)
    texts = [text_for(rng) for _ in range(n)]
    t = time.perf_counter()
    for text in texts:
        index_terms(text)
    return (time.perf_counter() - t) / n * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=1_000_000)
    parser.add_argument("--chats", type=int, default=10_000)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--engine", choices=["sql", "elastic", "both"], default="both")
    parser.add_argument("--writes-per-s", type=float, default=100.0, help="live sends meanwhile")
    args = parser.parse_args()
    print(f"normaliser: {normaliser_cost():.0f} µs per message (index_terms, one core)")
    engines = {"sql": sql_store, "elastic": elastic_store}
    for name, factory in engines.items():
        if args.engine in (name, "both"):
            asyncio.run(bench(name, factory, args))


if __name__ == "__main__":
    main()
