"""Attachments through the API against raw S3 on the same machine (a measurement, not a test).

Starts a `parley-server` whose blob store is the local versitygw (embedded SQLite otherwise), then:
a SIZE MiB upload and download through the API, the same through miniopy-async straight to S3, and
the server's peak RSS above its baseline during 1 and N concurrent uploads (plain, then resumable:
8 MiB chunks that become S3 multipart parts), the p50/p99 of message delivery to another socket at
idle, while N clients upload the same bytes straight to S3 (miniopy-async multipart, not through
the API: what the machine itself allows, 2 cores and one disk shared), and while the N uploads run
through the API (their clients in a child process, so the probe's loop is not theirs): the API
phases less the raw one is what Parley adds. Then the time to inspect and thumbnail a 24 MP JPEG
(in process, the server's own `VipsInspector`). Prints one JSON line.

Each loaded phase repeats rounds of the N uploads until the probe (one message every 50 ms) has
at least `MIN_SAMPLES`, so a p99 is the slowest few of 200 and more, not one sample; the round
then running is finished and sampled to its end. The objects of a round are removed before the
next one (S3 on tmpfs is memory). Loop and process CPU are per round: one N × SIZE upload.

`--s3-tmpfs` runs a private versitygw of the engine's cached binary over a directory in /dev/shm
instead of the shared engine (the bench only): how much of the tail is the disk S3 shares with
the server's SQLite journals.

`--files-replica` starts a second replica on the same MariaDB database and S3 bucket and sends
every upload to it, as HAProxy's `/api/v1/files` route does in the cluster, while the probe's
messages stay on the first: what upload replicas of their own leave of the tail. Its baseline is
`--mysql` (the same database, one replica taking both). `--pin` puts the probe's replica and the
probe on core 0 and everything else (the upload replica, S3, the upload clients) on core 1, as
separate hosts would be.

    deploy/local/engines/versitygw.sh start
    .venv/bin/python deploy/local/bench/files_bench.py --size 100 --concurrent 10
    .venv/bin/python deploy/local/bench/files_bench.py --server-dir /work/main  # the "before"
    .venv/bin/python deploy/local/bench/files_bench.py --s3-tmpfs  # S3 off the disk
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import multiprocessing
import os
import secrets
import shutil
import signal
import socket
import subprocess
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
from parleybench.mariadb import drop_database

from backend.adapters.blobs.media import VipsInspector
from backend.adapters.blobs.s3 import PART_SIZE
from tests.support.client import Api, Socket, User
from tests.support.engines import (
    drop_bucket,
    engine,
    engine_script,
    mysql_database,
    s3_env,
    unique,
)
from tests.support.server import ServerProcess

MiB = 1024 * 1024
PROBE_CORE, UPLOAD_CORE = {0}, {1}  # --pin: the probe's replica and the probe; all the rest
PINNED = False
IDLE_SAMPLES = MIN_SAMPLES = 200  # a p99 of 200 is the second slowest, not the slowest
PROBE_EVERY_S = 0.05


def pin(pid: int, cores: set[int]) -> None:
    """Every thread of `pid` on `cores`: Linux's affinity call moves one thread, and the servers and
    versitygw (a Go binary) already run several when they are pinned. Threads they start later
    inherit the mask of the thread that starts them."""
    for tid in os.listdir(f"/proc/{pid}/task"):
        with contextlib.suppress(ProcessLookupError):  # a thread that ended meanwhile
            os.sched_setaffinity(int(tid), cores)


def _loop_cpu(proc: psutil.Process) -> float:
    """CPU seconds of the server's main thread (its event loop): what other sockets wait on."""
    main = next(t for t in proc.threads() if t.id == proc.pid)
    return float(main.user_time + main.system_time)


