"""Staying signed in, the profile dialog, signing out; and the two ways to start the app."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtWidgets import QLineEdit, QPushButton

from desktop.core.session import FileStore
from desktop.ui.app import DesktopApp, build
from tests.desktop.conftest import unique
from tests.desktop.ui.helpers import PASSWORD, click, dialog_error, find, sign_up, type_into
from tests.support.engines import REPO
from tests.support.server import ServerProcess

pytestmark = pytest.mark.desktop


def test_profile_sign_out_and_session_restore(
    qtbot: Any,
    run: Callable[..., Any],
    make_app: Callable[..., DesktopApp],
    desktop_server: ServerProcess,
) -> None:
    app = make_app(desktop_server.url)
    name = unique("fay")
    sign_up(qtbot, app, desktop_server.url, name)
    w = app.window

    # Profile: a new display name shows at once; a wrong current password is explained.
    click(qtbot, find(w, QPushButton, "Profile"))
    type_into(qtbot, find(w, QLineEdit, "Display name"), "Fay <i>the</i> Brave")
    type_into(qtbot, find(w, QLineEdit, "Current password"), "not my password")
    type_into(qtbot, find(w, QLineEdit, "New password"), "a brand new password")
    click(qtbot, find(w, QPushButton, "Save"))
    qtbot.waitUntil(lambda: w.me_label.text() == "Fay <i>the</i> Brave", timeout=10_000)
    qtbot.waitUntil(lambda: dialog_error(w) != "", timeout=10_000)  # in the dialog, still open
    assert dialog_error(w) == "The current password is wrong."
    assert find(w, QLineEdit, "New password").text() == "a brand new password", "input kept"
    assert w.error_banner.text() == ""
    click(qtbot, find(w, QPushButton, "Cancel"))

    # A second start with the same config restores the session silently.
    config = app.messenger.sessions.config_dir
    again = build(desktop_server.url, config, secrets=FileStore(config / "credentials.json"))
    qtbot.addWidget(again.window)
    run(again.start())
    assert again.window.stack.currentWidget() is again.window.chats_page
    assert again.messenger.me is not None and again.messenger.me.username == name
    run(again.close())

    # Signing out forgets the token but keeps the server address for the form.
    click(qtbot, find(w, QPushButton, "Sign out"))
    qtbot.waitUntil(lambda: w.stack.currentWidget() is w.signin, timeout=10_000)
    assert "|" not in (config / "credentials.json").read_text().replace(f"{name}|", "")
    fresh = build(
        "http://elsewhere.invalid", config, secrets=FileStore(config / "credentials.json")
    )
    qtbot.addWidget(fresh.window)
    fresh.window.show()
    run(fresh.start())
    assert fresh.window.stack.currentWidget() is fresh.window.signin, "nobody signed in by itself"
    assert find(fresh.window, QLineEdit, "Server").text() == desktop_server.url
    assert find(fresh.window, QLineEdit, "Password").text() == ""
    run(fresh.close())
    stored = b"".join(p.read_bytes() for p in config.rglob("*") if p.is_file())
    assert PASSWORD.encode() not in stored, "no file of the profile, SQLite ones included"


@pytest.mark.slow
def test_a_saved_session_waits_for_an_unreachable_server(
    qtbot: Any,
    run: Callable[..., Any],
    make_app: Callable[..., DesktopApp],
    server_factory: Callable[..., ServerProcess],
) -> None:
    srv = server_factory("embedded")
    first = make_app(srv.url)
    name = unique("gus")
    sign_up(qtbot, first, srv.url, name)
    config = first.messenger.sessions.config_dir
    run(first.close())
    srv.stop()

    app = build(srv.url, config, secrets=FileStore(config / "credentials.json"))
    qtbot.addWidget(app.window)
    app.window.show()
    run(app.start())
    assert app.window.error_banner.text().startswith(f"Cannot reach the server at {srv.url}.")
    assert find(app.window, QLineEdit, "Username").text() == name
    srv.start()
    qtbot.waitUntil(
        lambda: app.window.stack.currentWidget() is app.window.chats_page, timeout=20_000
    )
    assert app.window.error_banner.text() == ""
    run(app.close())


@pytest.mark.parametrize("command", [["-m", "desktop"], ["parley"]], ids=["python-m", "script"])
def test_the_app_starts_from_both_entry_points(tmp_path: Path, command: list[str]) -> None:
    if command[0] == "parley":
        argv = [str(Path(sys.executable).with_name("parley"))]
    else:
        argv = [sys.executable, *command]
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "PARLEY_CONFIG_DIR": str(tmp_path)}
    done = subprocess.run(
        [*argv, "--quit-when-ready", "--server", "http://127.0.0.1:9"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip() == "ready chats=0"
    assert "Traceback" not in done.stderr
    assert "QtWebEngine" not in done.stderr
