"""Raw Elasticsearch indexing rate here: the ceiling the message path is measured against.

    .venv/bin/python deploy/elasticsearch/bench_raw.py [--url URL] [--docs 3000] [--bulks 200]

Indexes message-shaped documents into a scratch index with the message store's settings (one shard,
no replica, translog fsync per request, refresh=false) and prints documents per second for
single-document requests and for bulks of 100, each with 1 and with 8 requests in flight; then the
same through `ElasticMessageStore.write` (which adds the per-chat head documents). The URL
defaults to PARLEY_TEST_ELASTICSEARCH_URL or the one in .engines/elasticsearch.env. A benchmark,
never a test: the numbers go to the README.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from elasticsearch import AsyncElasticsearch

from backend.adapters.messages.elastic import MESSAGE_MAPPINGS, ElasticMessageStore
from backend.domain.models import Message

REPO = Path(__file__).resolve().parents[2]


def default_url() -> str:
    url = os.environ.get("PARLEY_TEST_ELASTICSEARCH_URL", "")
    env_file = Path(os.environ.get("PARLEY_ENGINES_DIR", REPO / ".engines")) / "elasticsearch.env"
    if not url and env_file.is_file():
        for line in env_file.read_text().splitlines():
            key, _, value = line.partition("=")
            if key == "PARLEY_TEST_ELASTICSEARCH_URL":
                url = value.strip()
    return url or "http://127.0.0.1:29200"


def doc(n: int) -> dict[str, Any]:
    return {
        "chat_id": f"chat{n % 100}",
        "seq": n,
        "sender_id": f"user{n % 7}",
        "text": f"message number {n}: a typical short chat line of some sixty chars",
        "created_at": "2026-11-28T09:00:00+00:00",
        "edited_at": None,
        "deleted": False,
        "client_msg_id": uuid.uuid4().hex,
        "attachments": [],
        "reply_to_seq": None,
    }


async def run(
    es: AsyncElasticsearch, index: str, total: int, per_request: int, inflight: int
) -> float:
    """Index `total` documents in requests of `per_request`, `inflight` at a time; docs/s."""
    counter = iter(range(0, total, per_request))

    async def worker() -> None:
        for start in counter:
            if per_request == 1:
                await es.index(index=index, id=str(start), document=doc(start), refresh=False)
                continue
            ops: list[dict[str, Any]] = []
            for n in range(start, min(start + per_request, total)):
                ops += [{"index": {"_index": index, "_id": str(n)}}, doc(n)]
            resp = await es.bulk(operations=ops, refresh=False)
            if resp["errors"]:
                raise RuntimeError("bulk item failed")

    began = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(inflight)))
    return total / (time.perf_counter() - began)


async def run_store(url: str, total: int, per_call: int, inflight: int) -> float:
    """The same through `ElasticMessageStore.write` (heads included): docs/s."""
    prefix = f"bench-{uuid.uuid4().hex[:8]}"
    store = ElasticMessageStore(url, prefix)
    await store.start()
    counter = iter(range(0, total, per_call))
    now = datetime.now(UTC)

    async def worker() -> None:
        for start in counter:
            await store.write(
                [
                    Message(f"chat{n % 100}", n + 1, f"user{n % 7}", doc(n)["text"], now, None)
                    for n in range(start, min(start + per_call, total))
                ]
            )

    try:
        began = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(inflight)))
        return total / (time.perf_counter() - began)
    finally:
        await store.close()
        es = AsyncElasticsearch(url)
        try:
            names = list((await es.indices.get(index=f"{prefix}-*")).body)
            await es.indices.delete(index=names)
            for name in (f"{prefix}-messages", f"{prefix}-heads"):
                await es.indices.delete_index_template(name=name)
        finally:
            await es.close()


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default=default_url())
    parser.add_argument("--docs", type=int, default=3000, help="documents per single-doc run")
    parser.add_argument("--bulks", type=int, default=200, help="bulk requests per bulk run")
    args = parser.parse_args()
    es = AsyncElasticsearch(args.url, request_timeout=60)
    results: list[dict[str, Any]] = []
    try:
        info = await es.nodes.info(metric="os,jvm")
        node = next(iter(info["nodes"].values()))
        for per_request, total in ((1, args.docs), (100, args.bulks * 100)):
            for inflight in (1, 8):
                index = f"bench-raw-{uuid.uuid4().hex[:8]}"
                await es.indices.create(
                    index=index,
                    settings={
                        "number_of_shards": 1,
                        "number_of_replicas": 0,
                        "translog": {"durability": "request"},
                    },
                    mappings=MESSAGE_MAPPINGS,
                )
                try:
                    rate = await run(es, index, total, per_request, inflight)
                finally:
                    await es.indices.delete(index=index)
                row = {
                    "path": "raw index/bulk",
                    "docs_per_request": per_request,
                    "in_flight": inflight,
                    "docs": total,
                    "docs_per_s": round(rate),
                }
                results.append(row)
                print(json.dumps(row), flush=True)
        for per_request, total in ((1, args.docs), (100, args.bulks * 100)):
            for inflight in (1, 8):
                rate = await run_store(args.url, total, per_request, inflight)
                row = {
                    "path": "ElasticMessageStore.write",
                    "docs_per_request": per_request,
                    "in_flight": inflight,
                    "docs": total,
                    "docs_per_s": round(rate),
                }
                results.append(row)
                print(json.dumps(row), flush=True)
    finally:
        await es.close()
    print(
        json.dumps(
            {
                "elasticsearch": node["version"],
                "cores": node["os"]["available_processors"],
                "heap_max_bytes": node["jvm"]["mem"]["heap_max_in_bytes"],
                "results": results,
            }
        )
    )


if __name__ == "__main__":
    asyncio.run(main())