class Peak:
    """The peak RSS above baseline while it is open, and the CPU seconds the server's event
    loop and the whole process spent meanwhile (a figure the machine's load disturbs less
    than the delivery times, which wait for a core)."""

    def __init__(self, pid: int) -> None:
        self.proc = psutil.Process(pid)
        self.base = self.proc.memory_info().rss
        self.peak = self.base
        self.loop_s = self.cpu_s = 0.0
        self._stop = threading.Event()
        self._t = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.wait(0.01):
            self.peak = max(self.peak, self.proc.memory_info().rss)

    def __enter__(self) -> Peak:
        self._loop0, self._cpu0 = _loop_cpu(self.proc), sum(self.proc.cpu_times()[:2])
        self._t.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._t.join()
        self.loop_s = round(_loop_cpu(self.proc) - self._loop0, 2)
        self.cpu_s = round(sum(self.proc.cpu_times()[:2]) - self._cpu0, 2)

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
        await _read(first.headers["location"])
    down = time.perf_counter() - t0
    return up, down


async def resumable_round(api: Api, token: str, chat: str, path: Path) -> None:
    """One file in 8 MiB chunks, as the desktop sends it, then completed."""
    size = os.path.getsize(path)  # noqa: ASYNC240  # a bench: one stat before the clock starts
    auth = {"Authorization": f"Bearer {token}"}
    params: dict[str, Any] = {"chat_id": chat, "size": size, "name": path.name}
    r = await api.http.post("/files/uploads", params=params, headers=auth)
    assert r.status_code == 201, r.text
    upload_id = r.json()["upload"]["id"]
    chunk = 8 * MiB
    with path.open("rb") as f:  # a bench: reads of the local test file
        for offset in range(0, size, chunk):
            # Read off the loop: the delivery probe shares it, and 8 MiB read on it would
            # count the bench's own stall as the server's.
            content = await asyncio.to_thread(f.read, chunk)
            r = await api.http.put(
                f"/files/uploads/{upload_id}",
                params={"offset": offset},
                content=content,
                headers=auth,
                timeout=600,
            )
            assert r.status_code == 200, r.text
    r = await api.http.post(f"/files/uploads/{upload_id}/complete", headers=auth, timeout=600)
    assert r.status_code == 201, r.text


async def delivery(
    api: Api,
    sender: User,
    chat: str,
    sock: Socket,
    until: asyncio.Event,
    at_least: int = MIN_SAMPLES,
    enough: Any = None,
) -> list[float]:
    """Milliseconds from a REST send to the `message.created` on another user's socket, one
    message every `PROBE_EVERY_S` until `until` is set (and `at_least` were sent); `enough` is
    called once `at_least` are in."""
    took: list[float] = []
    while not until.is_set() or len(took) < at_least:
        if enough is not None and len(took) >= at_least:
            enough()
            enough = None
        text = secrets.token_hex(8)
        t0 = time.perf_counter()
        r = await api.send(sender, chat, text)
        assert r.status_code == 201, r.text
        await sock.until(
            lambda frames, t=text: any(
                f.get("type") == "message.created" and f["message"]["text"] == t
                for f in frames[-50:]
            ),
            timeout=60,
            what="the probe message",
        )
        took.append((time.perf_counter() - t0) * 1000)
        await asyncio.sleep(PROBE_EVERY_S)
    return took


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))], 1)


async def raw_upload(env: dict[str, str], path: Path) -> float:
    """One upload straight to S3 as the server's store sends it (multipart parts of the store's
    size, one at a time); its seconds."""
    client = _raw_client(env)
    size = os.path.getsize(path)  # noqa: ASYNC240  # a bench: one stat before the clock starts
    t0 = time.perf_counter()
    try:
        with path.open("rb") as f:
            await client.put_object(
                env["PARLEY_S3_BUCKET"],
                secrets.token_hex(16),
                f,
                size,
                part_size=PART_SIZE,
                num_parallel_uploads=1,
            )
    finally:
        await client.close_session()
    return time.perf_counter() - t0


