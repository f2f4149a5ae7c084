"""Where the real engines of this test run are, and a private namespace in each.

The README's test command starts the engines and leaves `PARLEY_TEST_*` variables in
`.engines/*.env`; a test that needs an engine that is not there fails with that message, it is
never skipped.
"""

from __future__ import annotations

import os
import subprocess
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import pytest
from parleybench.mariadb import create_database, drop_database

from backend.adapters.blobs.s3 import S3BlobStore

REPO = Path(__file__).resolve().parents[2]
ENGINES_DIR = Path(os.environ.get("PARLEY_ENGINES_DIR", REPO / ".engines"))


def _from_files() -> dict[str, str]:
    found: dict[str, str] = {}
    if ENGINES_DIR.is_dir():
        for env_file in sorted(ENGINES_DIR.glob("*.env")):
            for line in env_file.read_text().splitlines():
                key, sep, value = line.partition("=")
                if sep and key.startswith("PARLEY_"):
                    found[key.strip()] = value.strip()
    return found


def engine(name: str) -> str:
    """`PARLEY_TEST_<NAME>` from the environment or the engines' env files; fail if absent."""
    key = f"PARLEY_TEST_{name}"
    value = os.environ.get(key) or _from_files().get(key)
    if not value:
        pytest.fail(
            f"{key} is not set: the real engine is not running. Start the engines with "
            "`make test` (deploy/local/test.sh) or deploy/local/engines.sh up.",
            pytrace=False,
        )
    return value


def engine_script(name: str) -> Path:
    return REPO / "deploy" / "local" / "engines" / f"{name}.sh"


def run_engine(name: str, action: str) -> None:
    """Stop or start a real engine (fault tests); waits for readiness on start."""
    subprocess.run(["bash", str(engine_script(name)), action], check=True, timeout=240)


def unique(prefix: str) -> str:
    return f"{prefix}_{uuid.uuid4().hex[:10]}"


def mysql_database(base_url: str, name: str) -> str:
    """Create a private database on the test MariaDB and return its URL."""
    return create_database(base_url, name)


def drop_production(env: dict[str, str]) -> None:
    """Remove a test namespace: its MySQL database, Elasticsearch indices and S3 bucket."""
    import httpx

    url = env["PARLEY_DATABASE_URL"]
    drop_database(url, urlsplit(url).path.lstrip("/"))
    es, prefix = env["PARLEY_ELASTICSEARCH_URL"], env["PARLEY_ELASTICSEARCH_PREFIX"]
    listed = httpx.get(f"{es}/_cat/indices/{prefix}-*", params={"format": "json"}, timeout=30)
    names = [i["index"] for i in listed.json()] if listed.status_code == 200 else []
    if names:
        httpx.delete(f"{es}/{','.join(names)}", timeout=60)
    if "PARLEY_S3_BUCKET" in env:
        drop_production_bucket(env)


def drop_production_bucket(env: dict[str, str]) -> None:
    """`drop_bucket` from synchronous teardown, on a thread of its own: a test's event loop may
    still be current on this one."""
    import asyncio
    import threading

    worker = threading.Thread(target=lambda: asyncio.run(drop_bucket(env)))
    worker.start()
    worker.join(120)


def production_env(tag: str) -> dict[str, str]:
    """Settings for a server on every production engine, in namespaces of its own."""
    run = unique(tag)
    amqp = urlsplit(engine("AMQP_URL"))
    return {
        "PARLEY_DATABASE_URL": mysql_database(engine("MYSQL_URL"), run),
        "PARLEY_ELASTICSEARCH_URL": engine("ELASTICSEARCH_URL"),
        "PARLEY_ELASTICSEARCH_PREFIX": run.lower(),
        "PARLEY_AMQP_URL": urlunsplit(amqp),
        "PARLEY_AMQP_EXCHANGE": f"{run}.events",
        "PARLEY_REDIS_URL": engine("REDIS_URL"),
        "PARLEY_REDIS_PREFIX": run,
        # Production replicas refuse to start without a shared signing key.
        "PARLEY_JWT_SECRET": f"test-secret-{run}-" + "s" * 32,
        "PARLEY_JWT_KID": "t1",
        **s3_env(run),
    }


@asynccontextmanager
async def _minio(env: dict[str, str]) -> AsyncIterator[Any]:
    """A plain S3 client on the test's bucket server, to look behind the store's back."""
    from miniopy_async.api import Minio

    client = Minio(
        env["PARLEY_S3_ENDPOINT"].split("://", 1)[1],
        access_key=env["PARLEY_S3_ACCESS_KEY"],
        secret_key=env["PARLEY_S3_SECRET_KEY"],
        secure=False,
        region=env["PARLEY_S3_REGION"],
    )
    try:
        yield client
    finally:
        await client.close_session()  # type: ignore[no-untyped-call]


async def drop_bucket(env: dict[str, str]) -> None:
    """Remove a test bucket and everything in it from the real S3 server."""
    bucket = env["PARLEY_S3_BUCKET"]
    async with _minio(env) as client:
        if await client.bucket_exists(bucket):
            async for obj in client.list_objects(bucket, recursive=True):
                await client.remove_object(bucket, str(obj.object_name))
            await client.remove_bucket(bucket)


async def bucket_contents(env: dict[str, str]) -> tuple[list[str], list[str]]:
    """The object keys in a test bucket, and the keys of its unfinished multipart uploads."""
    bucket = env["PARLEY_S3_BUCKET"]
    async with _minio(env) as client:
        objects = [str(o.object_name) async for o in client.list_objects(bucket, recursive=True)]
        listed = await client._list_multipart_uploads(bucket)
        return objects, [str(u.object_name) for u in listed.uploads]


@asynccontextmanager
async def s3_store(prefix: str) -> AsyncIterator[tuple[S3BlobStore, dict[str, str]]]:
    """A started S3 blob store on a bucket of its own (and that bucket's settings), dropped
    afterwards, so a test sees only its own objects."""
    env = s3_env(unique(prefix))
    store = S3BlobStore(
        env["PARLEY_S3_ENDPOINT"],
        env["PARLEY_S3_ACCESS_KEY"],
        env["PARLEY_S3_SECRET_KEY"],
        env["PARLEY_S3_BUCKET"],
        env["PARLEY_S3_REGION"],
    )
    await store.start()
    try:
        yield store, env
    finally:
        await store.close()
        await drop_bucket(env)


def s3_env(run: str) -> dict[str, str]:
    """The real S3 server (versitygw) with a bucket of this run's own (made on first start)."""
    return {
        "PARLEY_S3_ENDPOINT": engine("S3_ENDPOINT"),
        "PARLEY_S3_ACCESS_KEY": engine("S3_ACCESS_KEY"),
        "PARLEY_S3_SECRET_KEY": engine("S3_SECRET_KEY"),
        "PARLEY_S3_REGION": engine("S3_REGION"),
        "PARLEY_S3_BUCKET": run.lower().replace("_", "-"),
    }
