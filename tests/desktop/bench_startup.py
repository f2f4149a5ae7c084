"""Desktop benchmark: cold start to a usable chat list, idle memory, opening a 10,000-message chat.

A benchmark, not a test: it prints figures and asserts nothing about speed. Run it with

    QT_QPA_PLATFORM=offscreen .venv/bin/python -m tests.desktop.bench_startup [--runs 5]

It starts a real embedded `parley-server` on a free port with a temporary data dir, creates a
user with 20 chats (one of them holding 10,000 messages), saves that user's session the way the
app does, and then:

1. starts `python -m desktop --print-ready` (the real entry point) several times and measures the
   wall time from spawning the process to the chat list being usable (session restored, list
   fetched, laid out and painted);
2. leaves one such app idle for a few seconds and sums the RSS (and USS) of its process tree;
3. in this process, opens the 10,000-message chat and measures the time until its newest page is
   shown, fetches the whole history, then scrolls from the newest message to the oldest half a
   screen at a time, timing each step up to its repaint (the slowest step is a visible stall).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import psutil  # type: ignore[import-untyped]  # no stubs in the pinned dev set

from desktop.core.rest import RestClient
from desktop.core.session import FileStore, SavedSession, SessionStore
from tests.desktop.seed import seed_messages
from tests.support.engines import REPO
from tests.support.server import ServerProcess

PASSWORD = "correct horse 1"
HISTORY = 10_000
CHATS = 20


async def prepare(srv: ServerProcess, config: Path) -> tuple[str, str]:
    """A user with CHATS chats, one with HISTORY messages; the session saved under `config`."""
    rest = RestClient(srv.url)
    name = f"bench{os.getpid()}"
    await rest.register(name, f"{name}@example.org", PASSWORD, "Bench User")
    me = await rest.login(name, PASSWORD)
    big = await rest.create_chat("Ten thousand", [])
    for i in range(CHATS - 1):
        chat = await rest.create_chat(f"Chat {i + 1}", [])
        await rest.send(chat.id, f"c{i}", f"hello from chat {i + 1}")
    token = await rest.access_token()
    await seed_messages(srv.ws_url, token, big.id, HISTORY, text="message number {i}")
    store = SessionStore(config, FileStore(config / "credentials.json"))
    assert rest._refresh is not None
    store.save(SavedSession(srv.url, me.id, name), rest._refresh)
    await rest.aclose()
    return name, big.id


def app_command(srv: ServerProcess, config: Path) -> list[str]:
    return [
        sys.executable,
        "-m",
        "desktop",
        "--server",
        srv.url,
        "--config-dir",
        str(config),
        "--print-ready",
    ]


def start_app(srv: ServerProcess, config: Path) -> tuple[subprocess.Popen[str], float]:
    """Spawn the app; return it and the seconds until it printed `ready`."""
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    t0 = time.perf_counter()
    proc = subprocess.Popen(
        app_command(srv, config), cwd=REPO, env=env, stdout=subprocess.PIPE, text=True
    )
    assert proc.stdout is not None
    line = proc.stdout.readline()
    elapsed = time.perf_counter() - t0
    if not line.startswith("ready"):
        proc.kill()
        raise RuntimeError(f"the app did not become ready: {line!r}")
    return proc, elapsed


def tree_memory(pid: int) -> tuple[float, float, int]:
    """RSS and USS in MiB of a process and all its children, and how many processes."""
    root = psutil.Process(pid)
    procs = [root, *root.children(recursive=True)]
    rss = sum(p.memory_info().rss for p in procs)
    uss = sum(p.memory_full_info().uss for p in procs)
    return rss / 2**20, uss / 2**20, len(procs)


def stop(proc: subprocess.Popen[str]) -> None:
    proc.terminate()
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        proc.kill()


def open_big_chat(srv: ServerProcess, config: Path, chat_id: str) -> dict[str, float]:
    """In this process: restore the session, open the big chat, page and scroll through it."""
    from PySide6.QtWidgets import QApplication
    from qasync import QEventLoop

    from desktop.ui.app import build

    app = QApplication.instance() or QApplication([])
    loop = QEventLoop(app)
    asyncio.set_event_loop(loop)
    desktop = build(srv.url, config, secrets=FileStore(config / "credentials.json"))
    desktop.window.resize(1000, 700)
    desktop.window.show()
    out: dict[str, float] = {}

    async def wait_for(check: Any, timeout: float = 30.0) -> None:
        deadline = time.perf_counter() + timeout
        while not check():
            if time.perf_counter() > deadline:
                raise TimeoutError("benchmark step timed out")
            await asyncio.sleep(0.001)

    async def run() -> None:
        await desktop.start()
        w = desktop.window
        pane = w.pane
        t0 = time.perf_counter()
        w.select_chat(chat_id)
        await wait_for(lambda: pane.model.rowCount() > 0)
        pane.view.viewport().repaint()
        out["open_ms"] = (time.perf_counter() - t0) * 1000
        out["rss_after_open_mib"] = psutil.Process().memory_info().rss / 2**20
        timeline = pane.model.timeline
        assert timeline is not None
        t0 = time.perf_counter()
        while timeline.has_more_before:
            await desktop.messenger.reading.load_older(chat_id)
        out["page_all_s"] = time.perf_counter() - t0
        out["rows"] = len(timeline)
        out["window_rows"] = pane.model.rowCount()
        # Scroll from the newest message to the oldest the way a wheel does, half a screen at a
        # time; the model slides its window as needed. Each step is timed up to its repaint.
        bar = pane.view.verticalScrollBar()
        bar.setValue(bar.maximum())
        await wait_for(lambda: not pane.busy)
        step = max(1, pane.view.viewport().height() // 2)
        frames: list[float] = []
        while bar.value() > 0 or pane.model.start > 0:
            t = time.perf_counter()
            bar.setValue(max(0, bar.value() - step))  # may slide the window (synchronous)
            pane.view.viewport().repaint()
            await asyncio.sleep(0)  # let Qt run the relayout and scroll-anchor fix it queued
            await wait_for(lambda: not pane.busy)
            pane.view.viewport().repaint()
            frames.append((time.perf_counter() - t) * 1000)
        out["scroll_steps"] = len(frames)
        out["scroll_p50_ms"] = statistics.median(frames)
        out["scroll_p95_ms"] = sorted(frames)[int(len(frames) * 0.95) - 1]
        out["scroll_max_ms"] = max(frames)
        out["rss_full_history_mib"] = psutil.Process().memory_info().rss / 2**20
        await desktop.close()

    with loop:
        loop.run_until_complete(run())
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--runs", type=int, default=5, help="cold starts to time")
    parser.add_argument("--idle", type=float, default=5.0, help="seconds idle before sampling")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="parley-bench-") as tmp:
        root = Path(tmp)
        env = {
            "PARLEY_SENDS_PER_USER": "100000",
            "PARLEY_WS_FRAMES_PER_S": "100000",
            "PARLEY_LOG_LEVEL": "WARNING",
        }
        srv = ServerProcess(root / "server", env).start()
        try:
            config = root / "client"
            t0 = time.perf_counter()
            _name, chat_id = asyncio.run(prepare(srv, config))
            print(
                f"seeded {CHATS} chats and {HISTORY:,} messages in {time.perf_counter() - t0:.1f} s"
            )

            starts = []
            for _ in range(args.runs):
                proc, elapsed = start_app(srv, config)
                starts.append(elapsed * 1000)
                stop(proc)
            med, lo, hi = statistics.median(starts), min(starts), max(starts)
            print(f"cold start to usable chat list ({CHATS} chats): median {med:.0f} ms,")
            print(f"  min {lo:.0f} ms, max {hi:.0f} ms over {args.runs} runs")

            proc, _ = start_app(srv, config)
            time.sleep(args.idle)  # a benchmark, not a test: let the app settle before sampling
            rss, uss, count = tree_memory(proc.pid)
            stop(proc)
            print(
                f"idle memory after {args.idle:.0f} s: RSS {rss:.0f} MiB, USS {uss:.0f} MiB "
                f"({count} process{'es' if count != 1 else ''})"
            )

            figures = open_big_chat(srv, config, chat_id)
            print(
                f"open a {HISTORY:,}-message chat (newest page shown): {figures['open_ms']:.0f} ms"
            )
            rows, paged = int(figures["rows"]), figures["page_all_s"]
            window = int(figures["window_rows"])
            print(f"fetch all {rows:,} messages page by page: {paged:.1f} s")
            print(f"  (the list model shows a window of {window:,} rows over them)")
            p50, p95, worst = (
                figures[k] for k in ("scroll_p50_ms", "scroll_p95_ms", "scroll_max_ms")
            )
            steps = int(figures["scroll_steps"])
            print(f"scroll newest to oldest in {steps} half-screen steps, per step:")
            print(f"  p50 {p50:.1f} ms, p95 {p95:.1f} ms, max {worst:.1f} ms")
            print(
                f"in-process RSS: {figures['rss_after_open_mib']:.0f} MiB with the chat open, "
                f"{figures['rss_full_history_mib']:.0f} MiB with all {HISTORY:,} messages loaded"
            )
        finally:
            srv.stop()


if __name__ == "__main__":
    main()
