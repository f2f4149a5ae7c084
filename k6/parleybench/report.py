"""The Markdown and JSON summary of a bench run, with every figure beside the machine's limit."""

from __future__ import annotations

import datetime as dt
import os
import platform
import subprocess
from typing import Any

import psutil  # type: ignore[import-untyped]  # ships no type information

from parleybench import profile


def revision() -> str:
    """The commit the server ran from, and whether backend/ had uncommitted edits."""
    try:
        head = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, timeout=10
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--", "backend"],
            capture_output=True,
            text=True,
            timeout=10,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    return f"{head}{' + uncommitted backend edits' if dirty else ''}"


def machine() -> dict[str, Any]:
    model = platform.processor() or ""
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    model = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    return {
        "nproc": os.cpu_count(),
        "cpu": model,
        "ram_gib": round(psutil.virtual_memory().total / 2**30, 1),
        "load_at_start": [round(x, 2) for x in os.getloadavg()],
        "date": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
    }


def _f(v: Any, unit: str = "") -> str:
    if v is None:
        return "-"
    if isinstance(v, float):
        v = f"{v:,.1f}" if abs(v) < 100 else f"{v:,.0f}"
    return f"{v}{unit}"


def _share(value: float | None, limit: float | None) -> str:
    if not value or not limit:
        return "-"
    return f"{100 * value / limit:.0f}%"


def path_limit(limits: dict[str, float], kind: str) -> tuple[float | None, str]:
    """The raw ceiling of the send path on this target's engines, and what it is."""
    if kind == "production" or (
        kind != "embedded" and any(k.startswith("es_bulk") for k in limits)
    ):
        # The server batches its writes (one transaction and one bulk request per batch), so the
        # raw path is bulk indexing, concurrent commits and pipelined publish->consume.
        parts = {
            k: v
            for k, v in limits.items()
            if k.startswith(("es_bulk", "mariadb_commits_per_s_8", "rabbitmq"))
        }
        if parts:
            name = min(parts, key=lambda k: parts[k])
            return parts[name], f"slowest of ES bulk, MariaDB commits, RabbitMQ: {name}"
        return None, ""
    v = limits.get("sqlite_commits_per_s_wal")
    return v, "SQLite durable commits (WAL)"


def _is_server(label: str) -> bool:
    """Parley's own processes: the server, the replicas, HAProxy (not engines, not k6)."""
    if label.startswith("engine:") or label in ("machine", "k6 (load generator)"):
        return False
    return label in ("server", "haproxy") or label.startswith("replica ") or ":" in label


def _server(usage: dict[str, Any]) -> tuple[str, str, str]:
    servers = [v for k, v in usage.items() if _is_server(k) and v]
    if not servers:
        return "-", "-", "-"
    cpu_avg = sum(s.get("cpu_avg_pct", 0) for s in servers)
    cpu_max = sum(s.get("cpu_max_pct", 0) for s in servers)
    rss = sum(s.get("rss_max_mib", 0) for s in servers)
    return f"{cpu_avg:.0f}%", f"{cpu_max:.0f}%", f"{rss:.0f}"


def _others(usage: dict[str, Any]) -> str:
    """CPU the machine spent outside the sampled processes (other people's work, the kernel)."""
    machine = usage.get("machine", {}).get("cpu_avg_pct")
    if machine is None:
        return "-"
    ours = sum(v.get("cpu_avg_pct", 0.0) for k, v in usage.items() if k != "machine" and v)
    return f"{max(0.0, machine - ours):.0f}%"


def _usage_rows(title: str, usage: dict[str, Any]) -> list[str]:
    rows = []
    for label, s in usage.items():
        if label == "machine" or not s:
            continue
        rows.append(
            f"| {title} | {label} | {_f(s.get('cpu_avg_pct'), '%')} "
            f"| {_f(s.get('cpu_max_pct'), '%')} "
            f"| {_f(s.get('rss_start_mib'))} | {_f(s.get('rss_max_mib'))} |"
        )
    m = usage.get("machine", {})
    rows.append(
        f"| {title} | whole machine (all users) | {_f(m.get('cpu_avg_pct'), '%')} "
        f"| {_f(m.get('cpu_max_pct'), '%')} | load1 max {_f(m.get('load1_max'))} | |"
    )
    return rows


