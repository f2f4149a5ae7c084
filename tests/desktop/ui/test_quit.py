"""The real entry point quits cleanly: exit status 0 and no traceback, signed in and live."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from desktop.core.rest import RestClient
from desktop.core.session import FileStore, SavedSession, SessionStore
from tests.desktop.conftest import unique
from tests.support.engines import REPO
from tests.support.server import ServerProcess

pytestmark = pytest.mark.desktop

PASSWORD = "correct horse 1"


async def _saved_session(server: ServerProcess, config: Path) -> None:
    """A signed-in user with one chat, saved where the app looks, as the app saves it."""
    rest = RestClient(server.url)
    name = unique("quinn")
    await rest.register(name, f"{name}@example.org", PASSWORD, "Quinn")
    me = await rest.login(name, PASSWORD)
    chat = await rest.create_chat("Standup", [])
    await rest.send(chat.id, "q1", "hello before quitting")
    assert rest._refresh is not None
    SessionStore(config, FileStore(config / "credentials.json")).save(
        SavedSession(server.url, me.id, name), rest._refresh
    )
    await rest.aclose()


def test_quitting_a_signed_in_app_exits_0_without_a_traceback(
    desktop_server: ServerProcess, tmp_path: Path
) -> None:
    asyncio.run(_saved_session(desktop_server, tmp_path))
    env = {k: v for k, v in os.environ.items() if k != "DBUS_SESSION_BUS_ADDRESS"}
    env["QT_QPA_PLATFORM"] = "offscreen"
    proc = subprocess.Popen(
        [sys.executable, "-m", "desktop", "--print-ready", "--config-dir", str(tmp_path)],
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        assert proc.stdout.readline().strip() == "ready chats=1"
        # What the desktop session sends at log-out; the app handles it like Ctrl+Q.
        proc.send_signal(signal.SIGTERM)
        _out, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, err[-3000:]
    assert "Traceback" not in err, err[-3000:]
    assert "Error" not in err, err[-3000:]
