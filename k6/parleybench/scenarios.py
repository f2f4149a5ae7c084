"""The scenario runs of a bench, each turned from a k6 summary into the figures the report shows."""

from __future__ import annotations

import os
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from parleybench import receiver as go_receiver
from parleybench.k6run import K6Result, merge_values, run_k6, run_k6_split
from parleybench.targets import Target

P99_CEILING_MS = 250.0


@dataclass
class Timing:
    connect_s: float = 5.0
    warmup_s: float = 5.0
    duration_s: float = 30.0
    drain_s: float = 5.0

    def env(self) -> dict[str, str]:
        return {
            "CONNECT_S": str(self.connect_s),
            "WARMUP_S": str(self.warmup_s),
            "DURATION_S": str(self.duration_s),
            "DRAIN_S": str(self.drain_s),
        }

    @property
    def total(self) -> float:
        return self.connect_s + self.warmup_s + self.duration_s + self.drain_s


def _pct(trend: dict[str, float], key: str) -> float | None:
    v = trend.get(key)
    return None if v is None else round(v, 1)


def realtime_figures(r: K6Result, users: int, timing: Timing, **extra: Any) -> dict[str, Any]:
    d = r.trend("delivery_ms")
    a = r.trend("ack_ms")
    expected, delivered = r.count("expected"), r.count("delivered")
    return {
        "name": r.name,
        **extra,
        "sends_per_s": round(r.count("acked") / timing.duration_s, 1),
        "offered_per_s": round(r.count("sent_window") / timing.duration_s, 1),
        "acked": int(r.count("acked")),
        "send_errors": int(r.count("send_errors")),
        "ws_errors": int(r.count("ws_errors")),
        "sockets_ready": int(r.count("ws_ready")),
        "users": users,
        "closed_early": int(r.count("ws_closed_early")),
        "expected": int(expected),
        "delivered": int(delivered),
        "delivered_share": round(delivered / expected, 4) if expected else None,
        "duplicates": int(r.count("duplicates")),
        "out_of_order": int(r.count("out_of_order")),
        "delivery_p50_ms": _pct(d, "p(50)"),
        "delivery_p90_ms": _pct(d, "p(90)"),
        "delivery_p99_ms": _pct(d, "p(99)"),
        "delivery_max_ms": _pct(d, "max"),
        "ack_p50_ms": _pct(a, "p(50)"),
        "ack_p99_ms": _pct(a, "p(99)"),
        "deliveries_per_s": round(delivered / timing.duration_s, 1),
        "usage": r.usage,
        "k6_exit": r.exit_code,
        "error_codes": r.errors,
    }


def write_batches(base_url: str) -> tuple[float, float]:
    """(sum, count) of the server's `parley_write_batch_size` histogram (one replica's view)."""
    try:
        text = httpx.get(f"{base_url}/metrics", timeout=5.0).text
    except httpx.HTTPError:
        return 0.0, 0.0
    total = count = 0.0
    for line in text.splitlines():
        if line.startswith("parley_write_batch_size_sum"):
            total = float(line.split()[-1])
        elif line.startswith("parley_write_batch_size_count"):
            count = float(line.split()[-1])
    return total, count


def realtime(
    target: Target,
    seed_path: Path,
    users: int,
    timing: Timing,
    *,
    rate: float | None = None,
    concurrency: int | None = None,
) -> dict[str, Any]:
    env = timing.env()
    if concurrency is not None:
        env.update({"MODE": "max", "CONCURRENCY": str(concurrency)})
        name = f"max {concurrency} senders"
    else:
        env.update({"MODE": "rate", "RATE": str(rate)})
        name = f"{rate:g} msg/s"
    # k6 takes about a second to start its VUs before setup() stamps the timeline's zero.
    start = 1.0 + timing.connect_s + timing.warmup_s
    before = write_batches(target.base_url)
    r = run_k6(
        name,
        "realtime.js",
        target,
        seed_path,
        env,
        timeout=timing.total + 120,
        window=(start, start + timing.duration_s),
    )
    after = write_batches(target.base_url)
    batches = after[1] - before[1]
    avg_batch = round((after[0] - before[0]) / batches, 2) if batches > 0 else None
    return realtime_figures(
        r, users, timing, rate=rate, concurrency=concurrency, avg_write_batch=avg_batch
    )


