"""Errors a person can meet are shown in the window, in words; every control has a name."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QDialog,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QWidget,
)

from desktop.ui.app import DesktopApp
from tests.desktop.conftest import unique
from tests.desktop.ui.helpers import PASSWORD, click, find, screenshot, sign_up, type_into
from tests.support.server import ServerProcess, free_port

pytestmark = pytest.mark.desktop


def sign_in(qtbot: Any, app: DesktopApp, server: str, login: str, password: str) -> None:
    w = app.window
    type_into(qtbot, find(w, QLineEdit, "Server"), server)
    type_into(qtbot, find(w, QLineEdit, "Username"), login)
    type_into(qtbot, find(w, QLineEdit, "Password"), password)
    click(qtbot, find(w, QPushButton, "Sign in"))


def test_unreachable_server_is_explained(
    qtbot: Any, make_app: Callable[..., DesktopApp], artifacts: Path
) -> None:
    nowhere = f"http://127.0.0.1:{free_port()}"
    app = make_app(nowhere)
    sign_in(qtbot, app, nowhere, "someone", "whatever")
    qtbot.waitUntil(lambda: app.window.error_banner.text() != "", timeout=10_000)
    assert app.window.error_banner.text() == (
        f"Cannot reach the server at {nowhere}. Check the address and that the server is running."
    )
    assert app.window.stack.currentWidget() is app.window.signin
    assert find(app.window, QPushButton, "Sign in").isEnabled()


def test_wrong_password_and_taken_name(
    qtbot: Any,
    make_app: Callable[..., DesktopApp],
    desktop_server: ServerProcess,
    artifacts: Path,
) -> None:
    name = unique("dora")
    first = make_app(desktop_server.url)
    sign_up(qtbot, first, desktop_server.url, name)

    app = make_app(desktop_server.url)
    sign_in(qtbot, app, desktop_server.url, name, PASSWORD + "x")
    qtbot.waitUntil(lambda: app.window.error_banner.text() != "", timeout=10_000)
    assert app.window.error_banner.text() == "Wrong username or password."
    assert find(app.window, QLineEdit, "Password").text() == PASSWORD + "x"
    screenshot(app, artifacts / "sign_in.png")

    click(qtbot, find(app.window, QPushButton, "Dismiss"))
    assert app.window.error_banner.text() == ""
    type_into(qtbot, find(app.window, QLineEdit, "Email"), f"other-{name}@example.org")
    click(qtbot, find(app.window, QPushButton, "Create account"))
    qtbot.waitUntil(lambda: app.window.error_banner.text() != "", timeout=10_000)
    assert app.window.error_banner.text() == "That username or email is already taken."

    # The right password still works after both mistakes.
    sign_in(qtbot, app, desktop_server.url, name, PASSWORD)
    qtbot.waitUntil(
        lambda: app.window.stack.currentWidget() is app.window.chats_page, timeout=10_000
    )
    assert app.window.error_banner.text() == ""


def _interactive(root: QWidget) -> list[QWidget]:
    kinds = (QAbstractButton, QLineEdit, QPlainTextEdit, QAbstractItemView)
    found = [w for w in root.findChildren(QWidget) if isinstance(w, kinds)]
    # Scroll bars' and line edits' private children are Qt's, not ours.
    return [w for w in found if not w.objectName().startswith("qt_")]


def test_every_interactive_widget_has_an_accessible_name(
    qtbot: Any, make_app: Callable[..., DesktopApp], desktop_server: ServerProcess
) -> None:
    app = make_app(desktop_server.url)
    w = app.window
    for name in ("Server", "Username", "Password", "Email", "Display name"):
        find(w, QLineEdit, name)
    for name in ("Sign in", "Create account"):
        find(w, QPushButton, name)
    sign_up(qtbot, app, desktop_server.url, unique("erin"))
    w.open_new_chat()
    type_into(qtbot, find(w, QLineEdit, "Chat title"), "Names")
    click(qtbot, find(w, QPushButton, "Create"))
    qtbot.waitUntil(lambda: w.current_chat() is not None, timeout=10_000)
    find(w, QPlainTextEdit, "Message")
    for name in ("Send", "New chat", "New direct chat", "Invite", "Leave chat", "Profile"):
        find(w, QPushButton, name)
    w.open_new_direct()
    find(w, QLineEdit, "Search users")
    missing = [
        f"{type(x).__name__} {x.objectName()!r}" for x in _interactive(w) if not x.accessibleName()
    ]
    assert missing == []
    for dialog in w.findChildren(QDialog):
        dialog.reject()
    w.open_profile()
    missing = [
        f"{type(x).__name__} {x.objectName()!r}" for x in _interactive(w) if not x.accessibleName()
    ]
    assert missing == []