def markdown(r: dict[str, Any]) -> str:
    m, limits, kind = r["machine"], r["limits"], r["target"]["kind"]
    out = [
        f"## {m['date']} — {r['target']['label']}",
        "",
        f"Machine: {m['nproc']} cores ({m['cpu']}), {m['ram_gib']} GiB RAM; load average at start "
        f"{' / '.join(str(x) for x in m['load_at_start'])} (the cores are shared with other work; "
        "the load generator runs on the same cores). Users: "
        f"{r['users']} in chats of {r['chat_size']}.",
        "",
        f"Command: `{r['command']}` (backend at {r.get('revision', 'unknown')})",
        "",
    ]
    if limits:
        out += [
            "**Machine limits (raw engines, same run)**",
            "",
            "| probe | per second |",
            "|---|---:|",
        ]
        out += [f"| {k} | {_f(v)} |" for k, v in limits.items()]
        out.append("")
    plimit, pname = path_limit(limits, kind)
    rt = r.get("realtime", [])
    if rt:
        out += [
            "**Real time** (WebSocket send → ack → fan-out to every member's socket; "
            f"share = sends/s ÷ {pname or 'path limit'})",
            "",
            "| run | sends/s | errors | delivered / expected | delivery p50 | p90 | p99 | max "
            "| ack p99 | write batch | server CPU avg / max | server RSS MiB | k6 CPU "
            "| others' CPU | share |",
            "|---|---:|---:|---|---:|---:|---:|---:|---:|---:|---|---:|---:|---:|---:|",
        ]
        for f in rt:
            cpu_avg, cpu_max, rss = _server(f["usage"])
            k6 = f["usage"].get("k6 (load generator)", {})
            out.append(
                f"| {f['name']} | {_f(f['sends_per_s'])} | {f['send_errors'] + f['ws_errors']} "
                f"| {f['delivered']:,} / {f['expected']:,} | {_f(f['delivery_p50_ms'])} "
                f"| {_f(f['delivery_p90_ms'])} | {_f(f['delivery_p99_ms'])} "
                f"| {_f(f['delivery_max_ms'])} "
                f"| {_f(f['ack_p99_ms'])} | {_f(f.get('avg_write_batch'))} | {cpu_avg} / {cpu_max} "
                f"| {rss} | {_f(k6.get('cpu_avg_pct'), '%')} | {_others(f['usage'])} "
                f"| {_share(f['sends_per_s'], plimit)} |"
            )
        codes = [f"{f['name']}: {f['error_codes']}" for f in rt if f.get("error_codes")]
        if codes:
            out += ["", "Error codes: " + "; ".join(codes)]
        out += [
            "",
            "Latencies in ms. Duplicates / out of order: "
            + ", ".join(f"{f['name']}: {f['duplicates']}/{f['out_of_order']}" for f in rt),
            "",
        ]
    c = r.get("ceiling")
    if c:
        top = c["highest_held_per_s"]
        held_text = (
            f"highest rate that held **{_f(top)} msg/s** ({_share(top, plimit)} of "
            f"{pname or 'path limit'})"
            if top
            else "**none held** (not even the first step)"
        )
        out += [
            f"**Ceiling search** (step up until p99 > 250 ms, errors or missed deliveries): "
            f"{held_text}",
            "",
            "| step | sends/s | delivered / expected | p99 ms | verdict |",
            "|---|---:|---|---:|---|",
        ]
        for f in c["steps"]:
            out.append(
                f"| {f['name']} | {_f(f['sends_per_s'])} | {f['delivered']:,} / {f['expected']:,} "
                f"| {_f(f['delivery_p99_ms'])} | {f['verdict']} |"
            )
        out.append("")
    a = r.get("auth")
    argon = limits.get("argon2_hashes_per_s_all_cores")
    if a:
        g, lm = a["register"], a["login_max"]
        out += [
            "**Auth** (each register and each sign-in is one argon2id hash)",
            "",
            "| run | achieved/s | errors | p50 ms | p99 ms | hashes/s ÷ raw argon2id |",
            "|---|---:|---:|---:|---:|---:|",
            f"| register + sign-in at {g['target_per_s']:g}/s | {_f(g['registered_per_s'])} + "
            f"{_f(g['signed_in_per_s'])} | {g['errors']} | {_f(g['register_p50_ms'])} / "
            f"{_f(g['login_p50_ms'])} | {_f(g['register_p99_ms'])} / {_f(g['login_p99_ms'])} | "
            f"{_share(g['registered_per_s'] + g['signed_in_per_s'], argon)} |",
            f"| sign-in max ({lm['vus']} loops) | {_f(lm['signed_in_per_s'])} | {lm['errors']} "
            f"| {_f(lm['login_p50_ms'])} | {_f(lm['login_p99_ms'])} "
            f"| {_share(lm['signed_in_per_s'], argon)} |",
            "",
        ]
    h = r.get("http")
    if h:
        out += [
            "**HTTP messaging**",
            "",
            "| run | achieved/s | errors | p50 ms | p90 ms | p99 ms | max ms |",
            "|---|---:|---:|---:|---:|---:|---:|",
            f"| send at {h['target_sends_per_s']:g}/s | {_f(h['sends_per_s'])} | {h['errors']} "
            f"| {_f(h['send_p50_ms'])} | {_f(h['send_p90_ms'])} | {_f(h['send_p99_ms'])} "
            f"| {_f(h['send_max_ms'])} |",
            f"| history pages at {h['target_history_per_s']:g}/s (x2 pages) "
            f"| {_f(h['pages_per_s'])} | "
            f"| {_f(h['history_p50_ms'])} | | {_f(h['history_p99_ms'])} "
            f"| {_f(h['history_max_ms'])} |",
            "",
        ]
    i = r.get("idle")
    if i:
        if "skipped" in i:
            out += [f"**Idle sockets**: skipped ({i['skipped']})", ""]
        else:
            out += [
                f"**Idle WebSockets**: {i['sockets']:,} signed-in sockets ({i['failed']} failed, "
                f"{i['connect_s']} s to connect): server RSS {i['rss_before_mib']} → "
                f"{i['rss_after_mib']} MiB = **{i['kib_per_socket']} KiB per socket**",
                "",
            ]
    b = r.get("bigroom")
    if b:
        out += big_room(b)
        if b.get("profile"):
            out += profile.markdown(b["profile"], "big room")
    for f in rt:
        if f.get("profile"):
            out += profile.markdown(f["profile"], f["name"])
    usage_rows: list[str] = []
    for f in rt:
        usage_rows += _usage_rows(f["name"], f["usage"])
    if a:
        usage_rows += _usage_rows("sign-in max", a["login_max"]["usage"])
    if h:
        usage_rows += _usage_rows("http messaging", h["usage"])
    if usage_rows:
        out += [
            "<details><summary>CPU (% of one core) and RSS (MiB) of every sampled process"
            "</summary>",
            "",
            "| run | process | CPU avg | CPU max | RSS start | RSS max |",
            "|---|---|---:|---:|---:|---:|",
            *usage_rows,
            "",
            "</details>",
            "",
        ]
    goals = goals_table(r)
    if goals:
        out += [
            "**Against the aims of issues 2 and 3** (reported, not enforced)",
            "",
            "| aim | measured | met |",
            "|---|---|---|",
            *goals,
            "",
        ]
    if r.get("notes"):
        out += [f"Notes: {r['notes']}", ""]
    return "\n".join(out)


