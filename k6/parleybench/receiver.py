"""The big room's lean receiver (`k6/receiver/`, Go): built on demand, cached by source hash.

k6 spends about 74 µs of CPU per frame a member's socket receives; 2,000 receiving members at
10 msg/s took 1.5 of the 2 cores, so the room's p99 measured k6 waiting for a core. The Go
program holds the same sockets for a few µs per frame; the senders stay k6 (`realtime.js`).
The binary lives under `~/.cache/parley/receiver-<hash>/` (never in git), keyed by the hash of
its sources and the Go version, so an edit or a new toolchain rebuilds it. It needs only Go's
standard library: the build needs no network.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from parleybench.k6run import error_lines

SOURCE = Path(__file__).resolve().parents[1] / "receiver"
CACHE = Path.home() / ".cache" / "parley"


def go_binary() -> str:
    """The Go toolchain, or a clear stop: the receiver cannot run without it."""
    found = shutil.which("go") or (
        "/usr/local/go/bin/go" if Path("/usr/local/go/bin/go").exists() else None
    )
    if found is None:
        raise RuntimeError(
            "the Go receiver needs Go (https://go.dev/dl/); or use --room-receiver k6"
        )
    return found


def _key(go: str) -> str:
    h = hashlib.sha256()
    h.update(subprocess.run([go, "version"], capture_output=True, check=True).stdout)
    for path in sorted(SOURCE.glob("*")):
        if path.suffix in (".go", ".mod", ".sum"):
            h.update(path.name.encode() + b"\0" + path.read_bytes())
    return h.hexdigest()[:16]


def build() -> Path:
    """The cached binary for the current sources, built first if missing."""
    go = go_binary()
    target = CACHE / f"receiver-{_key(go)}" / "receiver"
    if target.exists():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f"receiver.{os.getpid()}.tmp")
    env = {**os.environ, "CGO_ENABLED": "0", "GOFLAGS": "-buildvcs=false", "GOPROXY": "off"}
    done = subprocess.run(
        [go, "build", "-trimpath", "-o", str(tmp), "."],
        cwd=SOURCE,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    if done.returncode != 0:
        raise RuntimeError(f"go build of the receiver failed:\n{done.stderr[-2000:]}")
    tmp.replace(target)
    return target


@dataclass
class Receiver:
    """One running receiver process and where it writes its figures."""

    proc: subprocess.Popen[bytes]
    out_dir: Path

    @property
    def pid(self) -> int:
        return self.proc.pid

    def result(self, timeout: float) -> dict[str, Any]:
        """Its figures once it has closed every socket (after the drain)."""
        try:
            code = self.proc.wait(max(1.0, timeout))
        except subprocess.TimeoutExpired:
            self.proc.kill()
            code = self.proc.wait(10)
        out, log = self.out_dir / "receiver.json", self.out_dir / "receiver.log"
        try:
            if code != 0 or not out.exists():
                text = log.read_text(errors="replace")[-2000:]
                raise RuntimeError(f"receiver exited {code} with no figures:\n{text}")
            fig: dict[str, Any] = json.loads(out.read_text())
            fig["error_lines"] = error_lines(log.read_text(errors="replace"))
            return fig
        finally:
            shutil.rmtree(self.out_dir, ignore_errors=True)

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(10)


def start(base_url: str, seed_path: Path, env: dict[str, str]) -> Receiver:
    """Start the receiver for the users `env` names (VU_OFFSET, VU_COUNT, T0 and the timeline,
    the same variables realtime.js reads)."""
    binary = build()
    out_dir = Path(tempfile.mkdtemp(prefix="parley-receiver-"))
    full = {**os.environ, "BASE_URL": base_url, "SEED": str(seed_path), **env}
    with (out_dir / "receiver.log").open("wb") as log:
        proc = subprocess.Popen(
            [str(binary), "-out", str(out_dir / "receiver.json")],
            env=full,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    return Receiver(proc, out_dir)