def held(fig: dict[str, Any]) -> tuple[bool, str]:
    """Did a fixed-rate step hold: p99 under the ceiling, no errors, every delivery, the rate?"""
    p99 = fig.get("delivery_p99_ms")
    if fig["send_errors"] or fig["ws_errors"]:
        codes = ", ".join(f"{k} x{v}" for k, v in fig.get("error_codes", {}).items())
        return False, f"{fig['send_errors'] + fig['ws_errors']} errors ({codes})"
    if fig["sockets_ready"] < fig["users"] or fig["closed_early"]:
        return False, "sockets dropped"
    if fig["delivered_share"] is None or fig["delivered_share"] < 1.0:
        return False, f"delivered {fig['delivered']}/{fig['expected']}"
    if p99 is None or p99 > P99_CEILING_MS:
        return False, f"p99 {p99} ms > {P99_CEILING_MS:g} ms"
    if fig["rate"] and fig["sends_per_s"] < 0.95 * fig["rate"]:
        return False, f"achieved {fig['sends_per_s']}/s of {fig['rate']:g}/s"
    return True, "held"


def ceiling(
    target: Target,
    seed_path: Path,
    users: int,
    timing: Timing,
    start: float,
    factor: float,
    steps: int,
) -> dict[str, Any]:
    """Step the rate up by `factor` until a step fails `held`; the highest held is the ceiling."""
    rows: list[dict[str, Any]] = []
    best: float | None = None
    rate = start
    for _ in range(steps):
        fig = realtime(target, seed_path, users, timing, rate=round(rate))
        ok, why = held(fig)
        fig["held"], fig["verdict"] = ok, why
        rows.append(fig)
        print(
            f"bench: ceiling step {rate:.0f} msg/s: {why} (p99 {fig['delivery_p99_ms']} ms)",
            flush=True,
        )
        if not ok:
            break
        best = round(rate)
        rate *= factor
    return {"steps": rows, "highest_held_per_s": best}


def auth(
    target: Target, seed_path: Path, rate: float, login_vus: int, duration_s: float
) -> dict[str, Any]:
    reg = run_k6(
        "register+sign-in",
        "auth.js",
        target,
        seed_path,
        {"SCENARIO": "register", "RATE": str(rate), "DURATION_S": str(duration_s)},
        timeout=duration_s + 120,
    )
    log = run_k6(
        "sign-in max",
        "auth.js",
        target,
        seed_path,
        {"SCENARIO": "login", "LOGIN_VUS": str(login_vus), "DURATION_S": str(duration_s)},
        timeout=duration_s + 120,
    )
    rl, ll = reg.trend("register_ms"), reg.trend("login_ms")
    lm = log.trend("login_ms")
    return {
        "register": {
            "target_per_s": rate,
            "registered_per_s": round(reg.count("registered") / duration_s, 1),
            "signed_in_per_s": round(reg.count("signed_in") / duration_s, 1),
            "errors": int(reg.count("auth_errors")),
            "register_p50_ms": _pct(rl, "p(50)"),
            "register_p99_ms": _pct(rl, "p(99)"),
            "login_p50_ms": _pct(ll, "p(50)"),
            "login_p99_ms": _pct(ll, "p(99)"),
            "usage": reg.usage,
        },
        "login_max": {
            "vus": login_vus,
            "signed_in_per_s": round(log.count("signed_in") / duration_s, 1),
            "errors": int(log.count("auth_errors")),
            "login_p50_ms": _pct(lm, "p(50)"),
            "login_p99_ms": _pct(lm, "p(99)"),
            "login_max_ms": _pct(lm, "max"),
            "usage": log.usage,
        },
    }