def big_room(b: dict[str, Any]) -> list[str]:
    return [
        f"**Big room**: one chat of {b['members']:,} connected members ({b['sockets_ready']:,} "
        f"sockets ready, seeded in {b['seed_s']} s), {b['rate']:g} msg/s offered" + _split(b),
        "",
        "| sends/s | errors | delivered / expected | delivery p50 | p99 | max | server CPU-s "
        "(window) | deliveries per CPU-s | µs CPU per delivery | server CPU | k6 CPU | machine |",
        "|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
        f"| {_f(b['sends_per_s'])} | {b['send_errors'] + b['ws_errors']} | "
        f"{b['delivered']:,} / {b['expected']:,} | {_f(b['delivery_p50_ms'])} | "
        f"{_f(b['delivery_p99_ms'])} | {_f(b['delivery_max_ms'])} | {_f(b.get('server_cpu_s'))} | "
        f"{_f(b.get('deliveries_per_cpu_s'))} | {_f(b.get('cpu_us_per_delivery'))} | "
        f"{_cpu(b, 'server')} | {_cpu(b, 'k6 (load generator)')} | {_cpu(b, 'machine')} |",
        "",
        *_by_process(b),
        *_receiver(b),
        *_raw_fanout(b),
    ]


def _receiver(b: dict[str, Any]) -> list[str]:
    """Which process held the receiving members, and what it cost per frame."""
    g = b.get("go_receiver")
    if not g:
        return [f"Receivers: {b.get('receiver', 'k6')} (k6 processes, `realtime.js`).", ""]
    per = g.get("cpu_us_per_frame")
    return [
        f"Receivers: the Go receiver (`k6/receiver/`) held {g['sockets']:,} sockets "
        f"({g['ws_ready']:,} ready, {g['closed_early']} closed early), every delivery timed; "
        f"{g['delivered']:,} window deliveries, lost {g['lost']}, repeated {g['duplicates']}, "
        f"out of order {g['out_of_order']}; its own CPU {_f(g.get('window_cpu_s'))} s over "
        f"{_f(g.get('window_frames'))} frames in the window = "
        f"{'-' if per is None else f'{per:.1f}'} µs per frame ({_cpu(b, 'receiver (Go)')}); "
        "the senders are k6.",
        "",
    ]


