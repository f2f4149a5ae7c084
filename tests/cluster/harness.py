"""A local cluster driven through `deploy/local/cluster.sh`, and a bounded load through its HAProxy.

`Cluster` starts its own cluster (own state dir, own database, exchange, prefixes and JWT key) and
reads the script's state files. `Load` signs up users, puts them in group chats, keeps a
`Member` per user (the desktop's own realtime client) and sends at a fixed total rate; `verify`
then compares what every client holds with what the store says, over REST.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import statistics
import subprocess
import time
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from tests.support.engines import REPO
from tests.support.member import Member, text_with_time

SCRIPT = REPO / "deploy" / "local" / "cluster.sh"
ARTIFACTS = REPO / "tests" / "artifacts"
# Limits that would throttle a load test: every request reaches the replicas from HAProxy's address.
LOAD_LIMITS = {
    "PARLEY_LOGIN_PER_IP": "100000",
    "PARLEY_LOGIN_PER_ACCOUNT": "100000",
    "PARLEY_LOGIN_PER_PAIR": "100000",
    "PARLEY_REGISTER_PER_IP": "100000",
    "PARLEY_SENDS_PER_USER": "1000",
    "PARLEY_WS_FRAMES_PER_S": "1000",
    "PARLEY_DRAIN_GRACE": "1.5",
    "PARLEY_LOG_LEVEL": "INFO",
}


def read_env(path: Path) -> dict[str, str]:
    out: dict[str, str] = {}
    for line in path.read_text().splitlines():
        key, sep, value = line.partition("=")
        if sep:
            out[key] = value
    return out


@dataclass
class Replica:
    name: str
    port: int
    pid: int
    log: Path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def alive(self) -> bool:
        try:
            os.kill(self.pid, 0)
        except ProcessLookupError:
            return False
        return True


class Cluster:
    def __init__(self, state_dir: Path, script: Path = SCRIPT) -> None:
        self.dir = state_dir
        # Another checkout's cluster.sh runs that checkout's replicas (a before/after benchmark).
        self.script = script

    def run(self, *args: str, timeout: float = 180) -> str:
        env = {k: v for k, v in os.environ.items() if not k.startswith("PARLEY_")}
        env.update(LOAD_LIMITS)
        env["PARLEY_CLUSTER_DIR"] = str(self.dir)
        done = subprocess.run(
            ["bash", str(self.script), *args],
            env=env,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        if done.returncode != 0:
            raise AssertionError(
                f"cluster.sh {' '.join(args)} failed ({done.returncode}):\n"
                f"{done.stdout[-2000:]}\n{done.stderr[-3000:]}"
            )
        return done.stdout

    def up(self, replicas: int = 3, files: int = 0) -> None:
        """`replicas` replicas and `files` upload replicas (HAProxy's `parley_files`)."""
        self.run("up", str(replicas), str(files))

    def down(self) -> None:
        self.run("down")

    def add(self) -> Replica:
        before = set(self.replicas())
        self.run("add")
        (name,) = set(self.replicas()) - before
        return self.replicas()[name]

    def remove(self, name: str) -> None:
        self.run("remove", name)

    @property
    def lb_url(self) -> str:
        return read_env(self.dir / "lb.env")["LB_URL"]

    @property
    def lb_socket(self) -> str:
        """HAProxy's runtime API (admin level), for `tests.support.haproxy`."""
        return read_env(self.dir / "lb.env")["LB_SOCKET"]

    @property
    def settings(self) -> dict[str, str]:
        """The replicas' shared settings (holds the cluster's secrets: never print it)."""
        return read_env(self.dir / "cluster.env")

    def replicas(self) -> dict[str, Replica]:
        out: dict[str, Replica] = {}
        for f in sorted((self.dir / "replicas").glob("*.env")):
            e = read_env(f)
            out[e["NAME"]] = Replica(e["NAME"], int(e["PORT"]), int(e["PID"]), Path(e["LOG"]))
        return out

    def send_signal(self, name: str, sig: signal.Signals) -> Replica:
        replica = self.replicas()[name]
        os.kill(replica.pid, sig)
        return replica

    async def wait_exit(self, replica: Replica, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        while replica.alive():
            # Reap it if it is our child (cluster.sh started it detached: usually it is not).
            with contextlib.suppress(ChildProcessError):
                os.waitpid(replica.pid, os.WNOHANG)
            if time.monotonic() > deadline:
                raise AssertionError(f"{replica.name} did not exit within {timeout}s")
            await asyncio.sleep(0.05)

    async def replace(self, name: str, sig: signal.Signals) -> Replica:
        """Signal a replica, wait for its exit, clear its slot and start a new one (cluster.sh)."""
        replica = self.send_signal(name, sig)
        await self.wait_exit(replica)
        await asyncio.to_thread(self.remove, name)
        return await asyncio.to_thread(self.add)


def percentile(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))]