def _uploads_in_child(
    url: str,
    token: str,
    chat: str,
    path: Path,
    n: int,
    kind: str,
    env: dict[str, str],
    stop: Any,
    rounds: Any,
) -> None:
    """The uploads' own clients, in a process of their own: on the probe's event loop their
    CPU (httpx pushing 10 × 100 MB) would count in the delivery times as the server's.
    `kind`: "raw" (straight to S3), "plain" or "resumable" (through the API). Rounds of `n`
    uploads until `stop` is set, counted in `rounds`."""

    async def go() -> None:
        api = Api(url)
        try:
            one = resumable_round if kind == "resumable" else api_round
            while not stop.is_set():
                if kind == "raw":
                    await asyncio.gather(*(raw_upload(env, path) for _ in range(n)))
                else:
                    await asyncio.gather(*(one(api, token, chat, path) for _ in range(n)))
                rounds.value += 1
                await _empty_bucket(env)
        finally:
            await api.close()

    asyncio.run(go())


async def _empty_bucket(env: dict[str, str]) -> None:
    """The objects of a round, which nothing reads again (the files' rows stay, unread)."""
    client = _raw_client(env)
    try:
        bucket = env["PARLEY_S3_BUCKET"]
        async for obj in client.list_objects(bucket, recursive=True):
            await client.remove_object(bucket, obj.object_name)
    finally:
        await client.close_session()


class Profile:
    """py-spy sampling the server while the uploads run, every thread with its idle frames and
    each sample's time (chrometrace), so stretches of the event loop between yields show."""

    def __init__(self, pid: int, out: Path | None) -> None:
        self._pid, self._out = pid, out
        self._proc: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> Profile:
        if self._out is not None:
            spy = Path(sys.executable).with_name("py-spy")
            args = [str(spy), "record", "--pid", str(self._pid), "--idle", "--threads"]
            args += ["--nonblocking", "-r", "200", "-f", "chrometrace", "-o", str(self._out)]
            self._proc = subprocess.Popen(args, stdout=subprocess.DEVNULL)  # noqa: S603 (the venv's py-spy)
        return self

    def __exit__(self, *_: object) -> None:
        if self._proc is not None:
            self._proc.send_signal(signal.SIGINT)  # py-spy writes its file on an interrupt
            self._proc.wait(60)


async def under_load(
    api: Api,
    srv: ServerProcess,
    up: ServerProcess,
    token: str,
    chat: str,
    path: Path,
    n: int,
    kind: str,
    profile: Path | None = None,
) -> tuple[Peak, list[float], int]:
    """Run rounds of `n` uploads to `up` (in a child process) with a delivery probe through `srv`
    beside them until it has `MIN_SAMPLES`; `up`'s peak RSS and CPU, the probe's times and the
    rounds (and a profile of `up` meanwhile, if asked)."""
    a, b = await api.user(), await api.user()
    probe_chat = await api.group(a, b)
    sock = await Socket.connect(srv.ws_url, b.access_token)
    done = asyncio.Event()
    assert up.proc is not None
    ctx = multiprocessing.get_context("spawn")
    stop, rounds = ctx.Event(), ctx.Value("i", 0)
    child = ctx.Process(
        target=_uploads_in_child,
        args=(up.url, token, chat, path, n, kind, up.env, stop, rounds),
    )
    try:
        probe = asyncio.create_task(delivery(api, a, probe_chat, sock, done, enough=stop.set))
        with Peak(up.proc.pid) as peak, Profile(up.proc.pid, profile):
            child.start()
            if PINNED:
                assert child.pid is not None
                pin(child.pid, UPLOAD_CORE)
            await asyncio.to_thread(child.join)
            done.set()
            took = await probe
    finally:
        stop.set()
        await sock.close()
    assert child.exitcode == 0, f"the uploads failed (exit code {child.exitcode})"
    return peak, took, max(1, int(rounds.value))


