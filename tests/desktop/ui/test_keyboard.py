"""Keyboard only: Ctrl+K jumps to a chat by name, Alt+Up/Down and Ctrl+Tab move between chats,
Enter sends, Ctrl+Q asks the app to quit."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from desktop.ui.app import DesktopApp
from tests.desktop.conftest import unique
from tests.desktop.ui.helpers import create_group, sign_up, texts
from tests.support.server import ServerProcess

pytestmark = pytest.mark.desktop

CTRL, ALT = Qt.KeyboardModifier.ControlModifier, Qt.KeyboardModifier.AltModifier


def test_moving_between_chats_and_sending_by_keyboard(
    qtbot: Any, make_app: Callable[[str], DesktopApp], desktop_server: ServerProcess
) -> None:
    app = make_app(desktop_server.url)
    w = app.window
    sign_up(qtbot, app, desktop_server.url, unique("kay"))
    planning = create_group(qtbot, app, "Planning")
    design = create_group(qtbot, app, "Design")
    with qtbot.waitActive(w, timeout=5_000):  # shortcuts belong to the window in front
        w.activateWindow()
    qtbot.waitUntil(lambda: w.current_chat() == design, timeout=5_000)

    qtbot.keyClick(w.pane.composer, Qt.Key.Key_K, CTRL)
    qtbot.waitUntil(lambda: QApplication.focusWidget() is w.filter, timeout=5_000)
    qtbot.keyClicks(w.filter, "plan")
    qtbot.keyClick(w.filter, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: w.current_chat() == planning, timeout=5_000)
    qtbot.waitUntil(lambda: QApplication.focusWidget() is w.pane.composer, timeout=5_000)
    qtbot.keyClicks(w.pane.composer, "typed, not clicked")
    qtbot.keyClick(w.pane.composer, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: texts(app) == ["typed, not clicked"], timeout=10_000)

    rows = [w.chat_proxy.index(r, 0).data(Qt.ItemDataRole.UserRole + 1) for r in range(2)]
    for key, mods in ((Qt.Key.Key_Down, ALT), (Qt.Key.Key_Up, ALT), (Qt.Key.Key_Tab, CTRL)):
        before = w.current_chat()
        qtbot.keyClick(w.pane.composer, key, mods)
        qtbot.waitUntil(lambda: w.current_chat() not in (None, before), timeout=5_000)  # noqa: B023
        assert w.current_chat() in rows

    with qtbot.waitSignal(w.quit_requested, timeout=5_000):
        qtbot.keyClick(w.pane.composer, Qt.Key.Key_Q, CTRL)
