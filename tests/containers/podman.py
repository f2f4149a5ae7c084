"""podman and podman-compose as the tests drive them: Parley's containers.conf, bounded waits."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.engines import REPO
from tests.support.server import wait_until

CONF = REPO / "deploy" / "containers" / "containers.conf"


def env() -> dict[str, str]:
    return {**os.environ, "CONTAINERS_CONF": str(CONF)}


def require() -> None:
    """Fail (never skip) when podman is missing: deploy/local/apt/containers.txt installs it."""
    if shutil.which("podman") is None:
        pytest.fail(
            "podman is not installed: deploy/local/setup.sh installs it from "
            "deploy/local/apt/containers.txt",
            pytrace=False,
        )


def run(*args: str, timeout: float = 120, check: bool = True) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(
        ["podman", *args], env=env(), capture_output=True, text=True, timeout=timeout
    )
    if check and done.returncode != 0:
        raise AssertionError(f"podman {' '.join(args)}: {done.stdout}{done.stderr}")
    return done


def script(path: str, *args: str, timeout: float = 900) -> str:
    """One of deploy/'s scripts (they print the name of what they built on stdout)."""
    done = subprocess.run(
        ["bash", str(REPO / path), *args],
        env=env(),
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    assert done.returncode == 0, f"{path}: {done.stdout}{done.stderr}"
    return done.stdout.strip().splitlines()[-1] if done.stdout.strip() else ""


def compose(
    project: str, env_file: Path, files: list[Path], *args: str, timeout: float = 300
) -> str:
    cmd = [sys.executable, "-m", "podman_compose", "-p", project, "--env-file", str(env_file)]
    for f in files:
        cmd += ["-f", str(f)]
    done = subprocess.run(
        [*cmd, *args], env=env(), cwd=REPO, capture_output=True, text=True, timeout=timeout
    )
    assert done.returncode == 0, f"podman-compose {' '.join(args)}: {done.stdout}{done.stderr}"
    return done.stdout


def healthy(container: str) -> bool:
    """The image's HEALTHCHECK, run now: nothing runs it on a timer without systemd."""
    return run("healthcheck", "run", container, check=False, timeout=30).returncode == 0


def wait_healthy(container: str, timeout: float = 120) -> None:
    """Poll the health check. A replica that exits (an engine not reachable yet) is restarted by
    its compose restart policy, as in production; its last logs explain a timeout."""
    try:
        wait_until(lambda: healthy(container), timeout, f"{container} healthy", interval=0.5)
    except TimeoutError as exc:
        logs = run("logs", "--tail", "30", container, check=False)
        raise AssertionError(f"{exc}\n{logs.stdout}{logs.stderr}") from None