async def idle_delivery(api: Api, srv: ServerProcess) -> list[float]:
    """As many samples as a loaded phase takes (the p99 of 20 was their slowest one)."""
    done = asyncio.Event()
    done.set()
    a, b = await api.user(), await api.user()
    chat = await api.group(a, b)
    sock = await Socket.connect(srv.ws_url, b.access_token)
    try:
        return await delivery(api, a, chat, sock, done, IDLE_SAMPLES)
    finally:
        await sock.close()


async def thumbnail_ms(work: Path) -> tuple[float, int]:
    """The median of three inspections of a 6000×4000 JPEG (noise, so it does not shrink)."""
    import pyvips

    path = work / "photo.jpg"
    bands = [pyvips.Image.gaussnoise(6000, 4000, mean=128, sigma=40) for _ in range(3)]
    bands[0].bandjoin(bands[1:]).cast("uchar").write_to_file(str(path), Q=85)
    inspector = VipsInspector(max_pixels=50_000_000)
    head = path.read_bytes()[: 64 * 1024]
    times = []
    for _ in range(3):
        t0 = time.perf_counter()
        seen = await inspector.inspect(path, head)
        times.append((time.perf_counter() - t0) * 1000)
        assert seen.thumbnail is not None
    inspector.close()
    return round(sorted(times)[1], 1), path.stat().st_size


def _raw_client(env: dict[str, str]) -> Minio:
    return Minio(
        env["PARLEY_S3_ENDPOINT"].split("://", 1)[1],
        env["PARLEY_S3_ACCESS_KEY"],
        env["PARLEY_S3_SECRET_KEY"],
        secure=False,
        region=env["PARLEY_S3_REGION"],
    )


async def raw_round(env: dict[str, str], path: Path) -> tuple[float, float, float]:
    client = _raw_client(env)
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
    # The API's download is a 302 to a presigned GET read by httpx: the same GET, without the
    # API's hop, read by the same client, is the fair raw figure (aiohttp reads far faster).
    url = await client.presigned_get_object(bucket, key)
    t0 = time.perf_counter()
    await _read(url)
    down_same_client = time.perf_counter() - t0
    await client.close_session()
    return up, down, down_same_client


async def _read(url: str) -> None:
    async with (
        httpx.AsyncClient(timeout=600) as plain,
        plain.stream("GET", url) as resp,
    ):
        async for _ in resp.aiter_bytes(256 * 1024):
            pass


class TmpfsS3:
    """A private versitygw (the engine's cached binary, its pinned version) over a directory in
    /dev/shm, for this run only; its env like `s3_env`'s."""

    def __init__(self) -> None:
        script = engine_script("versitygw").read_text()
        version = next(ln for ln in script.splitlines() if ln.startswith("VERSION="))[8:]
        cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
        self._bin = cache / "parley" / f"versitygw-{version}" / "versitygw"
        self._dir = Path(tempfile.mkdtemp(prefix="parley-bench-s3-", dir="/dev/shm"))
        self._proc: subprocess.Popen[bytes] | None = None

    def start(self) -> dict[str, str]:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        keys = {"ROOT_ACCESS_KEY": secrets.token_hex(10), "ROOT_SECRET_KEY": secrets.token_hex(16)}
        args = [str(self._bin), "--port", f"127.0.0.1:{port}", "--quiet", "--keep-alive"]
        self._proc = subprocess.Popen(  # noqa: S603  # the engine script's own binary
            [*args, "posix", str(self._dir)],
            env={**os.environ, **keys},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 30
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), 1).close()
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)
        return {
            "PARLEY_S3_ENDPOINT": f"http://127.0.0.1:{port}",
            "PARLEY_S3_ACCESS_KEY": keys["ROOT_ACCESS_KEY"],
            "PARLEY_S3_SECRET_KEY": keys["ROOT_SECRET_KEY"],
            "PARLEY_S3_REGION": "us-east-1",
            "PARLEY_S3_BUCKET": f"bench-{secrets.token_hex(4)}",
        }

    @property
    def pid(self) -> int | None:
        return self._proc.pid if self._proc else None

    def stop(self) -> None:
        if self._proc is not None:
            self._proc.terminate()
            self._proc.wait(30)
        shutil.rmtree(self._dir, ignore_errors=True)


