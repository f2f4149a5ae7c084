"""One contract for the `MessageStore` port, run against every implementation.

`sql` is the embedded store (SQLite through Tortoise); `elastic` is the production store on the
real Elasticsearch node of this test run (`PARLEY_TEST_ELASTICSEARCH_URL`, started by
deploy/local/engines/elasticsearch.sh; a missing node fails the test). Each Elasticsearch test gets
an index prefix of its own and removes its indices afterwards.

Near-real-time answers (unread counts on Elasticsearch) are polled with a timeout; everything the
port promises in real time (`get`, the latest history page) is checked straight after the write.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Protocol

import pytest
from elasticsearch import AsyncElasticsearch

from backend.adapters.messages.elastic import GAP_LIMIT, ElasticMessageStore, run_reindex
from backend.domain.errors import Unavailable
from backend.domain.models import Attachment, Message
from backend.domain.ports import MessageStore
from tests.support.engines import engine, run_engine, unique
from tests.support.server import poll

BASE = datetime(2026, 11, 28, 9, 0, tzinfo=UTC)
STORES = ["sql", pytest.param("elastic", marks=pytest.mark.engines)]


class Store(MessageStore, Protocol):
    """The port plus what both implementations also offer."""

    async def close(self) -> None: ...


def msg(chat_id: str, seq: int, sender: str = "alice", text: str | None = None) -> Message:
    return Message(
        chat_id=chat_id,
        seq=seq,
        sender_id=sender,
        text=f"message {seq}" if text is None else text,
        created_at=BASE + timedelta(seconds=seq),
        client_msg_id=f"c-{chat_id}-{seq}",
    )


def tombstone(m: Message, version: int | None = None) -> Message:
    """`m` deleted by an event after it (`version`, by default some seqs later)."""
    return replace(
        m,
        text=None,
        attachments=(),
        deleted=True,
        edited_at=BASE + timedelta(hours=1),
        version=m.seq + 100 if version is None else version,
    )


def edit(m: Message, version: int, text: str) -> Message:
    """`m` edited by the event `version`."""
    return replace(m, text=text, edited_at=BASE + timedelta(minutes=version), version=version)


def chat() -> str:
    return unique("c")


@contextlib.asynccontextmanager
async def sql_store(tmp_path: Path) -> AsyncIterator[Store]:
    from backend.adapters.db.connection import close_database, open_database
    from backend.adapters.messages.sql import SqlMessageStore
    from backend.config import Settings

    await open_database(Settings(data_dir=tmp_path))
    store = SqlMessageStore()
    await store.start()
    try:
        yield store
    finally:
        await store.close()
        await close_database()


async def drop_prefix(url: str, prefix: str) -> None:
    es = AsyncElasticsearch(url)
    try:
        names = list((await es.indices.get(index=f"{prefix}-*", expand_wildcards="all")).body)
        if names:  # deletes name their indices: wildcards are refused (destructive_requires_name)
            await es.options(ignore_status=404).indices.delete(index=names)
        for name in (f"{prefix}-messages", f"{prefix}-heads"):
            await es.options(ignore_status=404).indices.delete_index_template(name=name)
    finally:
        await es.close()


@contextlib.asynccontextmanager
async def elastic_store() -> AsyncIterator[ElasticMessageStore]:
    url = engine("ELASTICSEARCH_URL")
    prefix = unique("t").lower()
    store = ElasticMessageStore(url, prefix)
    await store.start()
    try:
        yield store
    finally:
        await store.close()
        await drop_prefix(url, prefix)


@pytest.fixture(params=STORES)
async def store(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Store]:
    factory = sql_store(tmp_path) if request.param == "sql" else elastic_store()
    async with factory as s:
        yield s


@pytest.fixture(params=[*STORES, pytest.param("sql-mariadb", marks=pytest.mark.engines)])
async def versioned(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Store]:
    """Every store, the SQL one also on the real MariaDB (whose conditional UPDATE reads the
    latest committed row, unlike SQLite's single writer)."""
    from tests.backend.integration.test_search_contract import mysql_store

    factories = {"sql": sql_store, "sql-mariadb": mysql_store}
    factory = factories[request.param](tmp_path) if request.param in factories else elastic_store()
    async with factory as s:
        yield s


@pytest.fixture
async def es_store() -> AsyncIterator[ElasticMessageStore]:
    async with elastic_store() as s:
        yield s


# -- the contract ------------------------------------------------------------------------------


async def test_write_then_get_round_trips_every_field(store: Store) -> None:
    c = chat()
    full = replace(
        msg(c, 1, text="héllo ✓ <b>not html</b>"),
        edited_at=BASE + timedelta(minutes=5),
        attachments=(Attachment("f1", "a.png", 12, "image/png", "ab" * 32, 4, 3, True, "data:,"),),
        reply_to_seq=None,
    )
    reply = replace(msg(c, 2, sender="bob"), reply_to_seq=1, client_msg_id=None)
    await store.write([full, reply])

    got = await store.get([(c, 1), (c, 2), (c, 3), ("elsewhere", 1)])

    assert got == {(c, 1): full, (c, 2): reply}
    assert got[(c, 1)].id == f"{c}:1"


async def test_get_of_nothing_is_empty(store: Store) -> None:
    await store.write([])
    assert await store.get([]) == {}


async def test_overwrite_by_id_replaces_and_never_duplicates(store: Store) -> None:
    c = chat()
    first = msg(c, 1)
    await store.write([first, msg(c, 2)])
    await store.write([first])  # a retried write
    edited = edit(first, 3, "edited")
    await store.write([edited])
    await store.write([edit(first, 2, "stale"), edited])  # within one batch the newest wins
    await store.write([edited, edit(first, 2, "stale")])

    assert (await store.get([(c, 1)]))[(c, 1)] == edited
    page, more = await store.history(c, before=None, after=None, limit=10)
    assert [m.seq for m in page] == [1, 2]
    assert page[0] == edited
    assert not more


# seqs 4 and 9 belong to other events (an edit, a member joining): no message has them
PAGED = [s for s in range(1, 13) if s not in (4, 9)]


async def check_pages(store: Store, c: str) -> None:
    """The paging contract over the messages `PAGED` of chat `c`."""

    async def page(before: int | None, after: int | None, limit: int) -> tuple[list[int], bool]:
        messages, more = await store.history(c, before=before, after=after, limit=limit)
        return [m.seq for m in messages], more

    assert await page(None, None, 3) == ([10, 11, 12], True)  # the latest page by default
    assert await page(10, None, 3) == ([6, 7, 8], True)
    assert await page(6, None, 3) == ([2, 3, 5], True)
    assert await page(2, None, 3) == ([1], False)
    assert await page(None, 0, 3) == ([1, 2, 3], True)
    assert await page(None, 3, 3) == ([5, 6, 7], True)
    assert await page(None, 10, 3) == ([11, 12], False)
    assert await page(None, 12, 3) == ([], False)
    assert await page(8, 3, 10) == ([5, 6, 7], False)
    assert await page(None, None, 100) == (PAGED, False)
    assert await page(None, None, 10) == (PAGED[-10:], False)
    assert await page(None, None, 9) == (PAGED[-9:], True)


async def test_history_pages(store: Store) -> None:
    c = chat()
    await store.write([msg(c, s) for s in PAGED])
    await store.write([msg(chat(), 1)])  # another chat's messages never leak in

    await check_pages(store, c)
    assert await store.history(chat(), before=None, after=None, limit=5) == ([], False)


async def test_tombstones_stay_in_history_without_content(store: Store) -> None:
    c = chat()
    original = replace(msg(c, 1), attachments=(Attachment("f1", "x.txt", 3, "text/plain", ""),))
    await store.write([original, msg(c, 2)])
    await store.write([tombstone(original)])

    got = (await store.get([(c, 1)]))[(c, 1)]
    assert got.deleted and got.text is None and got.attachments == ()
    assert got.created_at == original.created_at and got.sender_id == original.sender_id
    page, _ = await store.history(c, before=None, after=None, limit=10)
    assert [(m.seq, m.deleted) for m in page] == [(1, True), (2, False)]


async def test_a_write_that_returned_is_visible_at_once(store: Store) -> None:
    """`get` and the latest history page are real-time: no refresh, no waiting."""
    c = chat()
    for seq in range(1, 31):
        await store.write([msg(c, seq)])
        assert (c, seq) in await store.get([(c, seq)])
        page, _ = await store.history(c, before=None, after=None, limit=5)
        assert page[-1].seq == seq
        newer, _ = await store.history(c, before=None, after=seq - 1, limit=5)
        assert [m.seq for m in newer] == [seq]


async def read_back(store: Store, c: str, seq: int) -> tuple[bool, str | None]:
    """What a user reads of message `seq`: by id and on the history page, which must agree."""
    got = (await store.get([(c, seq)]))[(c, seq)]
    page, _ = await store.history(c, before=None, after=None, limit=50)
    assert [m for m in page if m.seq == seq] == [got]
    return got.deleted, got.text


async def test_a_stale_edit_landing_late_never_overwrites_a_newer_one(versioned: Store) -> None:
    """Two replicas stored edits 5 and 7 of message 1; edit 5's write lands last."""
    c = chat()
    first = msg(c, 1)
    await versioned.write([first, msg(c, 2)])
    await versioned.write([edit(first, 7, "second edit")])
    await versioned.write([edit(first, 5, "first edit")])

    assert await read_back(versioned, c, 1) == (False, "second edit")
    assert (await versioned.get([(c, 1)]))[(c, 1)].version == 7


async def test_an_edit_landing_after_its_deletion_never_resurrects_the_message(
    versioned: Store,
) -> None:
    """Edit 5 and deletion 6 were stored by different replicas; the edit's write lands last,
    as does a late retry of the original creation."""
    c = chat()
    first = msg(c, 1)
    await versioned.write([first])
    await versioned.write([tombstone(first, version=6)])
    await versioned.write([edit(first, 5, "edited before the deletion")])
    await versioned.write([first])

    assert await read_back(versioned, c, 1) == (True, None)


async def test_a_deleted_message_is_never_edited_back_even_by_a_higher_version(
    versioned: Store,
) -> None:
    c = chat()
    first = msg(c, 1)
    await versioned.write([first])
    await versioned.write([tombstone(first, version=6)])
    await versioned.write([edit(first, 9, "back from the dead")])

    assert await read_back(versioned, c, 1) == (True, None)


async def test_out_of_order_in_one_batch_and_across_batches_ends_in_the_newest_state(
    versioned: Store,
) -> None:
    """Every order of one message's creation, two edits and deletion ends deleted; every order of
    its creation and two edits ends with the later edit."""
    orders = [(0, 1, 2, 3), (3, 2, 1, 0), (1, 3, 0, 2), (2, 0, 3, 1)]
    for n, order in enumerate(orders):
        c = chat()
        first = msg(c, 1)
        states = [first, edit(first, 3, "edit 3"), edit(first, 4, "edit 4"), tombstone(first, 5)]
        await versioned.write([first])
        for i in order:
            await versioned.write([states[i]])
        assert await read_back(versioned, c, 1) == (True, None), order
        c2 = chat()
        second = msg(c2, 1)
        live = [second, edit(second, 3, "edit 3"), edit(second, 4, "edit 4")]
        await versioned.write([live[i] for i in order if i < 3][:: -1 if n % 2 else 1])
        assert await read_back(versioned, c2, 1) == (False, "edit 4"), order


# -- Elasticsearch only: outages and reindexing ------------------------------------------------


async def refresh(store: ElasticMessageStore) -> None:
    es = AsyncElasticsearch(engine("ELASTICSEARCH_URL"))
    try:
        await es.indices.refresh(index=store.alias)
    finally:
        await es.close()


@pytest.mark.engines
@pytest.mark.parametrize("searchable", ["all", "odd", "none"])
async def test_history_merges_search_hits_with_unrefreshed_writes(
    es_store: ElasticMessageStore, searchable: str
) -> None:
    """Pages come out the same whether the search sees every message, some or none yet."""
    c = chat()
    first = [s for s in PAGED if searchable == "all" or (searchable == "odd" and s % 2)]
    await es_store.write([msg(c, s) for s in first])
    await refresh(es_store)
    await es_store.write([msg(c, s) for s in PAGED if s not in first])

    await check_pages(es_store, c)

    # an edit and a deletion show at once, even where the search still holds the old version
    await es_store.write([tombstone(msg(c, 11)), edit(msg(c, 12), 20, "edited")])
    page, _ = await es_store.history(c, before=None, after=None, limit=2)
    assert [(m.seq, m.deleted, m.text) for m in page] == [(11, True, None), (12, False, "edited")]


@pytest.mark.engines
async def test_history_over_a_wide_gap_refreshes_instead_of_probing(
    es_store: ElasticMessageStore,
) -> None:
    c = chat()
    far = GAP_LIMIT * 3
    await es_store.write([msg(c, 1), msg(c, far)])

    page, more = await es_store.history(c, before=None, after=None, limit=5)
    assert ([m.seq for m in page], more) == ([1, far], False)
    page, more = await es_store.history(c, before=None, after=1, limit=5)
    assert ([m.seq for m in page], more) == ([far], False)


@pytest.mark.engines
async def test_run_reindex_keeps_messages_and_moves_the_alias(
    es_store: ElasticMessageStore,
) -> None:
    c = chat()
    await es_store.write([msg(c, s) for s in PAGED])

    stats = await run_reindex(engine("ELASTICSEARCH_URL"), es_store.prefix)
    again = await run_reindex(engine("ELASTICSEARCH_URL"), es_store.prefix)

    assert stats["generation"] == 2 and stats["copied"] == len(PAGED)
    assert again["generation"] == 3 and again["copied"] == len(PAGED)
    await check_pages(es_store, c)
    state = await _count_in(engine("ELASTICSEARCH_URL"), es_store.alias)
    assert state == {"count": len(PAGED), "indices": [f"{es_store.alias}-3"]}


@pytest.mark.engines
async def test_an_interrupted_reindex_is_finished_by_the_next(
    es_store: ElasticMessageStore,
) -> None:
    """A reindex that died after moving the alias left messages only in the old index."""
    c = chat()
    await es_store.write([msg(c, s) for s in PAGED])
    old, new = f"{es_store.alias}-1", f"{es_store.alias}-2"
    es = AsyncElasticsearch(engine("ELASTICSEARCH_URL"))
    try:  # the state after step 2: alias moved, nothing copied yet
        await es.indices.create(index=new)
        await es.indices.update_aliases(
            actions=[
                {"remove": {"index": old, "alias": es_store.alias}},
                {"add": {"index": new, "alias": es_store.alias, "is_write_index": True}},
                {"add": {"index": old, "alias": es_store.previous_alias}},
            ]
        )
        await es.indices.add_block(index=old, block="write")
    finally:
        await es.close()
    assert len(await es_store.get([(c, s) for s in PAGED])) == len(PAGED)  # read through previous
    await check_pages(es_store, c)  # the new index's search finds nothing yet; pages stay whole
    await es_store.write([edit(msg(c, 1), 50, "written after the switch")])

    stats = await es_store.reindex()

    assert stats["generation"] == 3
    got = await es_store.get([(c, s) for s in PAGED])
    assert sorted(s for _, s in got) == PAGED
    assert got[(c, 1)].text == "written after the switch"  # the newer write was kept
    state = await _count_in(engine("ELASTICSEARCH_URL"), es_store.alias)
    assert state == {"count": len(PAGED), "indices": [f"{es_store.alias}-3"]}


@pytest.mark.engines
async def test_a_reindex_lifts_the_tombstones_an_older_release_wrote(
    es_store: ElasticMessageStore,
) -> None:
    """Before external versions a deletion was stored under Elasticsearch's own counter (2 after
    the creation and the deletion), so any later edit outranked it; the reindex an upgrade runs
    lifts such tombstones above every edit."""
    c = chat()
    first = msg(c, 1)
    created = {
        "chat_id": c,
        "seq": 1,
        "sender_id": first.sender_id,
        "text": first.text,
        "created_at": first.created_at.isoformat(),
        "deleted": False,
    }
    es = AsyncElasticsearch(engine("ELASTICSEARCH_URL"))
    try:
        await es.index(index=es_store.alias, id=first.id, document=created)
        deleted = {**created, "text": None, "deleted": True}
        await es.index(index=es_store.alias, id=first.id, document=deleted, refresh=True)
    finally:
        await es.close()

    await es_store.reindex()
    await es_store.write([edit(first, 9, "back from the dead")])

    assert await read_back(es_store, c, 1) == (True, None)


async def _write_retrying(store: Store, m: Message, timeout: float = 120.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        try:
            await store.write([m])
            return
        except Unavailable:
            if asyncio.get_running_loop().time() > deadline:
                raise
            await asyncio.sleep(0.2)


@pytest.mark.engines
async def test_unavailable_while_the_node_is_down_and_recovers(
    es_store: ElasticMessageStore,
) -> None:
    c = chat()
    await es_store.write([msg(c, 1)])
    await asyncio.to_thread(run_engine, "elasticsearch", "stop")
    try:
        with pytest.raises(Unavailable) as refused:
            await es_store.write([msg(c, 2)])
        assert refused.value.code == "store_unavailable"
        with pytest.raises(Unavailable):
            await es_store.get([(c, 1)])
        with pytest.raises(Unavailable):
            await es_store.history(c, before=None, after=None, limit=10)
    finally:
        await asyncio.to_thread(run_engine, "elasticsearch", "start")

    await _write_retrying(es_store, msg(c, 2))  # the same client recovers by itself
    got = await es_store.get([(c, 1), (c, 2)])
    assert sorted(got) == [(c, 1), (c, 2)]  # the write acknowledged before the outage survived


async def _count_in(url: str, index: str) -> dict[str, Any]:
    es = AsyncElasticsearch(url)
    try:
        await es.indices.refresh(index=index)
        count = (await es.count(index=index))["count"]
        aliases = (await es.indices.get_alias(name=index)).body
        return {"count": count, "indices": sorted(aliases)}
    finally:
        await es.close()


@pytest.mark.engines
@pytest.mark.slow
async def test_reindex_under_writes_loses_and_duplicates_nothing(
    es_store: ElasticMessageStore,
) -> None:
    c = chat()
    written: list[Message] = []
    edits: dict[int, Message] = {}
    unseen: list[int] = []
    stop = asyncio.Event()

    async def writer() -> None:
        seq = 0
        while not stop.is_set():
            seq += 1
            batch = [msg(c, seq, sender="bob" if seq % 2 else "alice")]
            if seq % 7 == 0:  # also change messages the copy may already have taken
                old = seq // 2
                edit = replace(
                    msg(c, old, sender="bob" if old % 2 else "alice"),
                    text=f"edited at {seq}",
                    edited_at=BASE + timedelta(days=1, seconds=seq),
                    version=seq,
                )
                batch.append(edit)
                edits[old] = edit
            await es_store.write(batch)
            written.append(batch[0])
            # real-time reads stay complete while the alias moves
            if (c, seq) not in await es_store.get([(c, seq)]):
                unseen.append(seq)
            if seq % 5 == 0:
                latest, _ = await es_store.history(c, before=None, after=None, limit=3)
                if latest[-1].seq != seq:
                    unseen.append(seq)

    task = asyncio.create_task(writer())
    try:
        await poll(lambda: asyncio.sleep(0, len(written)), lambda n: n >= 300, 60)
        before = len(written)
        stats = await es_store.reindex(batch=50)
        during = len(written) - before
        await poll(lambda: asyncio.sleep(0, len(written)), lambda n: n >= before + during + 50, 60)
    finally:
        stop.set()
        await task  # re-raises a failed write: none may fail

    print("reindex stats", stats, "writes during", during)
    assert during > 0, "no write overlapped the reindex; the test proved nothing"
    assert unseen == []
    assert stats["generation"] == 2 and stats["copied"] >= before
    expected = {m.seq: edits.get(m.seq, m) for m in written}
    got = await es_store.get([(c, s) for s in expected])
    assert {k[1]: v for k, v in got.items()} == expected  # none lost, every edit kept

    url = engine("ELASTICSEARCH_URL")
    state = await _count_in(url, es_store.alias)
    assert state == {"count": len(expected), "indices": [f"{es_store.alias}-2"]}  # no duplicate
    page, more = await es_store.history(c, before=None, after=None, limit=len(expected) + 1)
    assert [m.seq for m in page] == sorted(expected) and not more
