"""The same load against 1 and 3 replicas behind HAProxy: a benchmark, never a test.

    .venv/bin/python -m tests.cluster.bench [--replicas 1 3] [--seconds 20] [--rate 100]
        [--placement spread|packed|chat] [--server-dir CHECKOUT] [--profile DIR]

For each replica count it brings up its own cluster (deploy/local/cluster.sh), signs up 50 users in
10 chats, sends `rate` messages a second in total for `seconds` through HAProxy, and reports
sends/s (acknowledged), delivery latency p50/p99 (send → each member's socket), and the CPU time
the replica processes (and HAProxy) spent per delivered message, read with psutil before and
after the load. Results go to tests/artifacts/cluster-bench.json. The engines are shared with
whatever else runs on the machine, so only the replicas' own CPU is charged.

`--placement packed` connects each chat's first four members straight to the first replica and
its fifth to the second (the third holds no socket; with one replica, all of them to it, so HAProxy
is out of both runs): the same code and load with a chat's events handled on two replicas instead
of all three, which prices what an event costs each replica that holds one of its chat's sockets.
`--placement chat` connects all five members of a chat to one replica, the chats taking the
replicas in turn: every event is received and handled by one replica only, so what still grows from
one replica to three is the cost of the same work split over more processes on the same cores.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import psutil  # type: ignore[import-untyped]

from tests.cluster.harness import ARTIFACTS, SCRIPT, Cluster, Load, read_env

IDLE_S = 5.0
PACKED_ON_FIRST = 4  # of a chat's 5 members, with `--placement packed`


def _cpu(pid: int) -> float:
    t = psutil.Process(pid).cpu_times()
    return float(t.user + t.system)


def _switches(pid: int) -> tuple[int, int]:
    """Voluntary (the loop waking for I/O) and involuntary (preempted) context switches: how
    often a replica wakes per message, and how much it fights the others for the cores."""
    s = psutil.Process(pid).num_ctx_switches()
    return int(s.voluntary), int(s.involuntary)


# Counters read from each replica's /metrics before and after the load: frames pushed, and how
# often the order buffer held an event for its predecessor or read a hole from the log.
COUNTERS = ("parley_ws_deliveries", "parley_ws_order_held", "parley_ws_order_filled")


async def _counters(url: str) -> dict[str, float]:
    async with httpx.AsyncClient(timeout=5) as http:
        text = (await http.get(f"{url}/metrics")).text
    found = {name: 0.0 for name in COUNTERS}
    for line in text.splitlines():
        name, _, value = line.partition(" ")
        if name in found:
            found[name] = float(value)
    return found


def _profile(procs: dict[str, Any], seconds: float, out: Path | None, tag: str) -> list[Any]:
    """py-spy of every replica for the load's length: one flame graph each, what grows with
    the replica count is read off them side by side."""
    if out is None:
        return []
    out.mkdir(parents=True, exist_ok=True)
    return [
        subprocess.Popen(
            [
                str(Path(sys.executable).parent / "py-spy"),
                "record",
                "--pid",
                str(r.pid),
                "--duration",
                str(int(seconds)),
                # Sampled without stopping the replica, and sparsely: a stopped replica delays
                # its chats' events on the others (order holds, resumes), which is not the load.
                "--nonblocking",
                "--rate",
                "50",
                "--format",
                "raw",
                "--output",
                str(out / f"{tag}-{n}.txt"),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for n, r in procs.items()
    ]


def _placed(cluster: Cluster, placement: str) -> Callable[[int, int], str] | None:
    """The replica a member connects to, by its chat's number and its place in that chat
    (None: through HAProxy, `spread`)."""
    urls = [r.url for r in cluster.replicas().values()]
    if placement == "packed":
        return lambda _, place: urls[0] if place < PACKED_ON_FIRST or len(urls) == 1 else urls[1]
    if placement == "chat":
        return lambda chat, _: urls[chat % len(urls)]
    return None


async def run_one(
    replicas: int,
    seconds: float,
    rate: float,
    script: Path = SCRIPT,
    profile: Path | None = None,
    placement: str = "spread",
) -> dict[str, Any]:
    # Kept after a failure (the replicas' and HAProxy's logs are there), removed after a success.
    tmp = Path(tempfile.mkdtemp(prefix="parley-bench-"))
    cluster = Cluster(tmp / "cluster", script)
    cluster.up(replicas)
    try:
        load = Load(cluster.lb_url, rate=rate, member_url=_placed(cluster, placement))
        await load.setup()
        procs = cluster.replicas()
        lb_pid = int(read_env(cluster.dir / "lb.env")["LB_PID"])
        lb_pids = [lb_pid, *(c.pid for c in psutil.Process(lb_pid).children(recursive=True))]
        # What the replicas burn with sockets open and nothing sent (heartbeats, pings).
        idle0 = {n: _cpu(r.pid) for n, r in procs.items()}
        await asyncio.sleep(IDLE_S)
        idle = {n: (_cpu(r.pid) - idle0[n]) / IDLE_S for n, r in procs.items()}
        cpu0 = {n: _cpu(r.pid) for n, r in procs.items()}
        sw0 = {n: _switches(r.pid) for n, r in procs.items()}
        lb0 = sum(_cpu(p) for p in lb_pids)
        m0 = {n: await _counters(r.url) for n, r in procs.items()}
        for c in load.clients:
            c.stats.latencies_s.clear()
        started = time.monotonic()
        spies = _profile(procs, seconds, profile, f"r{replicas}")
        await load.run(seconds)
        await load.settle()
        for spy in spies:
            await asyncio.to_thread(spy.wait)
        elapsed = time.monotonic() - started
        cpu1 = {n: _cpu(r.pid) for n, r in procs.items()}
        sw1 = {n: _switches(r.pid) for n, r in procs.items()}
        lb1 = sum(_cpu(p) for p in lb_pids)
        m1 = {n: await _counters(r.url) for n, r in procs.items()}
        diff = {n: {k: m1[n][k] - m0[n][k] for k in COUNTERS} for n in procs}
        report = load.report(await load.store_history())
        delivered = report["deliveries"]
        per_replica = {
            n: {
                "cpu_s": round(cpu1[n] - cpu0[n], 2),
                "idle_cpu_per_s": round(idle[n], 3),
                "frames_pushed": int(diff[n]["parley_ws_deliveries"]),
                "cpu_per_frame_us": round(
                    1e6 * (cpu1[n] - cpu0[n]) / max(1.0, diff[n]["parley_ws_deliveries"]), 1
                ),
                "wakeups": sw1[n][0] - sw0[n][0],
                "preempted": sw1[n][1] - sw0[n][1],
                "order_held": int(diff[n]["parley_ws_order_held"]),
                "order_filled": int(diff[n]["parley_ws_order_filled"]),
            }
            for n in procs
        }
        replica_cpu = sum(cpu1[n] - cpu0[n] for n in procs)
        frames = sum(d["parley_ws_deliveries"] for d in diff.values())
        held = sum(d["parley_ws_order_held"] for d in diff.values())
        filled = sum(d["parley_ws_order_filled"] for d in diff.values())
        await load.close()
        result = {
            "replicas": replicas,
            "placement": placement,
            "rate_offered": rate,
            "seconds": round(elapsed, 1),
            "sends_per_s": round(len([a for c in load.clients for a in c.acks]) / elapsed, 1),
            "delivered_messages": delivered,
            "delivery_p50_ms": report["delivery_p50_ms"],
            "delivery_p99_ms": report["delivery_p99_ms"],
            "replica_cpu_s": round(replica_cpu, 2),
            "replica_cpu_per_delivery_us": round(1e6 * replica_cpu / max(1, delivered), 1),
            # The same without the idle cost of keeping a replica up (the fixed part).
            "replica_busy_cpu_per_delivery_us": round(
                1e6 * (replica_cpu - sum(idle.values()) * elapsed) / max(1, delivered), 1
            ),
            "haproxy_cpu_per_delivery_us": round(1e6 * (lb1 - lb0) / max(1, delivered), 1),
            "events_out_of_order": report["events_out_of_order"],
            # Live frames that waited in a socket's order buffer for their predecessor, and
            # holes read from the log because it did not come within the hold.
            "order_held_pct": round(100 * held / max(1.0, frames), 2),
            "order_filled": int(filled),
            "per_replica": per_replica,
        }
    finally:
        cluster.down()
    shutil.rmtree(tmp, ignore_errors=True)
    return result


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--replicas", type=int, nargs="+", default=[1, 3])
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--rate", type=float, default=100.0)
    parser.add_argument(
        "--server-dir", type=Path, help="the checkout whose replicas run (default: this one)"
    )
    parser.add_argument("--profile", type=Path, help="write a py-spy profile per replica here")
    parser.add_argument(
        "--placement",
        choices=("spread", "packed", "chat"),
        default="spread",
        help="sockets through HAProxy (spread), a chat's on two replicas (packed) or on one (chat)",
    )
    ns = parser.parse_args()
    script = SCRIPT if ns.server_dir is None else ns.server_dir / "deploy/local/cluster.sh"
    results = [
        await run_one(n, ns.seconds, ns.rate, script, ns.profile, ns.placement) for n in ns.replicas
    ]
    base = results[0]["replica_cpu_per_delivery_us"]
    for r in results:
        r["cpu_per_delivery_vs_first"] = (
            round(r["replica_cpu_per_delivery_us"] / base, 2) if base else None
        )
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    out = ARTIFACTS / "cluster-bench.json"
    out.write_text(json.dumps(results, indent=2) + "\n")
    for r in results:
        print(
            f"{r['replicas']} replica(s), {r['placement']}: {r['sends_per_s']} sends/s, "
            f"delivery p50 {r['delivery_p50_ms']} ms "
            f"p99 {r['delivery_p99_ms']} ms, {r['replica_cpu_per_delivery_us']} µs replica CPU per "
            f"delivered message ({r['cpu_per_delivery_vs_first']}x the first), HAProxy "
            f"{r['haproxy_cpu_per_delivery_us']} µs; {r['order_held_pct']} % of frames held "
            f"for their predecessor, {r['order_filled']} read from the log"
        )
    print(f"written to {out}")


if __name__ == "__main__":
    asyncio.run(main())