@dataclass
class Load:
    """`users` users in `chats` group chats, sending `rate` messages a second in total."""

    base_url: str
    users: int = 50
    chats: int = 10
    rate: float = 100.0
    clients: list[Member] = field(default_factory=list, repr=False)
    chat_of: dict[str, str] = field(default_factory=dict, repr=False)  # user id -> its chat
    members: dict[str, list[str]] = field(default_factory=dict, repr=False)  # chat id -> user ids
    tokens: dict[str, str] = field(default_factory=dict, repr=False)  # never shown
    # Where a member connects its socket, by its chat's number and its place in that chat
    # (default: `base_url`); the bench places a chat's sockets on few replicas with it, to price
    # what an event costs each replica that holds one of them.
    member_url: Callable[[int, int], str] | None = field(default=None, repr=False)
    sent: int = 0
    elapsed: float = 0.0

    async def setup(self) -> None:
        async with httpx.AsyncClient(base_url=f"{self.base_url}/api/v1", timeout=30) as http:
            sem = asyncio.Semaphore(8)

            async def sign_up(i: int) -> tuple[str, str]:
                name = f"c{os.urandom(5).hex()}{i}"
                body = {
                    "username": name,
                    "email": f"{name}@example.org",
                    "password": "correct horse 1",
                    "display_name": name,
                }
                async with sem:
                    r = await http.post("/auth/register", json=body)
                    assert r.status_code == 201, r.text
                    r = await http.post(
                        "/auth/login", json={"login": name, "password": "correct horse 1"}
                    )
                    assert r.status_code == 200, r.text
                b = r.json()
                return str(b["user"]["id"]), str(b["access_token"])

            people = await asyncio.gather(*(sign_up(i) for i in range(self.users)))
            per_chat = self.users // self.chats
            for c in range(self.chats):
                group = people[c * per_chat : (c + 1) * per_chat]
                owner_token = group[0][1]
                r = await http.post(
                    "/chats",
                    headers={"Authorization": f"Bearer {owner_token}"},
                    json={"title": f"load {c}", "member_ids": [u for u, _ in group[1:]]},
                )
                assert r.status_code == 201, r.text
                chat_id = str(r.json()["chat"]["id"])
                self.members[chat_id] = [u for u, _ in group]
                for uid, token in group:
                    self.chat_of[uid] = chat_id
                    self.tokens[uid] = token
        chat_numbers = {chat_id: n for n, chat_id in enumerate(self.members)}
        for uid, token in self.tokens.items():
            chat_id = self.chat_of[uid]
            place = self.members[chat_id].index(uid)
            url = (
                self.base_url
                if self.member_url is None
                else self.member_url(chat_numbers[chat_id], place)
            )
            client = Member(url, uid, token)
            client.start()
            self.clients.append(client)
        await asyncio.wait_for(asyncio.gather(*(c.connected.wait() for c in self.clients)), 30)
        for client in self.clients:
            client.measure_pauses = True

    async def run(
        self, seconds: float, scenario: Callable[[], Coroutine[Any, Any, None]] | None = None
    ) -> None:
        """Send at `rate` for at least `seconds`, and until `scenario` (run alongside) is done."""
        task = asyncio.create_task(scenario()) if scenario is not None else None
        start = time.monotonic()
        interval = 1.0 / self.rate
        i = 0
        try:
            while time.monotonic() - start < seconds or (task is not None and not task.done()):
                client = self.clients[i % len(self.clients)]
                await client.send(self.chat_of[client.user_id], text_with_time(i))
                i += 1
                delay = start + i * interval - time.monotonic()
                if delay > 0:
                    await asyncio.sleep(delay)  # pacing, not synchronisation
                if time.monotonic() - start > seconds + 120:
                    raise AssertionError("the scenario did not finish within 120 s after the load")
        finally:
            self.sent, self.elapsed = i, time.monotonic() - start
            for c in self.clients:
                c.measure_pauses = False
        if task is not None:
            await task

    async def settle(self, timeout: float = 30.0) -> None:
        """Wait until every send is acknowledged (or failed for good)."""
        deadline = time.monotonic() + timeout
        while any(c.pending for c in self.clients):
            if time.monotonic() > deadline:
                left = sum(len(c.pending) for c in self.clients)
                raise AssertionError(f"{left} sends still unacknowledged after {timeout}s")
            await asyncio.sleep(0.1)

    async def store_history(self) -> dict[str, list[dict[str, Any]]]:
        """Every chat's messages as the store has them, paged over REST in seq order."""
        out: dict[str, list[dict[str, Any]]] = {}
        async with httpx.AsyncClient(base_url=f"{self.base_url}/api/v1", timeout=30) as http:
            for chat_id, members in self.members.items():
                headers = {"Authorization": f"Bearer {self.tokens[members[0]]}"}
                messages: list[dict[str, Any]] = []
                after = 0
                while True:
                    r = await http.get(
                        f"/chats/{chat_id}/messages",
                        headers=headers,
                        params={"after": after, "limit": 100},
                    )
                    assert r.status_code == 200, r.text
                    page = r.json()
                    messages.extend(page["messages"])
                    if not page["messages"] or not page["has_more"]:
                        break
                    after = page["messages"][-1]["seq"]
                out[chat_id] = messages
        return out

    async def verify(self, converge_timeout: float = 20.0) -> dict[str, Any]:
        """Zero loss, zero duplicates, every client's history equal to the store's."""
        await self.settle()
        failures = [f for c in self.clients for f in c.stats.failures]
        assert not failures, f"sends failed for good: {failures[:5]} ({len(failures)} in all)"
        store = await self.store_history()
        acks = {cid: ack for c in self.clients for cid, ack in c.acks.items()}
        for chat_id, messages in store.items():
            ids = [m["id"] for m in messages]
            seqs = [m["seq"] for m in messages]
            assert len(set(ids)) == len(ids), f"duplicate message ids in chat {chat_id}"
            assert seqs == sorted(set(seqs)), f"seqs out of order or repeated in chat {chat_id}"
            keys = [(m["sender_id"], m["client_msg_id"]) for m in messages]
            assert len(set(keys)) == len(keys), f"a retried send made a second message in {chat_id}"
        by_cid = {m["client_msg_id"]: m for ms in store.values() for m in ms}
        lost = [cid for cid in acks if cid not in by_cid]
        assert not lost, f"{len(lost)} acknowledged messages are not in the store"
        for cid, ack in acks.items():
            m = by_cid[cid]
            assert (m["id"], m["seq"], m["chat_id"]) == (ack.id, ack.seq, ack.chat_id), (
                cid,
                ack,
                m,
            )
        unacked = set(by_cid) - set(acks)
        assert not unacked, (
            f"{len(unacked)} stored messages were never acknowledged to their sender"
        )
        assert len(acks) == self.sent, f"{self.sent} sent, {len(acks)} acknowledged"
        await self._converge(store, converge_timeout)
        report = self.report(store)
        # The server sends each chat's events in seq order: resuming from the highest seq seen
        # is exact, so nothing arrives above a hole and nothing arrives twice.
        assert report["events_out_of_order"] == 0, report
        assert report["repeats"] == 0, report
        return report

    async def _converge(self, store: dict[str, list[dict[str, Any]]], timeout: float) -> None:
        expected = {chat_id: [m["id"] for m in ms] for chat_id, ms in store.items()}

        def behind() -> list[str]:
            return [
                c.user_id
                for c in self.clients
                if c.history(self.chat_of[c.user_id]) != expected[self.chat_of[c.user_id]]
            ]

        deadline = time.monotonic() + timeout
        while lagging := behind():
            if time.monotonic() > deadline:
                c = next(x for x in self.clients if x.user_id == lagging[0])
                chat = self.chat_of[c.user_id]
                got, want = c.history(chat), expected[chat]
                missing = [i for i in want if i not in set(got)]
                raise AssertionError(
                    f"{len(lagging)} clients do not hold the store's history; e.g. {c.user_id}: "
                    f"{len(got)} of {len(want)}, missing {missing[:3]}, extra "
                    f"{[i for i in got if i not in set(want)][:3]}, order ok: "
                    f"{[i for i in got if i in set(want)] == [i for i in want if i in set(got)]}"
                )
            await asyncio.sleep(0.1)

    def report(self, store: dict[str, list[dict[str, Any]]]) -> dict[str, Any]:
        reconnects = [r for c in self.clients for r in c.stats.reconnect_s]
        latencies = [x for c in self.clients for x in c.stats.latencies_s]
        out_of_order = sum(c.counters.skipped for c in self.clients)
        errors: dict[str, int] = {}
        for c in self.clients:
            for k, v in c.stats.errors.items():
                errors[k] = errors.get(k, 0) + v
        return {
            "sent": self.sent,
            "seconds": round(self.elapsed, 2),
            "sends_per_s": round(self.sent / self.elapsed, 1) if self.elapsed else 0.0,
            "stored": sum(len(ms) for ms in store.values()),
            "deliveries": len(latencies),
            "delivery_p50_ms": round(percentile(latencies, 50) * 1000, 1),
            "delivery_p99_ms": round(percentile(latencies, 99) * 1000, 1),
            "reconnects": len(reconnects),
            "reconnect_p50_s": round(percentile(reconnects, 50), 3),
            "reconnect_p99_s": round(percentile(reconnects, 99), 3),
            "reconnect_max_s": round(max(reconnects, default=0.0), 3),
            "reconnect_mean_s": round(statistics.fmean(reconnects), 3) if reconnects else 0.0,
            "longest_delivery_pause_s": round(
                max(c.stats.longest_pause_s for c in self.clients), 3
            ),
            "connections": sum(c.stats.connections for c in self.clients),
            "repeats": sum(c.counters.repeats for c in self.clients),
            "events_out_of_order": out_of_order,
            "out_of_order_share_pct": round(100 * out_of_order / len(latencies), 3)
            if latencies
            else 0.0,
            "gap_frames": sum(c.stats.gaps for c in self.clients),
            "resyncs": sum(c.stats.resyncs for c in self.clients),
            "error_frames": errors,
        }

    async def close(self) -> None:
        await asyncio.gather(*(c.stop() for c in self.clients), return_exceptions=True)


def write_report(name: str, report: dict[str, Any]) -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"cluster-{name}.json"
    path.write_text(json.dumps(report, indent=2, sort_keys=True) + "\n")
    print(f"\n{name}: {json.dumps(report, sort_keys=True)}")
    return path
