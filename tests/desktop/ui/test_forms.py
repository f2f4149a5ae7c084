"""Forms that keep what was typed: errors inside the open dialog, the failed sign-up field
focused, a confirmation before leaving a chat, a usable narrow window."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtWidgets import QApplication, QDialog, QLineEdit, QPushButton

from desktop.ui.app import DesktopApp
from tests.desktop.conftest import unique
from tests.desktop.ui.helpers import (
    PASSWORD,
    chat_rows,
    click,
    create_group,
    dialog_error,
    find,
    screenshot,
    sign_up,
    type_into,
)
from tests.support.server import ServerProcess

pytestmark = pytest.mark.desktop


def test_a_failed_sign_up_focuses_the_field_at_fault(
    qtbot: Any, make_app: Callable[[str], DesktopApp], desktop_server: ServerProcess
) -> None:
    first, second = make_app(desktop_server.url), make_app(desktop_server.url)
    name = unique("tess")
    sign_up(qtbot, first, desktop_server.url, name)
    w = second.window
    type_into(qtbot, find(w, QLineEdit, "Server"), desktop_server.url)
    type_into(qtbot, find(w, QLineEdit, "Username"), name)
    type_into(qtbot, find(w, QLineEdit, "Password"), PASSWORD)
    type_into(qtbot, find(w, QLineEdit, "Email"), f"other-{name}@example.org")
    find(w, QLineEdit, "Server").setFocus()
    click(qtbot, find(w, QPushButton, "Create account"))
    qtbot.waitUntil(lambda: w.error_banner.text() != "", timeout=10_000)
    assert w.error_banner.text() == "That username or email is already taken."
    username = find(w, QLineEdit, "Username")
    qtbot.waitUntil(lambda: QApplication.focusWidget() is username, timeout=5_000)
    assert username.selectedText() == name, "selected, ready to be typed over"
    assert find(w, QLineEdit, "Password").text() == PASSWORD, "nothing typed is lost"


def test_dialog_errors_stay_in_the_dialog_and_leaving_asks_first(
    qtbot: Any,
    make_app: Callable[[str], DesktopApp],
    desktop_server: ServerProcess,
    artifacts: Path,
) -> None:
    app = make_app(desktop_server.url)
    sign_up(qtbot, app, desktop_server.url, unique("ursa"))
    w = app.window
    chat_id = create_group(qtbot, app, "Team")

    click(qtbot, find(w, QPushButton, "Invite"))
    type_into(qtbot, find(w, QLineEdit, "Invite username"), "nobody-by-this-name")
    click(qtbot, find(w, QPushButton, "Invite"))  # the dialog's button
    qtbot.waitUntil(lambda: dialog_error(w) != "", timeout=10_000)
    assert find(w, QLineEdit, "Invite username").text() == "nobody-by-this-name"
    assert w.error_banner.text() == ""
    invite = next(d for d in w.findChildren(QDialog) if d.isVisible())
    assert invite.grab().save(str(artifacts / "dialog_error_inline.png"))
    click(qtbot, find(w, QPushButton, "Cancel"))
    qtbot.waitUntil(
        lambda: not [d for d in w.findChildren(QDialog) if d.isVisible()], timeout=5_000
    )

    w.open_new_chat()
    dialog = next(d for d in w.findChildren(QDialog) if d.isVisible())
    assert dialog.width() >= 400, "room for a title and a list of members"
    dialog.reject()

    click(qtbot, find(w, QPushButton, "Leave chat"))
    click(qtbot, find(w, QPushButton, "Cancel"))
    assert chat_id in dict(chat_rows(app)), "Cancel keeps the chat"
    click(qtbot, find(w, QPushButton, "Leave chat"))
    click(qtbot, find(w, QPushButton, "Leave"))
    qtbot.waitUntil(lambda: chat_id not in dict(chat_rows(app)), timeout=10_000)


def test_a_narrow_window_shows_one_pane_at_a_time(
    qtbot: Any,
    make_app: Callable[[str], DesktopApp],
    desktop_server: ServerProcess,
    artifacts: Path,
) -> None:
    app = make_app(desktop_server.url)
    w = app.window

    def drag_to_420() -> bool:  # a person dragging the edge: the window follows as it can
        w.resize(420, 640)
        return w.width() == 420

    qtbot.waitUntil(drag_to_420, timeout=5_000)
    screenshot(app, artifacts / "narrow_signin.png")
    sign_up(qtbot, app, desktop_server.url, unique("vera"))
    create_group(qtbot, app, "Narrow")
    qtbot.waitUntil(lambda: w.width() <= 440, timeout=5_000)
    list_pane = w.chats_page.widget(0)
    assert list_pane is not None
    qtbot.waitUntil(lambda: w.pane.view.width() > 300 and not list_pane.isVisible(), timeout=5_000)
    screenshot(app, artifacts / "narrow_chat.png")
    click(qtbot, find(w, QPushButton, "Back to chats"))
    qtbot.waitUntil(lambda: w.chat_list.width() > 300 and not w.pane.isVisible(), timeout=5_000)
    screenshot(app, artifacts / "narrow_list.png")
    w.resize(900, 640)
    qtbot.waitUntil(lambda: w.chat_list.width() > 200 and w.pane.view.width() > 400, timeout=5_000)
