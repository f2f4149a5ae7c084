"""py-spy profiles of the server during one run: a flame graph, and where the time went.

Three samplers watch the same pid without pausing it (`--nonblocking`, so the server runs at its
own speed): the SVG flame graph of active stacks, and two raw (collapsed) recordings, active
only and with idle threads too. "Active" is py-spy's: running, or runnable and waiting for a core,
which a sampler cannot tell apart on a saturated machine. Active samples say where a send spends
its CPU; the idle-only remainder (all samples minus active ones, per leaf frame) says where each
thread waits.
"""

from __future__ import annotations

import re
import shlex
import subprocess
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
FOLDER = REPO / "k6" / "profiles"  # ignored: flame graphs are build output, not sources
RATE_HZ = 100
TOP = 12


@dataclass
class Recording:
    svg: Path
    cpu: Path
    wall: Path
    procs: list[subprocess.Popen[bytes]]


def _py_spy() -> str:
    exe = Path(sys.executable).with_name("py-spy")
    if not exe.exists():
        raise SystemExit("bench: --profile needs py-spy in the venv (pip install -e '.[dev]')")
    return str(exe)


def start(pid: int, stem: str, delay_s: float, duration_s: float) -> Recording:
    """Sample `pid` for `duration_s` after `delay_s` (the measured window, not the connects)."""
    FOLDER.mkdir(parents=True, exist_ok=True)
    base = [_py_spy(), "record", "--pid", str(pid), "--duration", str(round(duration_s))]
    base += ["--rate", str(RATE_HZ), "--nonblocking"]
    rec = Recording(
        FOLDER / f"{stem}.svg", FOLDER / f"{stem}.cpu.txt", FOLDER / f"{stem}.wall.txt", []
    )
    runs = [
        ["--format", "flamegraph", "--output", str(rec.svg)],
        ["--format", "raw", "--threads", "--output", str(rec.cpu)],
        ["--format", "raw", "--threads", "--idle", "--output", str(rec.wall)],
    ]
    for extra in runs:
        cmd = f"sleep {delay_s:.1f} && exec {shlex.join([*base, *extra])}"
        rec.procs.append(
            subprocess.Popen(["sh", "-c", cmd], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        )
    return rec


def finish(rec: Recording) -> dict[str, Any]:
    """Wait for the samplers (they stop at their duration) and summarise what they saw."""
    errors = []
    for proc in rec.procs:
        _, err = proc.communicate(timeout=120)
        if proc.returncode:
            errors.append(err.decode(errors="replace")[-500:])
    if errors or not rec.cpu.exists() or not rec.wall.exists():
        return {"error": " | ".join(errors) or "py-spy wrote no output"}
    out = summarize(_stacks(rec.cpu), _stacks(rec.wall))
    out["svg"] = str(rec.svg.relative_to(REPO))
    return out


def _stacks(path: Path) -> Counter[tuple[str, ...]]:
    """Collapsed stacks: `thread (tid): name;frame;frame count` per line."""
    found: Counter[tuple[str, ...]] = Counter()
    for line in path.read_text(errors="replace").splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack or not count.isdigit():
            continue
        frames = stack.split(";")
        thread = frames[0].split(": ", 1)[-1]  # the name; tids differ between the recordings
        found[(_thread_kind(thread), *frames[1:])] += int(count)
    return found


def _thread_kind(name: str) -> str:
    """The event loop, or a kind of worker thread (numbers folded: aiosqlite's, the executor's)."""
    return "event loop (MainThread)" if name == "MainThread" else re.sub(r"\d+", "N", name)


def _function(frame: str) -> str:
    """`name (file:line)` -> `name (file)`: the tables sum a function's lines."""
    return re.sub(r":\d+\)$", ")", frame)


def _ours(frame: str) -> bool:
    """Parley's functions, less the entry point every stack starts with."""
    return "(backend/" in frame and "(backend/__main__.py" not in frame


def _pct(n: int, total: int) -> float:
    return round(100.0 * n / total, 1) if total else 0.0


def summarize(cpu: Counter[tuple[str, ...]], wall: Counter[tuple[str, ...]]) -> dict[str, Any]:
    cpu_total, wall_total = sum(cpu.values()), sum(wall.values())
    self_cpu: Counter[str] = Counter()
    incl_cpu: Counter[str] = Counter()
    threads_cpu: Counter[str] = Counter()
    for stack, n in cpu.items():
        threads_cpu[stack[0]] += n
        if len(stack) > 1:
            self_cpu[_function(stack[-1])] += n
        for frame in {_function(f) for f in stack[1:] if _ours(f)}:
            incl_cpu[frame] += n
    waits: Counter[tuple[str, str]] = Counter()
    threads_wall: Counter[str] = Counter()
    for stack, n in wall.items():
        threads_wall[stack[0]] += n
        waits[(stack[0], stack[-1])] += n
    for stack, n in cpu.items():
        waits[(stack[0], stack[-1])] -= n
    return {
        "rate_hz": RATE_HZ,
        "cpu_samples": cpu_total,
        "wall_samples": wall_total,
        "threads": {
            t: {"cpu_samples": threads_cpu[t], "wall_samples": threads_wall[t]}
            for t in sorted(threads_wall)
        },
        "self_cpu": [(f, _pct(n, cpu_total)) for f, n in self_cpu.most_common(TOP)],
        "inclusive_cpu": [(f, _pct(n, cpu_total)) for f, n in incl_cpu.most_common(TOP)],
        "waits": [  # threads that never ran (idle pools) are left out
            (t, f, _pct(n, threads_wall[t]))
            for (t, f), n in sorted(waits.items(), key=lambda kv: -kv[1])
            if n > 0 and threads_cpu[t]
        ][:TOP],
    }


def markdown(p: dict[str, Any], run: str) -> list[str]:
    if "error" in p:
        return [f"**Profile** of {run}: py-spy failed ({p['error']})", ""]
    threads = ", ".join(
        f"{t}: {v['cpu_samples'] / RATE_HZ:.1f} s active of {v['wall_samples'] / RATE_HZ:.1f} s "
        "sampled"
        for t, v in p["threads"].items()
    )
    out = [
        f"**Profile** of {run} (py-spy {RATE_HZ} Hz, nonblocking; flame graph `{p['svg']}`): "
        f"{threads}",
        "",
        "| active function (self) | % of active samples | Parley function (inclusive) | % |",
        "|---|---:|---|---:|",
    ]
    for (sf, sp), (inf, ip) in zip(p["self_cpu"], p["inclusive_cpu"], strict=False):
        out.append(f"| `{sf}` | {sp} | `{inf}` | {ip} |")
    out += [
        "",
        "| thread | waiting in (idle leaf frame) | % of that thread's samples |",
        "|---|---|---:|",
    ]
    out += [f"| {t} | `{f}` | {pct} |" for t, f, pct in p["waits"]]
    return [*out, ""]
