"""Install (once), start, seed and drive a Synapse through the max scenario, into figures
shaped like Parley's realtime ones so the report can set them side by side."""

from __future__ import annotations

import asyncio
import os
import time
from contextlib import AsyncExitStack
from typing import Any

import httpx
from parleybench.scenarios import Timing, cpu_seconds

from peers.synapse import VERSION, install, server
from peers.synapse.drive import POLL_MS, Tally, drive
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
        "ack_p50_ms": _pct(t.ack_ms, 0.50),
        "ack_p99_ms": _pct(t.ack_ms, 0.99),
        "usage": usage,
    }


def server_read_timeout() -> float:
    """Above the long poll's 30 s, so an idle /sync returns empty rather than timing out."""
    return POLL_MS / 1000 + 30.0


def _client(base_url: str) -> httpx.AsyncClient:
    limits = httpx.Limits(max_connections=8, max_keepalive_connections=8)
    timeout = httpx.Timeout(10.0, read=server_read_timeout())
    return httpx.AsyncClient(base_url=base_url, limits=limits, timeout=timeout)


async def _seed_and_drive(
    hs: server.Homeserver, users: int, chat_size: int, concurrency: int, timing: Timing
) -> Tally:
    def probe() -> dict[str, float]:
        return {"synapse": cpu_seconds(hs.proc.pid), DRIVER: time.process_time()}

    async with AsyncExitStack() as stack:
        admin = await stack.enter_async_context(_client(hs.base_url))
        members = await seed(admin, hs.shared_secret, users, chat_size)
        clients = {
            m.user_id: await stack.enter_async_context(_client(hs.base_url)) for m in members
        }
        return await drive(clients, members, concurrency, timing, probe)


def _usage(tally: Tally, timing: Timing, load: tuple[float, float]) -> dict[str, Any]:
    """Share of one core over the measured window, from CPU-seconds read at its edges (no
    sampler thread: psutil's child scans were a third of the driver's own samples)."""
    out: dict[str, Any] = {
        k: {"cpu_s": v, "cpu_avg_pct": round(100 * v / timing.duration_s, 1)}
        for k, v in tally.cpu_s.items()
    }
    out["machine"] = {"load1_start": load[0], "load1_end": load[1]}
    return out


def measure(users: int, chat_size: int, concurrency: int, timing: Timing) -> dict[str, Any]:
    python = install.python()
    print(f"peers: starting Synapse {VERSION}", flush=True)
    hs = server.start(python)
    try:
        print(f"peers: Synapse: {users} users in rooms of {chat_size}, max {concurrency} senders")
        load0 = round(os.getloadavg()[0], 2)
        tally = asyncio.run(_seed_and_drive(hs, users, chat_size, concurrency, timing))
        usage = _usage(tally, timing, (load0, round(os.getloadavg()[0], 2)))
        fig = figures(tally, timing, usage, concurrency)
    except BaseException:
        print(hs.log_tail(), flush=True)
        raise
    finally:
        hs.stop()
    return fig


def cpu_ms_per_send(f: dict[str, Any]) -> float | None:
    """Server CPU per acknowledged send: its share of a core over the window ÷ sends/s."""
    usage = f.get("usage", {})
    srv = usage.get("synapse") or usage.get("server") or {}
    pct, rate = srv.get("cpu_avg_pct"), f.get("sends_per_s")
    if not pct or not rate:
        return None
    return round(10 * float(pct) / float(rate), 2)


def _fmt(v: float | None) -> str:
    return "-" if v is None else f"{v:,.2f}"


def markdown(parley: dict[str, Any] | None, peer: dict[str, Any]) -> list[str]:
    """The side-by-side table and the ratio, for bench.py's report."""
    rows = [("Parley (embedded)", parley)] if parley else []
    rows.append((f"Synapse {peer['version']}", peer))
    out = [
        f"**Side by side, same run** (max {peer['concurrency']} senders; Parley over its "
        "WebSockets, every member's socket counted, the sender's too; Synapse's members "
        "long-polling `/sync`, every other member counted)",
        "",
        "| server | sends/s | errors | delivered / expected | delivery p50 | p99 | max | ack p99 "
        "| server CPU avg | server CPU ms per send | load generator CPU avg |",
        "|---|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for name, f in rows:
        usage = f.get("usage", {})
        srv = usage.get("synapse") or usage.get("server") or {}
        gen = usage.get(DRIVER) or usage.get("k6 (load generator)") or {}
        errors = f.get("send_errors", 0) + f.get("ws_errors", 0)
        out.append(
            f"| {name} | {f['sends_per_s']:,.1f} | {errors} | {f['delivered']:,} / "
            f"{f['expected']:,} | {f['delivery_p50_ms']} | {f['delivery_p99_ms']} "
            f"| {f['delivery_max_ms']} | {f['ack_p99_ms']} | {srv.get('cpu_avg_pct', '-')}% "
            f"| {_fmt(cpu_ms_per_send(f))} | {gen.get('cpu_avg_pct', '-')}% |"
        )
    if parley and peer["sends_per_s"]:
        ratio = f"**Ratio: Parley / Synapse = {parley['sends_per_s'] / peer['sends_per_s']:.1f}×**"
        ours, theirs = cpu_ms_per_send(parley), cpu_ms_per_send(peer)
        if ours and theirs:
            ratio += (
                f" in sends/s with every delivery made; Synapse spends {theirs / ours:.1f}× "
                "Parley's server CPU per send (the steadier figure when the two servers got "
                "different shares of the shared cores)"
            )
        out += ["", ratio]
    load = peer.get("usage", {}).get("machine", {})
    if load:
        out += [
            "",
            f"Load average (1 min) over Synapse's run: {load.get('load1_start')} → "
            f"{load.get('load1_end')}. Both servers ran one after the other on the same cores, "
            "each beside its load generator; the ratio is the figure to read.",
        ]
    out.append("")
    return out