async def main(
    size_mib: int,
    concurrent: int,
    server_dir: Path | None,
    profile: Path | None,
    tmpfs: bool,
    database: str,
    files_replica: bool,
) -> dict[str, Any]:
    load_start = os.getloadavg()
    private = TmpfsS3() if tmpfs else None
    env = private.start() if private else s3_env(f"bench-{secrets.token_hex(4)}")
    work = Path(tempfile.mkdtemp(prefix="parley-files-bench-"))
    path = work / "blob.bin"
    with path.open("wb") as f:
        for _ in range(size_mib):
            f.write(os.urandom(MiB))
    settings = {
        **env,
        "PARLEY_MAX_UPLOAD_BYTES": str((size_mib + 1) * MiB),
        "PARLEY_REGISTER_PER_IP": "1000",
        "PARLEY_SENDS_PER_USER": "100000",
        # S3 is a production engine: replicas then need a shared signing key.
        "PARLEY_JWT_SECRET": secrets.token_hex(32),
        "PARLEY_JWT_KID": "bench",
    }
    srv = ServerProcess(work / "srv", settings, cwd=server_dir)
    # The upload replica: the same database, bucket and key, its own process (and core).
    up = ServerProcess(work / "up", settings, cwd=server_dir) if files_replica else srv
    phases: dict[str, tuple[Peak, list[float], int]] = {}
    try:  # everything made from here on is removed again, whatever fails
        if database == "mysql":
            # (`settings` is both replicas' environment, read when each starts)
            settings["PARLEY_DATABASE_URL"] = mysql_database(
                engine("MYSQL_URL"), unique("files_bench")
            )
        srv.start()
        if up is not srv:
            up.start()
        if PINNED:
            assert srv.proc is not None and up.proc is not None
            pin(os.getpid(), PROBE_CORE)
            pin(srv.proc.pid, PROBE_CORE)
            if up is not srv:  # one replica doing both stays beside its probe
                pin(up.proc.pid, UPLOAD_CORE)
            if private and private.pid:
                pin(private.pid, UPLOAD_CORE)
        api, up_api = Api(srv.url), Api(up.url)
        user = await api.user()
        chat = await api.group(user)
        assert up.proc is not None
        with Peak(up.proc.pid) as one:
            api_up, api_down = await api_round(up_api, user.access_token, chat, path)
        await up_api.close()
        raw_up, raw_down, raw_down_httpx = await raw_round(env, path)
        idle = await idle_delivery(api, srv)
        for kind in ("raw", "plain", "resumable"):
            out = profile and profile.with_suffix(f".{kind}.json")
            phases[kind] = await under_load(
                api, srv, up, user.access_token, chat, path, concurrent, kind, out
            )
        await api.close()
        thumb_ms, jpeg_bytes = await thumbnail_ms(work)
    finally:
        srv.stop()
        up.stop()
        await drop_bucket(env)  # 100 MiB × (2 + 3 × concurrent) objects: never leave them behind
        shutil.rmtree(work, ignore_errors=True)
        if private:
            private.stop()
        url = settings.get("PARLEY_DATABASE_URL", "")
        if url:
            drop_database(url, url.rsplit("/", 1)[1])
    return _figures(
        size_mib,
        concurrent,
        (api_up, api_down),
        (raw_up, raw_down, raw_down_httpx),
        one,
        idle,
        phases,
    ) | {
        "s3_on_tmpfs": tmpfs,
        "database": database,
        "files_replica": files_replica,
        "pinned": PINNED,
        "thumbnail_24mp_jpeg_ms": thumb_ms,
        "jpeg_24mp_bytes": jpeg_bytes,
        "load_avg_start": load_start,
        "load_avg": os.getloadavg(),
    }


