"""What the bench runs against: a server it starts (embedded or production engines) or a base URL.

A started server gets generous limits (rate limits, frames per second) so the bench measures the
server's speed rather than its throttles; an external target (the HAProxy cluster) must be started
with such limits by whoever started it (see k6/README.md).
"""

from __future__ import annotations

import asyncio
import os
import re
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import psutil  # type: ignore[import-untyped]  # ships no type information

from parleybench.mariadb import create_database, drop_database

REPO = Path(__file__).resolve().parents[2]
ENGINES_DIR = Path(os.environ.get("PARLEY_ENGINES_DIR", REPO / ".engines"))
ENGINE_NAMES = ("mariadb", "redis", "rabbitmq", "elasticsearch")
# The tree whose backend a started server runs (`--server-dir`: an A/B run of another commit).
SERVER_DIR = REPO


def use_engines_dir(path: Path) -> None:
    """Use (and start) engines of a private folder: other people's fault tests restart the shared
    ones, which a bench on them would measure. The engine scripts pick free ports of their own."""
    global ENGINES_DIR
    ENGINES_DIR = path.resolve()
    os.environ["PARLEY_ENGINES_DIR"] = str(ENGINES_DIR)
    for key in [k for k in os.environ if k.startswith("PARLEY_TEST_")]:
        del os.environ[key]


# Limits lifted for load runs (the defaults protect a real server from abuse, not from a bench).
LOAD_LIMITS = {
    "PARLEY_LOGIN_PER_IP": "1000000",
    "PARLEY_LOGIN_PER_ACCOUNT": "1000000",
    "PARLEY_LOGIN_PER_PAIR": "1000000",
    "PARLEY_REGISTER_PER_IP": "1000000",
    "PARLEY_SENDS_PER_USER": "1000000",
    "PARLEY_WS_FRAMES_PER_S": "100000",
    # The idle set opens 5,000 sockets of 50 users from one address (0 = no cap); through
    # `make cluster` start it with these and PARLEY_LB_CONN_PER_IP raised as well.
    "PARLEY_CONNECTIONS_PER_IP": "0",
    "PARLEY_WS_PER_USER": "0",
    "PARLEY_WS_UNAUTH_PER_IP": "0",
    "PARLEY_ACCESS_TTL": "7200",
    "PARLEY_LOG_LEVEL": "WARNING",
}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def engine_urls() -> dict[str, str]:
    """`PARLEY_TEST_*` from the environment, then from the engines' env files."""
    found: dict[str, str] = {}
    if ENGINES_DIR.is_dir():
        for env_file in sorted(ENGINES_DIR.glob("*.env")):
            for line in env_file.read_text().splitlines():
                key, sep, value = line.partition("=")
                if sep and key.startswith("PARLEY_TEST_"):
                    found[key.strip()] = value.strip()
    found.update({k: v for k, v in os.environ.items() if k.startswith("PARLEY_TEST_")})
    return found


def engines_up() -> bool:
    urls = engine_urls()
    need = ("MYSQL_URL", "REDIS_URL", "AMQP_URL", "ELASTICSEARCH_URL")
    if not all(f"PARLEY_TEST_{n}" in urls for n in need):
        return False
    return all(engine_pid(name) is not None for name in ENGINE_NAMES)


def engines(action: str) -> None:
    """`start` or `stop` every engine of ENGINES_DIR through deploy/local/engines/<name>.sh."""
    for name in ENGINE_NAMES:
        script = REPO / "deploy" / "local" / "engines" / f"{name}.sh"
        subprocess.run(["bash", str(script), action], check=True, timeout=600)


def engine_pid(name: str) -> int | None:
    """The pid of an engine started by deploy/local/engines/<name>.sh, if it runs."""
    folder = ENGINES_DIR / name
    for pidfile in (*folder.glob("*.pid"),):
        try:
            pid = int(pidfile.read_text().split()[0])
        except (OSError, ValueError, IndexError):
            continue
        if psutil.pid_exists(pid):
            return pid
    return None


