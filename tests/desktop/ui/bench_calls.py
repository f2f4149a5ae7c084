"""Call benchmark (run by hand, never asserted):

    QT_QPA_PLATFORM=offscreen .venv/bin/python -m pytest -q -s -p no:cacheprovider \\
        tests/desktop/ui/bench_calls.py

Two app instances in this one process (A and B) against a real embedded server: the PSS of this
process and its web engine helpers while idle, in a 1:1 call (fake 640×480 camera), and 10 s after
hanging up; and the time from pressing Call (B accepting at once) to A decoding B's video.
Appends a line to tests/artifacts/calls_bench.jsonl.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psutil
from PySide6.QtWidgets import QPushButton

import tests.desktop.ui.fake_media  # noqa: F401 - sets the fake capture devices
from desktop.ui.app import DesktopApp
from tests.desktop.ui.helpers import click, find
from tests.desktop.ui.test_calls import decoding, renderers, two_people
from tests.support.server import ServerProcess


def pss_mib() -> float:
    total = 0
    me = psutil.Process()
    for p in [me, *me.children(recursive=True)]:
        try:
            if p.name() != "python" or p is me:  # not the server child
                total += p.memory_full_info().pss
        except psutil.NoSuchProcess:
            continue
    return round(total / 2**20, 1)


def breakdown() -> list[tuple[str, float]]:
    out = []
    me = psutil.Process()
    for p in [me, *me.children(recursive=True)]:
        try:
            label = " ".join(a for a in p.cmdline()[1:3] if a.startswith("--")) or p.name()
            out.append((label, round(p.memory_full_info().pss / 2**20, 1)))
        except psutil.NoSuchProcess:
            continue
    return out


def settle(qtbot: Any, seconds: float) -> None:
    qtbot.wait(int(seconds * 1000))  # a measurement pause, not synchronisation


def test_bench_call(
    qtbot: Any,
    run: Callable[..., Any],
    make_app: Callable[..., DesktopApp],
    desktop_server: ServerProcess,
    artifacts: Path,
) -> None:
    alice, bob, _chat = two_people(qtbot, run, make_app, desktop_server.url)
    settle(qtbot, 3)
    idle = pss_mib()
    started = time.perf_counter()
    click(qtbot, find(alice.window, QPushButton, "Call"))
    qtbot.waitUntil(lambda: bob.calls.incoming is not None, timeout=10_000)
    assert bob.calls.incoming is not None
    click(qtbot, find(bob.calls.incoming, QPushButton, "Accept"))
    qtbot.waitUntil(lambda: decoding(alice, "video"), timeout=60_000)
    to_video = time.perf_counter() - started
    settle(qtbot, 10)
    cpu_before = psutil.Process().cpu_times()
    children_before = sum(sum(p.cpu_times()[:2]) for p in renderers())
    settle(qtbot, 10)
    cpu_after = psutil.Process().cpu_times()
    children_after = sum(sum(p.cpu_times()[:2]) for p in renderers())
    in_call = pss_mib()
    window = alice.calls.call_window
    assert window is not None
    click(qtbot, find(window, QPushButton, "Hang up"))
    qtbot.waitUntil(lambda: bob.calls.call_window is None and not renderers(), timeout=30_000)
    settle(qtbot, 10)
    after = pss_mib()
    left = breakdown()
    app_cpu = (sum(cpu_after[:2]) - sum(cpu_before[:2])) / 10
    page_cpu = (children_after - children_before) / 10
    result = {
        "at": datetime.now(UTC).isoformat(timespec="seconds"),
        "idle_pss_mib": idle,
        "in_call_pss_mib": in_call,
        "after_hangup_10s_pss_mib": after,
        "call_to_remote_video_s": round(to_video, 2),
        "cpu_app_process_cores": round(app_cpu, 2),
        "cpu_call_pages_cores": round(page_cpu, 2),
        "after_hangup_processes_pss_mib": left,
        "note": "two clients in one process, both ends of one call; 2 shared cores",
    }
    print(json.dumps(result))
    with (artifacts / "calls_bench.jsonl").open("a") as f:
        f.write(json.dumps(result) + "\n")