def _by_process(b: dict[str, Any]) -> list[str]:
    """The merged p99 is the busiest k6 process's; each one's shows where the generator bound."""
    parts = b.get("delivery_p99_ms_by_process")
    if not parts or len(parts) < 2:
        return []
    each = ", ".join(f"{_f(p['p99_ms'])} ms ({p['sockets']:,} sockets)" for p in parts)
    return [f"Delivery p99 per k6 process (senders' first): {each}.", ""]


def _raw_fanout(b: dict[str, Any]) -> list[str]:
    """The kernel's bound beside the server's figure: one write per socket per event."""
    raw = b.get("raw_fanout")
    if not raw:
        return []

    def n(key: str) -> str:
        v = raw.get(key)
        return "-" if v is None else f"{v:,}"

    ours, best = b.get("deliveries_per_cpu_s"), raw.get("send_per_cpu_s")
    share = f"; the server's figure is {_share(ours, best)} of the plain-send rate" if ours else ""
    return [
        f"Raw fan-out, same run ({raw['sockets']:,} loopback sockets, one "
        f"{raw['frame_bytes']}-byte frame each at {raw['rate']:g}/s, every byte read back: "
        f"{raw['all_read']}): "
        f"{n('send_per_cpu_s')} deliveries per writer CPU-s with plain `socket.send`, "
        f"{n('asyncio_per_cpu_s')} with asyncio's `transport.write`, {n('uvloop_per_cpu_s')} "
        f"with uvloop's{share}.",
        "",
    ]


def _cpu(b: dict[str, Any], process: str) -> str:
    """Average CPU over the run, % of one core (the machine's: of all of them together)."""
    return _f(b["usage"].get(process, {}).get("cpu_avg_pct"), "%")


def _split(b: dict[str, Any]) -> str:
    n = b.get("k6_processes", 1)
    sample = b.get("latency_sample", 1)
    timed = f"; latency timed on one delivery in {sample}, all counted" if sample > 1 else ""
    if b.get("sockets_per_vu", 1) > 1:
        timed += f"; {b['sockets_per_vu']} receiving sockets per k6 VU"
    if n <= 1:
        return timed
    return (
        f"; load from {n} k6 processes (senders in one), so a latency is the highest of the"
        " processes' own (an upper bound of the run's)" + timed
    )


def goals_table(r: dict[str, Any]) -> list[str]:
    rows = []
    rt = {f["name"]: f for f in r.get("realtime", [])}
    at100 = rt.get("100 msg/s")
    if at100:
        p99 = at100["delivery_p99_ms"]
        rows.append(
            f"| delivery p99 < 100 ms at 100 msg/s | {_f(p99)} ms "
            f"| {'yes' if p99 is not None and p99 < 100 else 'no'} |"
        )
    best = max(
        (
            f["sends_per_s"]
            for f in r.get("realtime", [])
            if f.get("concurrency") and f["delivered_share"] == 1.0 and not f["send_errors"]
        ),
        default=None,
    )
    c = r.get("ceiling")
    held = c["highest_held_per_s"] if c else None
    if best is not None or held is not None:
        top = max(x for x in (best, held) if x is not None)
        rows.append(
            f"| ≥ 1,000 msg/s sustained, every delivery made (issue 2) | {_f(top)} msg/s "
            f"| {'yes' if top >= 1000 else 'no'} |"
        )
        if r["target"]["kind"] == "production":
            plimit, pname = path_limit(r["limits"], "production")
            if plimit:
                rows.append(
                    f"| ≥ half the path's raw ceiling (issue 3; {pname} = {plimit:,.0f}/s) "
                    f"| {_f(top)} msg/s = {_share(top, plimit)} "
                    f"| {'yes' if top >= plimit / 2 else 'no'} |"
                )
    i = r.get("idle")
    if i and "kib_per_socket" in i:
        kb = i["kib_per_socket"] * 1.024
        rows.append(f"| ≤ 30 KB per idle WebSocket | {kb:.1f} KB | {'yes' if kb <= 30 else 'no'} |")
    a = r.get("auth")
    argon = r["limits"].get("argon2_hashes_per_s_all_cores")
    if a and argon:
        s = a["login_max"]["signed_in_per_s"]
        rows.append(
            f"| sign-ins/s ≥ 0.9 x raw argon2id rate ({argon:.0f}/s) "
            f"| {s:.1f}/s = {s / argon:.2f}x "
            f"| {'yes' if s >= 0.9 * argon else 'no'} |"
        )
    return rows