def engine_processes() -> dict[str, int]:
    """Engine name -> pid, for the engines that run (RabbitMQ's pid file names beam.smp)."""
    out: dict[str, int] = {}
    for name in ENGINE_NAMES:
        pid = engine_pid(name)
        if pid is not None:
            out[name] = pid
    return out


def production_env(run: str) -> dict[str, str]:
    """A server on every production engine, in namespaces of its own (as tests do)."""
    urls = engine_urls()
    return {
        "PARLEY_DATABASE_URL": create_database(urls["PARLEY_TEST_MYSQL_URL"], run),
        "PARLEY_ELASTICSEARCH_URL": urls["PARLEY_TEST_ELASTICSEARCH_URL"],
        "PARLEY_ELASTICSEARCH_PREFIX": run.lower(),
        "PARLEY_AMQP_URL": urls["PARLEY_TEST_AMQP_URL"],
        "PARLEY_AMQP_EXCHANGE": f"{run}.events",
        "PARLEY_REDIS_URL": urls["PARLEY_TEST_REDIS_URL"],
        "PARLEY_REDIS_PREFIX": run,
        # Production replicas refuse to start without a shared signing key.
        "PARLEY_JWT_SECRET": secrets.token_urlsafe(48),
        "PARLEY_JWT_KID": "bench",
    }


@dataclass
class Target:
    """A running Parley: where to reach it and which processes to sample."""

    kind: str  # embedded | production | external
    base_url: str
    procs: dict[str, int] = field(default_factory=dict)  # label -> pid
    sample_match: str = ""  # external: regex over command lines of processes to sample
    _proc: subprocess.Popen[bytes] | None = None
    _tmp: Path | None = None
    _run: str = ""
    _log: Path | None = None

    @property
    def ws_url(self) -> str:
        return self.base_url.replace("http", "ws", 1) + "/api/v1/ws"

    def server_pids(self) -> dict[str, int]:
        """Processes to sample now: our server and engines, or matches of `sample_match`."""
        found = dict(self.procs)
        if self.sample_match:
            pattern = re.compile(self.sample_match)
            matched: dict[int, str] = {}
            parents: dict[int, int] = {}
            for p in psutil.process_iter(["pid", "ppid", "cmdline"]):
                cmd = " ".join(p.info.get("cmdline") or [])
                if cmd and pattern.search(cmd) and p.info["pid"] != os.getpid():
                    matched[p.info["pid"]] = cmd
                    parents[p.info["pid"]] = p.info["ppid"]
            for pid, cmd in matched.items():
                if parents[pid] not in matched:  # a matched child (HAProxy's worker) is in its tree
                    found[f"{pid}:{cmd[:40]}"] = pid
        return found

    def stop(self) -> None:
        if self._proc is not None and self._proc.poll() is None:
            self._proc.terminate()
            try:
                self._proc.wait(30)
            except subprocess.TimeoutExpired:
                self._proc.kill()
                self._proc.wait(10)
        if self.kind == "production" and self._run:
            try:
                drop_database(engine_urls()["PARLEY_TEST_MYSQL_URL"], self._run)
                _drop_es_indices(engine_urls()["PARLEY_TEST_ELASTICSEARCH_URL"], self._run.lower())
                asyncio.run(
                    _drop_exchange(engine_urls()["PARLEY_TEST_AMQP_URL"], f"{self._run}.events")
                )
            except Exception as exc:
                print(f"bench: cleanup of {self._run} failed: {exc}", file=sys.stderr)
        if self._tmp is not None:
            shutil.rmtree(self._tmp, ignore_errors=True)

    def log_tail(self) -> str:
        if self._log is None or not self._log.exists():
            return ""
        return self._log.read_text(errors="replace")[-3000:]


