"""Attachments through the API against raw S3 on the same machine (a measurement, not a test).

Starts a `parley-server` whose blob store is the local versitygw (embedded SQLite otherwise), then:
a SIZE MiB upload and download through the API, the same through miniopy-async straight to S3, and
the server's peak RSS above its baseline during 1 and N concurrent uploads. Prints one JSON line.

    deploy/local/engines/versitygw.sh start
    .venv/bin/python deploy/local/bench/files_bench.py --size 100 --concurrent 10
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import secrets
import shutil
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import httpx
import psutil

sys.path.insert(0, str(Path(__file__).resolve().parents[3]))

from miniopy_async.api import Minio

from backend.adapters.blobs.s3 import PART_SIZE
from tests.support.client import Api
from tests.support.engines import drop_bucket, s3_env
from tests.support.server import ServerProcess

MiB = 1024 * 1024


class Peak:
    def __init__(self, pid: int) -> None:
        self.proc = psutil.Process(pid)
        self.base = self.proc.memory_info().rss
        self.peak = self.base
        self._stop = threading.Event()
        self._t = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.wait(0.01):
            self.peak = max(self.peak, self.proc.memory_info().rss)

    def __enter__(self) -> Peak:
        self._t.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._t.join()

    @property
    def above_mib(self) -> float:
        return round((self.peak - self.base) / MiB, 1)


async def _file_body(path: Path) -> Any:
    with path.open("rb") as f:
        while chunk := f.read(256 * 1024):
            yield chunk


async def api_round(api: Api, token: str, chat: str, path: Path) -> tuple[float, float]:
    size = os.path.getsize(path)  # noqa: ASYNC240  # a bench: one stat before the clock starts
    headers = {"Authorization": f"Bearer {token}", "Content-Length": str(size)}
    t0 = time.perf_counter()
    r = await api.http.post(
        "/files",
        params={"chat_id": chat, "name": path.name},
        content=_file_body(path),
        headers=headers,
        timeout=600,
    )
    up = time.perf_counter() - t0
    assert r.status_code == 201, r.text
    file_id = r.json()["file"]["id"]
    t0 = time.perf_counter()
    first = await api.http.get(
        f"/files/{file_id}", headers={"Authorization": headers["Authorization"]}
    )
    if first.status_code == 302:
        async with (
            httpx.AsyncClient(timeout=600) as plain,
            plain.stream("GET", first.headers["location"]) as resp,
        ):
            async for _ in resp.aiter_bytes(256 * 1024):
                pass
    down = time.perf_counter() - t0
    return up, down


async def raw_round(env: dict[str, str], path: Path) -> tuple[float, float]:
    host = env["PARLEY_S3_ENDPOINT"].split("://", 1)[1]
    client = Minio(
        host,
        env["PARLEY_S3_ACCESS_KEY"],
        env["PARLEY_S3_SECRET_KEY"],
        secure=False,
        region=env["PARLEY_S3_REGION"],
    )
    bucket = env["PARLEY_S3_BUCKET"]
    if not await client.bucket_exists(bucket):
        await client.make_bucket(bucket)
    key = secrets.token_hex(16)
    size = os.path.getsize(path)  # noqa: ASYNC240  # a bench: one stat before the clock starts
    t0 = time.perf_counter()
    with path.open("rb") as f:
        await client.put_object(bucket, key, f, size, part_size=PART_SIZE, num_parallel_uploads=1)
    up = time.perf_counter() - t0
    t0 = time.perf_counter()
    resp = await client.get_object(bucket, key)
    async for _ in resp.content.iter_chunked(256 * 1024):
        pass
    resp.close()
    down = time.perf_counter() - t0
    await client.close_session()
    return up, down


async def main(size_mib: int, concurrent: int) -> dict[str, Any]:
    env = s3_env(f"bench-{secrets.token_hex(4)}")
    work = Path(tempfile.mkdtemp(prefix="parley-files-bench-"))
    path = work / "blob.bin"
    with path.open("wb") as f:
        for _ in range(size_mib):
            f.write(os.urandom(MiB))
    srv = ServerProcess(
        work / "srv",
        {
            **env,
            "PARLEY_MAX_UPLOAD_BYTES": str((size_mib + 1) * MiB),
            "PARLEY_REGISTER_PER_IP": "1000",
        },
    ).start()
    try:
        api = Api(srv.url)
        user = await api.user()
        chat = await api.group(user)
        assert srv.proc is not None
        with Peak(srv.proc.pid) as one:
            api_up, api_down = await api_round(api, user.access_token, chat, path)
        raw_up, raw_down = await raw_round(env, path)
        with Peak(srv.proc.pid) as many:
            await asyncio.gather(
                *(api_round(api, user.access_token, chat, path) for _ in range(concurrent))
            )
        await api.close()
    finally:
        srv.stop()
        await drop_bucket(env)  # 100 MiB × (2 + concurrent) objects: never leave them behind
        shutil.rmtree(work, ignore_errors=True)
    mibs = lambda s: round(size_mib / s, 1)  # noqa: E731
    return {
        "size_mib": size_mib,
        "api_upload_mib_s": mibs(api_up),
        "api_download_mib_s": mibs(api_down),
        "raw_upload_mib_s": mibs(raw_up),
        "raw_download_mib_s": mibs(raw_down),
        "upload_ratio": round(raw_up / api_up, 2),
        "download_ratio": round(raw_down / api_down, 2),
        "rss_above_baseline_mib_1": one.above_mib,
        f"rss_above_baseline_mib_{concurrent}": many.above_mib,
        "load_avg": os.getloadavg(),
    }


if __name__ == "__main__":
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--size", type=int, default=100, help="MiB per file")
    p.add_argument("--concurrent", type=int, default=10)
    a = p.parse_args()
    print(json.dumps(asyncio.run(main(a.size, a.concurrent))))
