"""One search contract for both message stores: the same query gives the same hits on SQLite FTS5
and on the real Elasticsearch node.

Search is near-real-time on Elasticsearch (refreshed about once a second), so every expectation is
polled with a timeout (`eventually`); SQLite answers at once. Stores come from the message store
contract's fixtures (a private SQLite file; a private Elasticsearch index prefix).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import replace
from pathlib import Path
from typing import Any, Protocol

import pytest
from elasticsearch import AsyncElasticsearch

from backend.adapters.messages.elastic import ElasticMessageStore
from backend.domain.models import Attachment, Message
from backend.domain.ports import MessageSearch, SearchRequest
from backend.domain.search.query import parse
from tests.backend.integration.test_message_store_contract import (
    STORES,
    Store,
    chat,
    elastic_store,
    msg,
    sql_store,
)
from tests.support.engines import engine
from tests.support.server import poll


class SearchStore(Store, MessageSearch, Protocol):
    pass


CORPUS = [
    "Завтра встреча в офисе",
    "Увидимся в субботу",
    "Привет, Ёлка!",
    "We are running late for the meeting",
    "what is the unit of work",
    "熱力学の教科書を買った",
    "熱い日に力を出して学ぶ",
    "我的猫很可爱",
    "학교에서 친구를 만났다",
    "Le café est fermé",
    "see Q3_budget-final.v2.xlsx",
    "mail alice.smith@example.com or https://docs.example.org/guide/setup",
    "the deployment failed again",
]
# query -> the 1-based positions in CORPUS it must find, and nothing else
EXPECTED: dict[str, set[int]] = {
    "встречу ": {1},
    "встречи ": {1},
    "суббота ": {2},
    "привет ": {3},
    "елка ": {3},
    "run ": {4},
    "meetings ": {4},
    "what ": {5},
    "unit ": {5},
    "熱力学": {6},
    "猫": {8},
    "可爱": {8},
    "학교 ": {9},
    "친구 ": {9},
    "cafe ": {10},
    "budget ": {11},
    "final.v2 ": {11},
    "Q3_budget-final.v2.xlsx ": {11},
    "alice.smith@example.com ": {12},
    "guide ": {12},
    "deplo": {13},
    "встр": {1},
    "the ": {4, 5, 13},
    "the deployment ": {13},
    "nothing-here ": set(),
}


@contextlib.asynccontextmanager
async def mysql_store(tmp_path: Path) -> AsyncIterator[Store]:
    """The SQL message store on the real MariaDB, in a database of its own."""
    from backend.adapters.db.connection import close_database, open_database
    from backend.adapters.messages.sql import SqlMessageStore
    from backend.config import Secret, Settings
    from tests.support.engines import drop_database, mysql_database, unique

    url = mysql_database(engine("MYSQL_URL"), unique("search"))
    await open_database(Settings(data_dir=tmp_path, database_url=Secret(url)))
    try:
        yield SqlMessageStore()
    finally:
        await close_database()
        drop_database(url, url.rsplit("/", 1)[1])


@pytest.fixture(params=[*STORES, pytest.param("sql-mariadb", marks=pytest.mark.engines)])
async def store(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[SearchStore]:
    factories = {"sql": sql_store, "sql-mariadb": mysql_store}
    factory = factories[request.param](tmp_path) if request.param in factories else elastic_store()
    async with factory as s:
        yield s  # type: ignore[misc]


async def seqs(store: SearchStore, q: str, chats: list[str], **kw: Any) -> list[int]:
    hits = await store.search(SearchRequest(parse(q), tuple(chats), **kw))
    return [m.seq for m in hits]


async def settled(
    store: SearchStore, q: str, chats: list[str], want: list[int], **kw: Any
) -> list[int]:
    async def probe() -> list[int]:
        return await seqs(store, q, chats, **kw)

    got = await poll(probe, lambda got: got == want, 10.0)
    assert got == want, q
    return got


async def seed(store: SearchStore, c: str, texts: list[str]) -> list[Message]:
    messages = [msg(c, i + 1, text=t) for i, t in enumerate(texts)]
    await store.write(messages)
    return messages


async def test_every_language_case_finds_exactly_its_messages(store: SearchStore) -> None:
    c, foreign = chat(), chat()
    await seed(store, c, CORPUS)
    await seed(store, foreign, CORPUS)  # the same texts in a chat the caller is not in
    await settled(store, "the ", [c], [13, 5, 4])
    for q, want in EXPECTED.items():
        got = await seqs(store, q, [c])
        assert set(got) == want, q


async def test_newest_first_and_paging(store: SearchStore) -> None:
    c = chat()
    await seed(store, c, [f"report number {i}" for i in range(1, 8)])
    await settled(store, "report ", [c], [7, 6, 5, 4, 3, 2, 1])
    assert await seqs(store, "report ", [c], limit=3) == [7, 6, 5]
    assert await seqs(store, "report ", [c], limit=3, offset=3) == [4, 3, 2]
    assert await seqs(store, "report ", [c], limit=3, offset=6) == [1]


async def test_relevance_finds_the_same_messages(store: SearchStore) -> None:
    c = chat()
    await seed(store, c, ["budget", "budget budget budget review", "nothing", "the budget"])
    await settled(store, "budget ", [c], [4, 2, 1])
    got = await seqs(store, "budget ", [c], relevance=True)
    assert sorted(got) == [1, 2, 4]


async def test_an_edit_replaces_its_terms_and_a_deletion_removes_it(store: SearchStore) -> None:
    c = chat()
    first, second = await seed(store, c, ["lunch at noon", "lunch tomorrow"])
    await settled(store, "lunch ", [c], [2, 1])
    await store.write([replace(first, text="dinner at eight", version=10)])
    await settled(store, "lunch ", [c], [2])
    await settled(store, "dinner ", [c], [1])
    await store.write([replace(second, text=None, deleted=True, version=11)])
    await settled(store, "lunch ", [c], [])
    assert await seqs(store, "tomorrow ", [c]) == []


async def test_a_stale_edit_landing_late_leaves_the_newer_terms(store: SearchStore) -> None:
    """Edits 5 and 7 stored by two replicas, 5's write landing last: only 7's words are found."""
    c = chat()
    (first,) = await seed(store, c, ["breakfast at nine"])
    await store.write([replace(first, text="supper at seven", version=7)])
    await store.write([replace(first, text="brunch at five", version=5)])
    await settled(store, "supper ", [c], [1])
    assert await seqs(store, "brunch ", [c]) == []
    assert await seqs(store, "breakfast ", [c]) == []


PDF = Attachment("f1", "plan.pdf", 10, "application/pdf", "")


async def test_filters_sender_and_files(store: SearchStore) -> None:
    c = chat()
    plan = replace(msg(c, 1, sender="bob", text="the plan"), attachments=(PDF,))
    await store.write([plan, msg(c, 2, sender="alice", text="the plan, again")])
    await settled(store, "plan ", [c], [2, 1])
    assert await seqs(store, "plan ", [c], sender_ids=("bob",)) == [1]
    assert await seqs(store, "has:file plan ", [c]) == [1]
    assert await seqs(store, "pdf ", [c]) == [1]  # attachment names are searchable
    assert await seqs(store, "has:file", [c]) == [1]


async def test_no_chats_no_hits(store: SearchStore) -> None:
    await seed(store, chat(), ["anything"])
    assert await seqs(store, "anything ", []) == []


# -- Elasticsearch only: the mapping path and search during a reindex ---------------------------


@pytest.fixture
async def es_store() -> AsyncIterator[ElasticMessageStore]:
    async with elastic_store() as s:
        yield s


@pytest.mark.engines
async def test_reindex_gives_old_documents_their_terms(es_store: ElasticMessageStore) -> None:
    """A document written before search existed (no search fields) is found after a reindex."""
    c = chat()
    es = AsyncElasticsearch(engine("ELASTICSEARCH_URL"))
    try:
        old = msg(c, 1, text="archived minutes")
        await es.index(
            index=es_store.alias,
            id=old.id,
            document={
                "chat_id": c,
                "seq": 1,
                "sender_id": "alice",
                "text": old.text,
                "created_at": old.created_at.isoformat(),
                "deleted": False,
            },
            refresh=True,
        )
    finally:
        await es.close()
    assert await seqs(es_store, "minutes ", [c]) == []
    await es_store.reindex()
    await settled(es_store, "minutes ", [c], [1])


@pytest.mark.engines
async def test_search_works_throughout_a_reindex(es_store: ElasticMessageStore) -> None:
    c = chat()
    await seed(es_store, c, [f"topic {i}" for i in range(1, 301)])
    want = list(range(300, 0, -1))
    await settled(es_store, "topic ", [c], want, limit=500)
    reindex = asyncio.create_task(es_store.reindex(batch=50))
    answers: list[list[int]] = []
    while not reindex.done():
        answers.append(await seqs(es_store, "topic ", [c], limit=500))
    await reindex
    assert answers
    assert all(a == want for a in answers), [len(a) for a in answers if a != want]
    await settled(es_store, "topic ", [c], want, limit=500)


async def test_an_upgraded_sqlite_store_finds_messages_written_before_search(
    tmp_path: Path,
) -> None:
    """Migration 0002 backfills the terms of the messages already stored."""
    import importlib
    import sqlite3

    from backend.adapters.db.connection import close_database, open_database
    from backend.adapters.messages.sql import SqlMessageStore
    from backend.config import Settings

    down = importlib.import_module("backend.adapters.db.migrations.0004_search").SQLITE_DOWN
    settings = Settings(data_dir=tmp_path)
    await open_database(settings)
    store = SqlMessageStore()
    c = chat()
    await store.write([msg(c, 1, text="legacy agenda")])
    await close_database()
    db = sqlite3.connect(next(tmp_path.glob("*.sqlite3")))
    with db:
        db.execute("DELETE FROM tortoise_migrations WHERE name = '0004_search'")
        db.executescript(down)
    db.close()
    await open_database(settings)
    try:
        assert await seqs(store, "agenda ", [c]) == [1]  # type: ignore[arg-type]
    finally:
        await close_database()


ODD_QUERIES = [
    '"',
    '""" OR "',
    "NEAR(a b)",
    "a AND OR NOT b",
    "(((",
    "*",
    "^start",
    "col:value",
    "terms : x",
    "{terms words}",
    "🙂🙂",
    "\u0301\u0301",
    "a\u200db",
    "שלום עולם",
    "x" * 250,
    "https://example.com/" + "p" * 230,
    "100% _under_ %like%",
    "\\ \\\\ '",
]


