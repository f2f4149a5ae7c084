"""Install (once), start, seed and drive a Synapse through the max scenario, into figures
shaped like Parley's realtime ones so the report can set them side by side."""

from __future__ import annotations

import asyncio
import os
import time
from typing import Any

import httpx
from parleybench.sampler import Sampler
from parleybench.scenarios import Timing

from peers.synapse import VERSION, install, server
from peers.synapse.drive import Tally, drive
from peers.synapse.seed import seed

DRIVER = "driver (load generator)"


def _pct(values: list[float], q: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))], 1)


def figures(t: Tally, timing: Timing, usage: dict[str, Any], concurrency: int) -> dict[str, Any]:
    return {
        "name": f"Synapse {VERSION}, max {concurrency} senders",
        "version": VERSION,
        "concurrency": concurrency,
        "sends_per_s": round(t.acked / timing.duration_s, 1),
        "acked": t.acked,
        "send_errors": sum(t.errors.values()),
        "error_codes": t.errors,
        "sync_errors": t.sync_errors,
        "limited_timelines": t.limited,
        "expected": t.expected,
        "delivered": t.delivered,
        "delivered_share": round(t.delivered / t.expected, 4) if t.expected else None,
        "delivery_p50_ms": _pct(t.latencies_ms, 0.50),
        "delivery_p90_ms": _pct(t.latencies_ms, 0.90),
        "delivery_p99_ms": _pct(t.latencies_ms, 0.99),
        "delivery_max_ms": _pct(t.latencies_ms, 1.0),
        "usage": usage,
    }


async def _seed_and_drive(
    base_url: str, secret: str, users: int, chat_size: int, concurrency: int, timing: Timing
) -> Tally:
    limits = httpx.Limits(max_connections=concurrency + users + 16, max_keepalive_connections=None)
    timeout = httpx.Timeout(10.0, read=server_read_timeout())
    async with httpx.AsyncClient(base_url=base_url, limits=limits, timeout=timeout) as http:
        members = await seed(http, secret, users, chat_size)
        return await drive(http, members, concurrency, timing)


def server_read_timeout() -> float:
    """Above the long poll's 30 s, so an idle /sync returns empty rather than timing out."""
    return 60.0


def _usage(sampler: Sampler, window: tuple[float, float]) -> dict[str, Any]:
    """CPU over the measured window. Synapse is the driver's child, so the driver's tree counts
    it too: the driver's own CPU is the difference."""
    out: dict[str, Any] = {k: v.summary(window) for k, v in sampler.series.items()}
    syn, drv = out.get("synapse", {}), out.get(DRIVER, {})
    if syn and drv:
        drv["cpu_avg_pct"] = round(drv["cpu_avg_pct"] - syn["cpu_avg_pct"], 1)
        drv.pop("cpu_max_pct", None)
    m = sampler.machine.summary(window)
    out["machine"] = {
        "cpu_avg_pct": m.get("cpu_avg_pct", 0.0),
        "load1_max": round(max(sampler.load, default=0.0), 2),
    }
    return out


def measure(users: int, chat_size: int, concurrency: int, timing: Timing) -> dict[str, Any]:
    python = install.python()
    print(f"peers: starting Synapse {VERSION}", flush=True)
    hs = server.start(python)
    try:
        print(f"peers: Synapse: {users} users in rooms of {chat_size}, max {concurrency} senders")
        pids = {"synapse": hs.proc.pid, DRIVER: os.getpid()}
        sampler = Sampler(lambda: pids)
        with sampler:
            entered = time.monotonic()
            tally = asyncio.run(
                _seed_and_drive(
                    hs.base_url, hs.shared_secret, users, chat_size, concurrency, timing
                )
            )
        window = (tally.window[0] - entered, tally.window[1] - entered)
        usage = _usage(sampler, window)
        fig = figures(tally, timing, usage, concurrency)
    except BaseException:
        print(hs.log_tail(), flush=True)
        raise
    finally:
        hs.stop()
    return fig


def markdown(parley: dict[str, Any] | None, peer: dict[str, Any]) -> list[str]:
    """The side-by-side table and the ratio, for bench.py's report."""
    rows = [("Parley (embedded)", parley)] if parley else []
    rows.append((f"Synapse {peer['version']}", peer))
    out = [
        f"**Side by side, same run** (max {peer['concurrency']} senders; Parley over its "
        "WebSockets, every member's socket counted, the sender's too; Synapse's members "
        "long-polling `/sync`, every other member counted)",
        "",
        "| server | sends/s | errors | delivered / expected | delivery p50 | p99 | max "
        "| server CPU avg | load generator CPU avg |",
        "|---|---:|---:|---|---:|---:|---:|---:|---:|",
    ]
    for name, f in rows:
        usage = f.get("usage", {})
        srv = usage.get("synapse") or usage.get("server") or {}
        gen = usage.get(DRIVER) or usage.get("k6 (load generator)") or {}
        errors = f.get("send_errors", 0) + f.get("ws_errors", 0)
        out.append(
            f"| {name} | {f['sends_per_s']:,.1f} | {errors} | {f['delivered']:,} / "
            f"{f['expected']:,} | {f['delivery_p50_ms']} | {f['delivery_p99_ms']} "
            f"| {f['delivery_max_ms']} | {srv.get('cpu_avg_pct', '-')}% "
            f"| {gen.get('cpu_avg_pct', '-')}% |"
        )
    if parley and peer["sends_per_s"]:
        out += [
            "",
            f"**Ratio: Parley / Synapse = {parley['sends_per_s'] / peer['sends_per_s']:.1f}×**",
        ]
    out.append("")
    return out