async def _drop_exchange(url: str, name: str) -> None:
    import aio_pika

    conn = await aio_pika.connect(url)
    try:
        channel = await conn.channel()
        await channel.exchange_delete(name)
    finally:
        await conn.close()


def _drop_es_indices(url: str, prefix: str) -> None:
    """Delete the run's indices and templates by name (wildcard deletes are refused by default)."""
    rows = httpx.get(f"{url}/_cat/indices/{prefix}*?format=json", timeout=30.0).json()
    for row in rows:
        httpx.delete(f"{url}/{row['index']}", timeout=30.0)
    found = httpx.get(f"{url}/_index_template/{prefix}*", timeout=30.0)
    if found.status_code == 200:
        for t in found.json().get("index_templates", []):
            httpx.delete(f"{url}/_index_template/{t['name']}", timeout=30.0)


def start_server(kind: str, extra_env: dict[str, str] | None = None) -> Target:
    """Start `parley-server` in a temp data dir, on the embedded default or production engines."""
    tmp = Path(tempfile.mkdtemp(prefix="parley-bench-"))
    port = free_port()
    run = f"bench_{secrets.token_hex(5)}"
    env = {k: v for k, v in os.environ.items() if not k.startswith("PARLEY_")}
    env.update(LOAD_LIMITS)
    if kind == "production":
        if not engines_up():
            raise SystemExit(
                "bench: the production engines are not running; start them with --start-engines "
                "or deploy/local/engines/<name>.sh start"
            )
        env.update(production_env(run))
    env.update(extra_env or {})
    log = tmp / "server.log"
    # `-m` from the tree, not the `parley-server` script: the script imports whichever checkout
    # the venv's editable install names, so a worktree's bench would measure another's code.
    cmd = [sys.executable, "-m", "backend"]
    with log.open("ab") as out:
        proc = subprocess.Popen(
            [*cmd, "--host", "127.0.0.1", "--port", str(port), "--data-dir", str(tmp / "data")],
            cwd=SERVER_DIR,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    target = Target(kind, f"http://127.0.0.1:{port}", {"server": proc.pid})
    target._proc, target._tmp, target._run, target._log = proc, tmp, run, log
    if kind == "production":
        target.procs.update({f"engine:{n}": pid for n, pid in engine_processes().items()})
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            tail = target.log_tail()
            target.stop()
            raise SystemExit(f"bench: parley-server exited with {proc.returncode}:\n{tail}")
        try:
            if httpx.get(f"{target.base_url}/readyz", timeout=1.0).status_code == 200:
                return target
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    target.stop()
    raise SystemExit("bench: parley-server did not become ready within 120 s")


def _env_file(path: Path) -> dict[str, str]:
    out: dict[str, str] = {}
    for line in path.read_text().splitlines():
        key, sep, value = line.partition("=")
        if sep:
            out[key.strip()] = value.strip().strip("'\"")
    return out


def cluster() -> Target:
    """The cluster of deploy/local/cluster.sh (`make cluster`): HAProxy's URL, and its replicas
    and HAProxy by pid from the cluster's state folder."""
    folder = Path(os.environ.get("PARLEY_CLUSTER_DIR", ENGINES_DIR / "cluster"))
    lb_env = folder / "lb.env"
    if not lb_env.exists():
        raise SystemExit(f"bench: no cluster state in {folder}; start one with `make cluster`")
    lb = _env_file(lb_env)
    target = external(lb["LB_URL"], "")
    target.procs["haproxy"] = int(lb["LB_PID"])
    for replica in sorted((folder / "replicas").glob("*.env")):
        r = _env_file(replica)
        target.procs[f"replica {r.get('NAME', replica.stem)}"] = int(r["PID"])
    return target


def external(base_url: str, sample_match: str) -> Target:
    url = base_url.rstrip("/")
    r = httpx.get(f"{url}/readyz", timeout=5.0)
    if r.status_code != 200:
        raise SystemExit(f"bench: {url}/readyz answered {r.status_code}")
    return Target("external", url, sample_match=sample_match)