def _figures(
    size_mib: int,
    n: int,
    api: tuple[float, float],
    raw: tuple[float, float, float],
    one: Peak,
    idle: list[float],
    phases: dict[str, tuple[Peak, list[float], int]],
) -> dict[str, Any]:
    mibs = lambda s: round(size_mib / s, 1)  # noqa: E731
    (api_up, api_down), (raw_up, raw_down, raw_down_httpx) = api, raw
    out: dict[str, Any] = {
        "size_mib": size_mib,
        "api_upload_mib_s": mibs(api_up),
        "api_download_mib_s": mibs(api_down),
        "raw_upload_mib_s": mibs(raw_up),
        "raw_download_mib_s": mibs(raw_down),
        "upload_ratio": round(raw_up / api_up, 2),
        "download_ratio": round(raw_down / api_down, 2),
        "raw_download_httpx_mib_s": mibs(raw_down_httpx),
        "download_ratio_same_client": round(raw_down_httpx / api_down, 2),
        "rss_above_baseline_mib_1": one.above_mib,
        "delivery_ms_idle_p50_p99": (pct(idle, 0.5), pct(idle, 0.99)),
    }
    # raw: N clients straight to S3 (the machine's own contention); plain, resumable: the API
    name = {"raw": "raw_s3", "plain": "uploads", "resumable": "resumable"}
    for kind, (peak, took, rounds) in phases.items():
        out[f"delivery_ms_{n}_{name[kind]}_p50_p99"] = (pct(took, 0.5), pct(took, 0.99))
        out[f"rss_above_baseline_mib_{n}_{name[kind]}"] = peak.above_mib
        # CPU seconds of the event loop / of the whole server per round of N uploads
        out[f"loop_cpu_s_{n}_{name[kind]}"] = (
            round(peak.loop_s / rounds, 2),
            round(peak.cpu_s / rounds, 2),
        )
    out["delivery_samples"] = [len(idle)] + [len(t) for _, t, _ in phases.values()]
    out["upload_rounds"] = [r for _, _, r in phases.values()]
    # the five slowest of each, so a p99 made of one or two outliers shows as such
    out["delivery_ms_slowest_5"] = [
        sorted(round(v, 1) for v in t)[-5:] for t in (idle, *(t for _, t, _ in phases.values()))
    ]
    return out


if __name__ == "__main__":
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--size", type=int, default=100, help="MiB per file")
    p.add_argument("--concurrent", type=int, default=10)
    p.add_argument(
        "--server-dir",
        type=Path,
        default=None,
        help="run the server from this checkout (e.g. main, for a before/after pair)",
    )
    p.add_argument(
        "--profile",
        type=Path,
        default=None,
        help="write py-spy chrometrace profiles of the server during the uploads to "
        "PROFILE.raw.json, PROFILE.plain.json and PROFILE.resumable.json (see loop_stretches.py)",
    )
    p.add_argument(
        "--s3-tmpfs",
        action="store_true",
        help="a private versitygw over /dev/shm instead of the shared engine (the disk's share)",
    )
    p.add_argument(
        "--mysql",
        action="store_true",
        help="the replica(s) on a private MariaDB database instead of SQLite",
    )
    p.add_argument(
        "--files-replica",
        action="store_true",
        help="a second replica (same database and bucket) takes every upload (implies --mysql)",
    )
    p.add_argument(
        "--pin",
        action="store_true",
        help="the probe and its replica on core 0, the rest on core 1 (needs --s3-tmpfs)",
    )
    a = p.parse_args()
    if a.pin and not a.s3_tmpfs:
        p.error("--pin needs --s3-tmpfs (the bench pins the S3 process it starts)")
    PINNED = a.pin
    database = "mysql" if a.mysql or a.files_replica else "sqlite"
    run = main(a.size, a.concurrent, a.server_dir, a.profile, a.s3_tmpfs, database, a.files_replica)
    print(json.dumps(asyncio.run(run)))
