"""Searching from the desktop against a real server: type a word, see the hit with its match
marked, open it in its chat at that message; Esc leaves; Ctrl+F searches the open chat only."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QApplication, QLineEdit

from desktop.ui.app import DesktopApp
from desktop.ui.search import HIT_ROLE, HTML_ROLE
from tests.desktop.conftest import unique
from tests.desktop.ui.helpers import create_group, entries, find, send, sign_up
from tests.support.server import ServerProcess

CTRL_SHIFT = Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier

pytestmark = pytest.mark.desktop


def press(qtbot: Any, app: DesktopApp, key: Qt.Key, mods: Qt.KeyboardModifier) -> None:
    app.window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is app.window, timeout=5_000)
    target = QApplication.focusWidget() or app.window
    qtbot.keyClick(target, key, mods)


def type_text(widget: QLineEdit, text: str) -> None:
    """Key presses carrying each character (QTest's keyClicks knows only ASCII)."""
    widget.setFocus()
    for ch in text:
        for kind in (QEvent.Type.KeyPress, QEvent.Type.KeyRelease):
            event = QKeyEvent(kind, Qt.Key.Key_unknown, Qt.KeyboardModifier.NoModifier, ch)
            QApplication.sendEvent(widget, event)


def test_type_a_word_see_the_hit_open_it_in_context(
    qtbot: Any,
    make_app: Callable[[str], DesktopApp],
    desktop_server: ServerProcess,
    run: Callable[..., Any],
    artifacts: Path,
) -> None:
    app = make_app(desktop_server.url)
    app.window.show()
    sign_up(qtbot, app, desktop_server.url, unique("seeker"))
    trip = create_group(qtbot, app, "Trip")
    send(qtbot, app, "Встреча в субботу у вокзала")
    qtbot.waitUntil(lambda: any(e.seq for e in entries(app)), timeout=10_000)
    for i in range(150):  # more than the first page (100): opening the hit loads older pages
        run(app.messenger.outbox.send(trip, f"filler message {i}"))
    other = create_group(qtbot, app, "Other")
    qtbot.waitUntil(lambda: app.window.current_chat() == other, timeout=10_000)

    press(qtbot, app, Qt.Key.Key_F, CTRL_SHIFT)
    dialog = app.window.search.dialog
    qtbot.waitUntil(dialog.isVisible, timeout=5_000)
    box = find(app.window, QLineEdit, "Search messages")
    type_text(box, "встречу ")
    results = dialog.results
    qtbot.waitUntil(lambda: results.model().rowCount() == 1, timeout=10_000)
    index = results.model().index(0, 0)
    hit = index.data(HIT_ROLE)
    assert hit.chat_id == trip
    assert "Trip" in index.data(Qt.ItemDataRole.DisplayRole)
    assert 'background:#ffe58f;">Встреча</span>' in index.data(HTML_ROLE)
    dialog.grab().save(str(artifacts / "search-results.png"))

    qtbot.keyClick(box, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=5_000)
    pane = app.window.pane
    qtbot.waitUntil(lambda: app.window.current_chat() == trip, timeout=10_000)

    def at_hit() -> bool:
        current = pane.view.currentIndex()
        return current.isValid() and pane.model.entry(current.row()).seq == hit.seq

    qtbot.waitUntil(at_hit, timeout=10_000)
    entry = pane.model.entry(pane.view.currentIndex().row())
    assert entry.text.startswith("Встреча в субботу")
    assert pane.view.visualRect(pane.view.currentIndex()).intersects(pane.view.viewport().rect())
    app.window.grab().save(str(artifacts / "search-opened.png"))

    # Esc closes the box and leaves the chat as it was
    press(qtbot, app, Qt.Key.Key_F, CTRL_SHIFT)
    qtbot.waitUntil(dialog.isVisible, timeout=5_000)
    qtbot.keyClick(box, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=5_000)
    assert app.window.current_chat() == trip

    # Ctrl+F searches only the open chat
    assert app.window.select_chat(other)
    qtbot.waitUntil(lambda: app.window.current_chat() == other, timeout=10_000)
    press(qtbot, app, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(dialog.isVisible, timeout=5_000)
    assert dialog.scope.text() == "In Other"
    box.clear()
    type_text(box, "встречу ")
    qtbot.waitUntil(lambda: dialog.empty.text() == "No messages found.", timeout=10_000)
    assert results.model().rowCount() == 0
    # and the chat-list filter still filters chats by name
    dialog.hide()
    app.window.filter.setText("Tri")
    assert app.window.chat_proxy.rowCount() == 1
