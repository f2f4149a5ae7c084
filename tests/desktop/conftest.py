"""Fixtures for the desktop tests: a Qt app on the qasync loop, and real servers to talk to.

The Qt platform and QtWebEngine's sandbox flag must be set before any QApplication exists, so they
are set here at import time. Servers come from the shared `server_factory` (real `parley-server`
processes on free ports with their own data dirs).
"""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("QTWEBENGINE_DISABLE_SANDBOX", "1")

import asyncio
import itertools
from collections.abc import Callable, Coroutine, Iterator
from pathlib import Path
from typing import Any, TypeVar

import pytest

from tests.support.server import ServerProcess

T = TypeVar("T")
ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"


@pytest.fixture(scope="session")
def _qasync_loop(qapp: Any) -> Iterator[asyncio.AbstractEventLoop]:
    """One qasync loop for the session (a second one in a process never gets its timers run)."""
    from qasync import QEventLoop, QThreadExecutor

    loop = QEventLoop(qapp, already_running=True)
    # Owned here so its threads are joined at the end: QThreads still running when the process
    # exits abort it ("QThread: Destroyed while thread is still running", exit 134).
    executor = QThreadExecutor(4)
    loop.set_default_executor(executor)
    asyncio.events._set_running_loop(None)  # only while a Qt test runs, see `qloop`
    yield loop
    for task in asyncio.all_tasks(loop):
        task.cancel()
    executor.shutdown(wait=True)


@pytest.fixture
def qloop(_qasync_loop: asyncio.AbstractEventLoop) -> Iterator[asyncio.AbstractEventLoop]:
    """The qasync loop, counted as running while this test spins Qt's event loop.

    It is unset again afterwards so that plain asyncio tests later in the session can start
    their own loops.
    """
    asyncio.events._set_running_loop(_qasync_loop)
    asyncio.set_event_loop(_qasync_loop)
    yield _qasync_loop
    asyncio.events._set_running_loop(None)
    asyncio.set_event_loop(None)


@pytest.fixture
def run(qtbot: Any, qloop: asyncio.AbstractEventLoop) -> Callable[..., Any]:
    """Run a coroutine on the qasync loop while Qt keeps processing events; returns its result."""

    def runner(coro: Coroutine[Any, Any, T], timeout: float = 20.0) -> T:
        task = qloop.create_task(coro)
        qtbot.waitUntil(task.done, timeout=int(timeout * 1000))
        return task.result()

    return runner


@pytest.fixture(scope="module")
def desktop_server(server_factory: Callable[..., ServerProcess]) -> ServerProcess:
    """One embedded server per test module."""
    return server_factory("embedded")


_names = itertools.count(1)


def unique(prefix: str) -> str:
    return f"{prefix}{os.getpid() % 1000}x{next(_names)}"


@pytest.fixture
def artifacts() -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS
