"""The production message store: Elasticsearch 8.x through the official async client.

Layout, per prefix `P` (every name below is reached only through its alias):

- `P-messages`: the read/write alias over one concrete index `P-messages-<n>`; one document per
  message, id `<chat_id>:<seq>`, so a retried write overwrites instead of duplicating. Its external
  `_version` is the seq of the event that wrote it (tombstones above every edit), so a write
  landing out of order across replicas is refused instead of undoing a newer state.
- `P-heads`: alias over `P-heads-1`; one document per chat whose `_version` is the highest `seq`
  ever written for it (external versioning: a lower version is refused, which is fine). It tells
  `history()` which seqs may exist but not be searchable yet.
- `P-messages-previous`: exists only while `reindex()` runs, on the index being replaced.

Writes are one bulk request with `refresh=false`; the template sets `translog.durability=request`,
so an acknowledged item is on disk. Every item's status is checked; the call returns only when all
were stored, and raises `Unavailable` otherwise.

Reads by id (`get`, resume) use `mget`, which is real-time. `history` searches (near-real-time,
refreshed about once a second) only to find where the page lies, then makes the answer real-time:
it reads the chat's head and fetches by id every seq of the page's window, so a message whose write
returned is on the latest page, with its latest edit or deletion, even before the next refresh.
Unread counts may lag by one refresh interval.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import AsyncIterator, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import datetime
from typing import Any

from elasticsearch import ApiError, AsyncElasticsearch, TransportError

from backend.adapters.messages import attachments as stored
from backend.adapters.messages.elastic_search import (
    SEARCH_MAPPINGS,
    search_body,
    search_fields,
    with_search_fields,
)
from backend.domain.errors import Unavailable
from backend.domain.models import Message, message_id, newest_states
from backend.domain.ports import SearchRequest
from backend.domain.search.analysis import prepare as prepare_search

log = logging.getLogger(__name__)

# The stable code clients see (503) when a message could not be stored or read; the pipeline uses
# the same one for any store failure.
STORE_UNAVAILABLE = "store_unavailable"
# Beyond this many seqs to check by id, `history` refreshes the index and searches again instead.
GAP_LIMIT = 512
# How often a write item refused by a write block (a reindex just moved the alias) is resent.
BLOCKED_RETRIES = 3
# What a bulk answer needs to say: whether any item failed, and each item's status and error (the
# status keeps every item in its place). The rest (index, id, version, shards) is never read, and
# parsing it cost more than the request's own JSON.
BULK_FILTER = "errors,items.*.status,items.*.error"

MESSAGE_MAPPINGS: dict[str, Any] = {
    "dynamic": "strict",
    "properties": {
        "chat_id": {"type": "keyword"},
        "seq": {"type": "long"},
        "sender_id": {"type": "keyword"},
        "text": {"type": "text"},
        "created_at": {"type": "date"},
        "edited_at": {"type": "date"},
        "deleted": {"type": "boolean"},
        "client_msg_id": {"type": "keyword", "index": False},
        "attachments": {"type": "object", "enabled": False},
        "reply_to_seq": {"type": "long", "index": False},
        **SEARCH_MAPPINGS,
    },
}

# A tombstone's external `_version` is its revision plus this, above any edit's: Elasticsearch then
# refuses every later non-deletion write by itself, so a deleted message is never edited back
# whatever order replicas' writes land in (Elasticsearch allows versions up to 2**63 - 1; `seq`
# stays far below 2**62).
DELETED_VERSIONS = 1 << 62


# Where `_mget` puts a document's `_version` in its source (no mapped field has this name).
VERSION_KEY = "_version"


def _version(m: Message) -> int:
    """The external `_version` of a message state (see `DELETED_VERSIONS`)."""
    return m.revision + (DELETED_VERSIONS if m.deleted else 0)


HEAD_MAPPINGS: dict[str, Any] = {
    "dynamic": "strict",
    "properties": {"last_seq": {"type": "long", "index": False}},
}


def _doc(m: Message) -> dict[str, Any]:
    return {
        "chat_id": m.chat_id,
        "seq": m.seq,
        "sender_id": m.sender_id,
        "text": m.text,
        "created_at": m.created_at.isoformat(),
        "edited_at": m.edited_at.isoformat() if m.edited_at else None,
        "deleted": m.deleted,
        "client_msg_id": m.client_msg_id,
        "attachments": stored.records(m.attachments),
        "reply_to_seq": m.reply_to_seq,
        **search_fields(m.text, stored.records(m.attachments), m.deleted),
    }


def _message(src: Mapping[str, Any]) -> Message:
    """A document as `_mget` returns it (its `_version` folded into the source)."""
    edited = src.get("edited_at")
    return Message(
        chat_id=src["chat_id"],
        seq=int(src["seq"]),
        sender_id=src["sender_id"],
        text=src.get("text"),
        created_at=datetime.fromisoformat(src["created_at"]),
        client_msg_id=src.get("client_msg_id"),
        edited_at=datetime.fromisoformat(edited) if edited else None,
        deleted=bool(src.get("deleted", False)),
        attachments=stored.parse(src.get("attachments")),
        reply_to_seq=src.get("reply_to_seq"),
        version=int(src.get(VERSION_KEY, 0)) % DELETED_VERSIONS,
    )


def _retryable(e: Exception) -> bool:
    """Errors that mean the engine is down, overloaded or not ready, as opposed to our bug."""
    if isinstance(e, ApiError):
        return e.meta.status in (404, 408, 429) or e.meta.status >= 500
    return isinstance(e, TransportError)


@contextmanager
def _engine_errors(what: str) -> Iterator[None]:
    try:
        yield
    except (ApiError, TransportError) as e:
        if not _retryable(e):
            raise
        log.warning("elasticsearch %s failed: %s", what, type(e).__name__)
        raise Unavailable(
            f"the message store is unavailable ({what})", code=STORE_UNAVAILABLE
        ) from e


class ElasticMessageStore:
    """`MessageStore` on Elasticsearch; see the module docstring for the layout and guarantees."""

    def __init__(
        self,
        url: str,
        prefix: str = "parley",
        *,
        request_timeout: float = 10.0,
        shards: int = 1,
        replicas: int = 0,
    ) -> None:
        self.prefix = prefix
        self.alias = f"{prefix}-messages"
        self.previous_alias = f"{prefix}-messages-previous"
        self.heads_alias = f"{prefix}-heads"
        self._shards = shards
        self._replicas = replicas
        self._es = AsyncElasticsearch(
            url, request_timeout=request_timeout, max_retries=2, retry_on_timeout=False
        )

    # -- lifecycle -----------------------------------------------------------------------------

    async def start(self) -> None:
        """Create the templates, the first indices and their aliases when missing."""
        prepare_search()
        with _engine_errors("start"):
            await self._put_templates()
            await self._ensure_alias(self.alias, f"{self.alias}-1")
            await self._ensure_alias(self.heads_alias, f"{self.heads_alias}-1")
            # Adding fields is the one mapping change an index takes in place; documents written
            # before get their search fields from the next `reindex()`.
            await self._es.indices.put_mapping(index=self.alias, properties=SEARCH_MAPPINGS)
            await self._es.cluster.health(
                index=[self.alias, self.heads_alias], wait_for_status="yellow", timeout="30s"
            )

    async def close(self) -> None:
        await self._es.close()

    def _settings(self) -> dict[str, Any]:
        return {
            "number_of_shards": self._shards,
            "number_of_replicas": self._replicas,
            # the default, stated because the acknowledgement promise depends on it
            "translog": {"durability": "request"},
        }

    async def _put_templates(self) -> None:
        for name, mappings in ((self.alias, MESSAGE_MAPPINGS), (self.heads_alias, HEAD_MAPPINGS)):
            await self._es.indices.put_index_template(
                name=name,
                index_patterns=[f"{name}-*"],
                priority=100,
                template={"settings": self._settings(), "mappings": mappings},
                meta={"owner": "parley"},
            )

    async def _ensure_alias(self, alias: str, first_index: str) -> None:
        if await self._es.indices.exists_alias(name=alias):
            return
        try:
            await self._es.indices.create(
                index=first_index, aliases={alias: {"is_write_index": True}}
            )
        except ApiError as e:
            if e.error != "resource_already_exists_exception":  # another replica was first
                raise

    # -- writes --------------------------------------------------------------------------------

    async def write(self, messages: Sequence[Message]) -> None:
        if not messages:
            return
        latest = newest_states(messages)
        heads: dict[str, int] = {}
        for m in latest.values():
            heads[m.chat_id] = max(heads.get(m.chat_id, 0), m.seq)
        ops: list[dict[str, Any]] = []
        for chat_id, seq in heads.items():
            ops.append(
                {
                    "index": {
                        "_index": self.heads_alias,
                        "_id": chat_id,
                        "version": seq,
                        "version_type": "external_gte",
                    }
                }
            )
            ops.append({"last_seq": seq})
        for m in latest.values():
            # External versioning: the state is stored only over an older version; a stale
            # write (another replica's newer event already landed) is refused and dropped.
            version = {"version": _version(m), "version_type": "external"}
            ops.append({"index": {"_index": self.alias, "_id": m.id, **version}})
            ops.append(_doc(m))
        await self._bulk(ops)

    async def _bulk(self, ops: list[dict[str, Any]]) -> None:
        """Send `ops` (action, source pairs); return when every item is stored."""
        for _ in range(BLOCKED_RETRIES + 1):
            with _engine_errors("write"):
                resp = await self._es.bulk(operations=ops, refresh=False, filter_path=BULK_FILTER)
            if not resp.get("errors"):
                return
            blocked: list[dict[str, Any]] = []
            failed: list[str] = []
            for i, item in enumerate(resp["items"]):
                result = item["index"]
                error = result.get("error")
                if error is None:
                    continue
                if error.get("type") == "version_conflict_engine_exception":
                    continue  # a newer state (or a higher head) is already stored
                if error.get("type") == "cluster_block_exception":
                    blocked += ops[2 * i : 2 * i + 2]  # a reindex moved the alias; resend
                    continue
                failed.append(str(error.get("type")))
            if failed:
                log.warning(
                    "elasticsearch refused %d of %d writes: %s",
                    len(failed),
                    len(ops) // 2,
                    sorted(set(failed)),
                )
                raise Unavailable(
                    f"the message store refused {len(failed)} writes", code=STORE_UNAVAILABLE
                )
            if not blocked:
                return
            ops = blocked
        raise Unavailable("the message store's index is read-only", code=STORE_UNAVAILABLE)

    # -- reads ---------------------------------------------------------------------------------

    async def _mget(self, ids: Sequence[str]) -> dict[str, dict[str, Any]]:
        """Real-time reads by id through the alias; ids it lacks are looked up in the index a
        running reindex is replacing (it may hold writes that reached it just before the alias
        moved; without a reindex that alias does not exist and the lookup finds nothing)."""
        found = await self._mget_from(self.alias, ids, required=True)
        missing = [i for i in dict.fromkeys(ids) if i not in found]
        if missing:
            found.update(await self._mget_from(self.previous_alias, missing, required=False))
        return found

    async def _mget_from(
        self, index: str, ids: Sequence[str], *, required: bool
    ) -> dict[str, dict[str, Any]]:
        if not ids:
            return {}
        with _engine_errors("read"):
            resp = await self._es.mget(
                docs=[{"_index": index, "_id": i} for i in ids],
                realtime=True,
                filter_path=[
                    "docs._id",
                    "docs.found",
                    "docs._source",
                    "docs._version",
                    "docs.error.type",
                ],
            )
        found: dict[str, dict[str, Any]] = {}
        for d in resp.body.get("docs", []):
            if d.get("found"):
                found[d["_id"]] = {**d["_source"], VERSION_KEY: d.get("_version", 0)}
            elif "error" in d and required:
                raise Unavailable("the message store is unavailable (read)", code=STORE_UNAVAILABLE)
        return found

    async def get(self, keys: Sequence[tuple[str, int]]) -> dict[tuple[str, int], Message]:
        found = await self._mget([message_id(chat_id, seq) for chat_id, seq in keys])
        out: dict[tuple[str, int], Message] = {}
        for src in found.values():
            m = _message(src)
            out[(m.chat_id, m.seq)] = m
        return out

    async def _head(self, chat_id: str) -> int:
        with _engine_errors("read"):
            resp = await self._es.options(ignore_status=404).get(
                index=self.heads_alias, id=chat_id, realtime=True, source=False
            )
        return int(resp.body["_version"]) if resp.body.get("found") else 0

    async def _search_seqs(
        self, chat_id: str, before: int | None, after: int | None, size: int, ascending: bool
    ) -> list[int]:
        """The seqs of a page as the (near-real-time) search sees them; contents come by id."""
        seq_range: dict[str, int] = {}
        if after is not None:
            seq_range["gt"] = after
        if before is not None:
            seq_range["lt"] = before
        filters: list[dict[str, Any]] = [{"term": {"chat_id": chat_id}}]
        if seq_range:
            filters.append({"range": {"seq": seq_range}})
        with _engine_errors("search"):
            resp = await self._es.search(
                index=self.alias,
                query={"bool": {"filter": filters}},
                sort=[{"seq": "asc" if ascending else "desc"}],
                size=size,
                source=False,
                track_total_hits=False,
            )
        return [int(h["sort"][0]) for h in resp["hits"]["hits"]]

    async def history(
        self, chat_id: str, *, before: int | None, after: int | None, limit: int
    ) -> tuple[list[Message], bool]:
        ascending = after is not None and before is None
        seqs, head = await asyncio.gather(
            self._search_seqs(chat_id, before, after, limit + 1, ascending), self._head(chat_id)
        )
        # The window that must be complete: from the bound (or the far end of a full page) up to
        # the newest seq ever written. Every seq in it is read by id (real-time), so a write that
        # returned is on the page, with its latest content, even before the next refresh.
        newest = max([head, *seqs])
        lo = after + 1 if after is not None else 1
        hi = newest if before is None else min(newest, before - 1)
        if len(seqs) > limit:
            if ascending:
                hi = min(hi, max(seqs))
            else:
                lo = max(lo, min(seqs))
        candidates: list[int] = list(range(lo, hi + 1))
        if len(candidates) - len(seqs) > GAP_LIMIT:
            # Too many seqs that are not messages: make everything searchable instead.
            with _engine_errors("refresh"):
                await self._es.indices.refresh(index=self.alias)
            candidates = await self._search_seqs(chat_id, before, after, limit + 1, ascending)
        found = await self._mget([message_id(chat_id, s) for s in candidates])
        ordered = sorted((_message(src) for src in found.values()), key=lambda m: m.seq)
        if limit <= 0:
            return [], bool(ordered)
        page = ordered[:limit] if ascending else ordered[-limit:]
        return page, len(ordered) > limit

    async def search(self, request: SearchRequest) -> list[Message]:
        """Ids from a (near-real-time) search, contents by id (real-time, so an edit made since
        the last refresh shows its new text, and a message deleted since is dropped)."""
        if not request.chat_ids:
            return []
        with _engine_errors("search"):
            resp = await self._es.search(index=self.alias, **search_body(request))
        ids = [h["_id"] for h in resp["hits"]["hits"]]
        found = await self._mget(ids)
        hits = [_message(found[i]) for i in ids if i in found]
        return [m for m in hits if not m.deleted]

    # -- reindex -------------------------------------------------------------------------------

    async def reindex(self, *, batch: int = 500) -> dict[str, int]:
        """Copy every message into a new index built from the current template and move the alias
        to it, while other processes keep writing. Loses nothing, duplicates nothing.

        1. Create `P-messages-<n+1>` and copy the old index into it through a point-in-time
           snapshot, remembering for each copied id its `_seq_no` in the old index and in the new.
        2. In one `_aliases` call, move `P-messages` (read and write) to the new index and put
           `P-messages-previous` on the old one. The alias names one index at every instant, so
           no search sees a message twice; from here on every new write lands in the new index.
        3. Add a write block to the old index. Elasticsearch returns only after the writes already
           executing on it have finished; a write that had resolved the alias to the old index but
           arrives later is refused and `write()` resends it through the alias (the new index).
           The old index is now frozen.
        4. Scan the old index again and bring over what changed after the snapshot, each document
           with its external `_version` (copies keep theirs), applied only over an older one. A
           conflict means a live write newer than anything in the frozen old index reached the
           new index after step 2, so it is kept; an older live write is overwritten.
        5. Remove the `previous` alias and delete the old index.

        Between steps 2 and 4 a message may exist only in the old index; `get` and `history`
        read by id through `P-messages-previous` as a fallback, so real-time reads stay complete.
        If the process dies between 2 and 5, the next `reindex()` finishes the old one first
        (by the same version comparison).
        Run one reindex at a time; one that dies before step 2 leaves an unused `P-messages-<n>`
        behind (delete it by hand).
        """
        with _engine_errors("reindex"):
            await self._put_templates()
            stats = {"copied": 0, "recopied": 0, "kept_newer": 0, "unchanged": 0}
            stale = await self._indices_of(self.previous_alias)
            current = await self._indices_of(self.alias)
            if len(current) != 1:
                raise Unavailable(
                    f"alias {self.alias} names {len(current)} indices, expected 1",
                    code=STORE_UNAVAILABLE,
                )
            if stale:
                log.warning("finishing an interrupted reindex of %s", stale[0])
                await self._catch_up(stale[0], current[0], {}, stats, batch)
                await self._retire(stale[0])
            old = current[0]
            generation = await self._next_generation()
            new = f"{self.alias}-{generation}"
            await self._es.indices.create(index=new)
            await self._es.indices.refresh(index=old)
            copied: dict[str, tuple[int, int, int]] = {}
            async for hits in self._scan(old, batch):
                ops: list[dict[str, Any]] = []
                for h in hits:
                    version = {"version": _kept_version(h), "version_type": "external_gte"}
                    ops.append({"index": {"_index": new, "_id": h["_id"], **version}})
                    ops.append(with_search_fields(h["_source"]))
                resp = await self._es.bulk(operations=ops, refresh=False)
                for h, item in zip(hits, resp["items"], strict=True):
                    r = item["index"]
                    if "error" in r:
                        raise Unavailable(
                            f"reindex copy failed: {r['error'].get('type')}", code=STORE_UNAVAILABLE
                        )
                    copied[h["_id"]] = (h["_seq_no"], r["_seq_no"], r["_primary_term"])
            stats["copied"] = len(copied)
            # Searchable before the alias moves, so search never answers from an empty index.
            await self._es.indices.refresh(index=new)
            await self._es.indices.update_aliases(
                actions=[
                    {"remove": {"index": old, "alias": self.alias}},
                    {"add": {"index": new, "alias": self.alias, "is_write_index": True}},
                    {"add": {"index": old, "alias": self.previous_alias}},
                ]
            )
            await self._es.indices.add_block(index=old, block="write")
            await self._catch_up(old, new, copied, stats, batch)
            await self._retire(old)
            log.info("reindexed %s into %s: %s", old, new, stats)
            return {"generation": generation, **stats}

    async def _indices_of(self, alias: str) -> list[str]:
        resp = await self._es.options(ignore_status=404).indices.get_alias(name=alias)
        if resp.meta.status == 404:
            return []
        return sorted(resp.body)

    async def _next_generation(self) -> int:
        resp = await self._es.indices.get(index=f"{self.alias}-*", expand_wildcards="all")
        numbers = [
            int(m.group(1))
            for k in resp.body
            if (m := re.fullmatch(rf"{re.escape(self.alias)}-(\d+)", k))
        ]
        return max(numbers, default=0) + 1

    async def _scan(self, index: str, batch: int) -> AsyncIterator[list[dict[str, Any]]]:
        """Every document of `index`, in pages, from one point-in-time snapshot."""
        pit = (await self._es.open_point_in_time(index=index, keep_alive="2m"))["id"]
        try:
            after: list[Any] | None = None
            while True:
                kwargs: dict[str, Any] = {"search_after": after} if after else {}
                resp = await self._es.search(
                    pit={"id": pit, "keep_alive": "2m"},
                    sort=["_shard_doc"],
                    size=batch,
                    seq_no_primary_term=True,
                    version=True,
                    track_total_hits=False,
                    **kwargs,
                )
                pit = resp.get("pit_id", pit)
                hits = resp["hits"]["hits"]
                if not hits:
                    return
                yield hits
                after = hits[-1]["sort"]
        finally:
            await self._es.close_point_in_time(id=pit)

    async def _catch_up(
        self,
        old: str,
        new: str,
        copied: dict[str, tuple[int, int, int]],
        stats: dict[str, int],
        batch: int,
    ) -> None:
        """Step 4 of `reindex`: bring over what changed in the (now frozen) old index."""
        await self._es.indices.refresh(index=old)
        async for hits in self._scan(old, batch):
            ops: list[dict[str, Any]] = []
            for h in hits:
                known = copied.get(h["_id"])
                if known is not None and known[0] == h["_seq_no"]:
                    stats["unchanged"] += 1
                    continue
                # Only over an older version: a live write that reached the new index after the
                # switch and is newer than the frozen old copy is kept (a conflict below).
                version = {"version": _kept_version(h), "version_type": "external"}
                ops.append({"index": {"_index": new, "_id": h["_id"], **version}})
                ops.append(with_search_fields(h["_source"]))
            if not ops:
                continue
            resp = await self._es.bulk(operations=ops, refresh=False)
            for item in resp["items"]:
                r = next(iter(item.values()))
                error = r.get("error")
                if error is None:
                    stats["recopied"] += 1
                elif error.get("type") == "version_conflict_engine_exception":
                    stats["kept_newer"] += 1
                else:
                    raise Unavailable(
                        f"reindex catch-up failed: {error.get('type')}", code=STORE_UNAVAILABLE
                    )

    async def _retire(self, old: str) -> None:
        await self._es.indices.update_aliases(
            actions=[{"remove": {"index": old, "alias": self.previous_alias}}]
        )
        await self._es.indices.delete(index=old)


def _kept_version(hit: Mapping[str, Any]) -> int:
    """A copy keeps the document's `_version`, so later out-of-order writes still compare.

    A tombstone from before `DELETED_VERSIONS` (an index written by an older release) is lifted
    above every edit on the way: after `parley-server reindex` no late edit can bring it back.
    """
    version = int(hit["_version"])
    if hit["_source"].get("deleted") and version < DELETED_VERSIONS:
        version += DELETED_VERSIONS
    return version


async def run_reindex(url: str, prefix: str) -> dict[str, int]:
    """`parley-server reindex`: rebuild the message index of `prefix` on `url` without downtime."""
    store = ElasticMessageStore(url, prefix)
    try:
        await store.start()
        return await store.reindex()
    finally:
        await store.close()