async def test_odd_queries_answer_and_find_their_text(store: SearchStore) -> None:
    c = chat()
    await seed(store, c, ODD_QUERIES)
    await settled(store, "a ", [c], [13, 4, 3])  # a\u200db is the compound a+b
    for q in ODD_QUERIES:
        await store.search(SearchRequest(parse(q), (c,)))  # never a syntax error
    for i, q in enumerate(ODD_QUERIES, start=1):
        if parse(q).clauses:
            assert i in await seqs(store, q + " ", [c]), q


@pytest.mark.engines
async def test_an_index_from_before_search_gets_the_fields_in_place() -> None:
    """A live index created by the old template: start() adds the search fields to its mapping,
    new writes are searchable at once, and a reindex brings the old documents in."""
    from backend.adapters.messages.elastic import MESSAGE_MAPPINGS, _doc
    from backend.adapters.messages.elastic_search import SEARCH_MAPPINGS
    from tests.backend.integration.test_message_store_contract import drop_prefix
    from tests.support.engines import unique

    url = engine("ELASTICSEARCH_URL")
    prefix = unique("t").lower()
    old_props = {
        k: v for k, v in MESSAGE_MAPPINGS["properties"].items() if k not in SEARCH_MAPPINGS
    }
    es = AsyncElasticsearch(url)
    c = chat()
    old = msg(c, 1, text="archived minutes")
    try:
        await es.indices.create(
            index=f"{prefix}-messages-1",
            aliases={f"{prefix}-messages": {"is_write_index": True}},
            mappings={"dynamic": "strict", "properties": old_props},
        )
        document = {k: v for k, v in _doc(old).items() if k in old_props}
        await es.index(index=f"{prefix}-messages", id=old.id, document=document, refresh=True)
        store = ElasticMessageStore(url, prefix)
        await store.start()
        try:
            await store.write([msg(c, 2, text="fresh minutes")])
            await settled(store, "minutes ", [c], [2])  # type: ignore[arg-type]
            await store.reindex()
            await settled(store, "minutes ", [c], [2, 1])  # type: ignore[arg-type]
        finally:
            await store.close()
    finally:
        await es.close()
        await drop_prefix(url, prefix)