def http_messaging(
    target: Target, seed_path: Path, rate: float, history_rate: float, duration_s: float
) -> dict[str, Any]:
    r = run_k6(
        "http messaging",
        "http.js",
        target,
        seed_path,
        {"RATE": str(rate), "HISTORY_RATE": str(history_rate), "DURATION_S": str(duration_s)},
        timeout=duration_s + 120,
    )
    s, h = r.trend("send_ms"), r.trend("history_ms")
    return {
        "target_sends_per_s": rate,
        "sends_per_s": round(r.count("sent_ok") / duration_s, 1),
        "target_history_per_s": history_rate,
        "pages_per_s": round(r.count("pages") / duration_s, 1),
        "errors": int(r.count("http_errors")),
        "send_p50_ms": _pct(s, "p(50)"),
        "send_p90_ms": _pct(s, "p(90)"),
        "send_p99_ms": _pct(s, "p(99)"),
        "send_max_ms": _pct(s, "max"),
        "history_p50_ms": _pct(h, "p(50)"),
        "history_p99_ms": _pct(h, "p(99)"),
        "history_max_ms": _pct(h, "max"),
        "usage": r.usage,
    }


# The Go receiver's counters and the k6 metric each adds to.
_RECEIVER_COUNTS = {
    "delivered": "delivered",
    "duplicates": "duplicates",
    "out_of_order": "out_of_order",
    "ws_errors": "ws_errors",
    "ws_ready": "ws_ready",
    "closed_early": "ws_closed_early",
}


def _add_receiver(r: K6Result, fig: dict[str, Any]) -> None:
    """The Go receiver's figures merged into the k6 result as one more process: counters add,
    its latency trend joins k6's as two k6 processes' do (percentiles as an upper bound)."""
    for key, metric in _RECEIVER_COUNTS.items():
        have = r.metrics.setdefault(metric, {})
        have["count"] = have.get("count", 0.0) + float(fig.get(key, 0))
    trend = {k: float(v) for k, v in fig["delivery_ms"].items()}
    if trend.get("count"):
        r.metrics["delivery_ms"] = merge_values([r.metrics.get("delivery_ms", {}), trend])
    r.parts.append({"delivery_ms": trend})
    for key, n in fig.get("error_lines", {}).items():
        r.errors[key] = r.errors.get(key, 0) + n


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far, from /proc/<pid>/stat."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


# The big room's k6 processes start this long after the runner stamps their common zero (T0).
SPLIT_LEAD_S = 2.0


def split_envs(members: int, senders: int, receivers: int, t0_ms: int) -> list[dict[str, str]]:
    """The senders in one k6 process of their own (their timers stay punctual), the other members
    spread evenly over `receivers` processes; all share the timeline's zero `t0_ms`."""
    senders = max(0, min(senders, members))
    rest = members - senders
    receivers = max(1, min(receivers, rest)) if rest else 0
    slices = [(0, senders)] if senders else []
    at = senders
    for i in range(receivers):
        count = rest // receivers + (1 if i < rest % receivers else 0)
        slices.append((at, count))
        at += count
    return [{"VU_OFFSET": str(o), "VU_COUNT": str(c), "T0": str(t0_ms)} for o, c in slices if c]


def big_room(
    target: Target,
    seed_path: Path,
    members: int,
    timing: Timing,
    rate: float,
    senders: int,
    k6_processes: int = 4,
    sample: int = 1,
    per_vu: int = 1,
    receiver: str = "go",
) -> dict[str, Any]:
    """One chat of `members` connected members at `rate` msg/s: every delivery, its p99, and the
    server's CPU-seconds per delivery over the measured window (read from /proc at its edges).
    The members are spread over several k6 processes (`k6_processes` receiving, one sending):
    one k6 process for 2,000 sockets fell behind its own timeline on these cores. With `sample`
    > 1 the receivers record the latency of one delivery in `sample` (each still counted); with
    `per_vu` > 1 one receiving VU holds that many sockets (the senders keep one each).
    `receiver` "go" holds the receiving members in the lean Go receiver (`k6/receiver/`, one
    process, every delivery timed) instead of k6 processes; the senders stay k6 either way."""
    pid = target.procs.get("server")
    start = SPLIT_LEAD_S + timing.connect_s + timing.warmup_s
    cpu: list[float] = []
    timers = [
        threading.Timer(at, lambda: cpu.append(cpu_seconds(pid))) if pid else None
        for at in (start, start + timing.duration_s)
    ]
    if receiver == "go":
        # Built (once per source version, tens of seconds) before the timeline's zero, which the
        # window's CPU timers and every process's T0 count from.
        go_receiver.build()
    t0_ms = int((time.time() + SPLIT_LEAD_S) * 1000)
    base = {**timing.env(), "MODE": "rate", "RATE": str(rate), "SENDERS": str(senders)}
    base["SAMPLE"] = str(max(1, sample))  # every delivery counted, one in `sample` timed
    envs = [{**base, **part} for part in split_envs(members, senders, k6_processes, t0_ms)]
    lean = None
    if receiver == "go" and len(envs) > (1 if senders else 0):
        rest = envs[1 if senders else 0 :]
        first, count = int(rest[0]["VU_OFFSET"]), sum(int(e["VU_COUNT"]) for e in rest)
        lean_env = {**base, "VU_OFFSET": str(first), "VU_COUNT": str(count), "T0": str(t0_ms)}
        envs = envs[:1] if senders else []
        lean = go_receiver.start(target.base_url, seed_path, lean_env)
    for env in envs[1 if senders else 0 :]:
        env["PER_VU"] = str(max(1, per_vu))  # the senders' timers stay on VUs of their own
    for t in timers:
        if t is not None:
            t.start()
    try:
        r = run_k6_split(
            f"big room {members}",
            "realtime.js",
            target,
            seed_path,
            envs,
            timeout=timing.total + 300,
            window=(start, start + timing.duration_s),
            also={"receiver (Go)": (lean.pid,)} if lean else None,
        )
        lean_fig = lean.result(timing.total + 60) if lean else None
    finally:
        if lean is not None:
            lean.kill()
    for t in timers:
        if t is not None:
            t.cancel()
    if lean_fig is not None:
        _add_receiver(r, lean_fig)
    fig = realtime_figures(r, members, timing, rate=rate, concurrency=None, members=members)
    fig["receiver"] = "go" if lean_fig is not None else "k6"
    fig["k6_processes"] = len(envs)
    fig["latency_sample"] = max(1, sample)
    fig["sockets_per_vu"] = max(1, per_vu)
    # Each process's own p99: the senders' one holds a few sockets and is never the busy one, so
    # its figure is the room's latency without a saturated generator in the path.
    fig["delivery_p99_ms_by_process"] = [
        {"sockets": int(env["VU_COUNT"]), "p99_ms": _pct(part.get("delivery_ms", {}), "p(99)")}
        for env, part in zip(envs, r.parts, strict=False)
    ]
    if lean_fig is not None:
        fig["delivery_p99_ms_by_process"].append(
            {
                "sockets": lean_fig["sockets"],
                "p99_ms": _pct(lean_fig["delivery_ms"], "p(99)"),
                "go": True,
            }
        )
        fig["go_receiver"] = {
            k: lean_fig.get(k)
            for k in (
                "sockets",
                "ws_ready",
                "closed_early",
                "ws_errors",
                "frames",
                "delivered",
                "duplicates",
                "out_of_order",
                "lost",
                "window_cpu_s",
                "window_frames",
                "cpu_us_per_frame",
                "error_lines",
            )
        }
        fig["go_receiver"]["delivery_ms"] = lean_fig["delivery_ms"]
        fig["lost"] = int(lean_fig.get("lost", 0))
    if len(cpu) == 2 and fig["delivered"]:
        used = cpu[1] - cpu[0]
        fig["server_cpu_s"] = round(used, 2)
        fig["deliveries_per_cpu_s"] = round(fig["delivered"] / used) if used > 0 else None
        fig["cpu_us_per_delivery"] = round(1e6 * used / fig["delivered"], 1)
    return fig
