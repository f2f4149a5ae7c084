"""Editing and deleting my own messages through the UI; the other person sees both live."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QContextMenuEvent
from PySide6.QtWidgets import QApplication, QLabel, QMenu, QPlainTextEdit, QPushButton

from desktop.core.timeline import SendState
from desktop.ui.app import DesktopApp
from tests.desktop.ui.helpers import (
    chat_rows,
    click,
    entries,
    find,
    group_of_two,
    screenshot,
    send,
    texts,
    type_into,
)
from tests.support.server import ServerProcess

pytestmark = pytest.mark.desktop


def row_center(app: DesktopApp, row: int) -> QPoint:
    pane = app.window.pane
    return pane.view.visualRect(pane.model.index(row, 0)).center()


def open_menu(qtbot: Any, app: DesktopApp, row: int) -> QMenu | None:
    """Right-click a message row; the context menu it opened, if any.

    The offscreen platform does not turn a right click into a context-menu event, so the event
    a desktop sends for it is delivered after the click.
    """
    pane = app.window.pane
    pane.menu = None
    viewport, pos = pane.view.viewport(), row_center(app, row)
    qtbot.mouseClick(viewport, Qt.MouseButton.RightButton, pos=pos)
    event = QContextMenuEvent(QContextMenuEvent.Reason.Mouse, pos, viewport.mapToGlobal(pos))
    QApplication.sendEvent(viewport, event)
    menu = pane.menu
    if menu is not None:
        qtbot.waitUntil(menu.isVisible, timeout=5_000)
        assert menu.accessibleName() == "Message actions"
    return menu


def choose(qtbot: Any, menu: QMenu, text: str) -> None:
    action = next(a for a in menu.actions() if a.text() == text)
    qtbot.mouseClick(menu, Qt.MouseButton.LeftButton, pos=menu.actionGeometry(action).center())


def test_edit_and_delete_my_messages_and_the_other_side_sees_them(
    qtbot: Any,
    make_app: Callable[[str], DesktopApp],
    desktop_server: ServerProcess,
    artifacts: Path,
) -> None:
    alice, bob, chat_id = group_of_two(qtbot, make_app, desktop_server.url, "Edits")
    qtbot.waitUntil(lambda: chat_id in dict(chat_rows(bob)), timeout=10_000)
    assert bob.window.select_chat(chat_id)

    for text in ("see you at 9", "bring <b>cake</b>", "last one"):
        send(qtbot, alice, text)
    qtbot.waitUntil(
        lambda: [e.state for e in entries(alice)] == [SendState.SENT] * 3, timeout=10_000
    )
    qtbot.waitUntil(lambda: len(texts(bob)) == 3, timeout=10_000)

    # Bob cannot change Alice's message (only reply, copy, react); Alice can change her own.
    menu = open_menu(qtbot, bob, 0)
    assert menu is not None
    assert [a.text() for a in menu.actions()] == ["Reply", "Copy text", "React"]
    menu.close()
    menu = open_menu(qtbot, alice, 0)
    assert menu is not None
    assert [a.text() for a in menu.actions()][-2:] == ["Edit message", "Delete message"]

    # Edit: the text goes into the composer; Enter saves it.
    choose(qtbot, menu, "Edit message")
    composer = find(alice.window, QPlainTextEdit, "Message")
    assert composer.toPlainText() == "see you at 9"
    assert find(alice.window, QLabel, "Editing message").isVisible()
    save = find(alice.window, QPushButton, "Save edit")
    type_into(qtbot, composer, "see you at 10")
    click(qtbot, save)
    qtbot.waitUntil(lambda: texts(bob)[0] == "see you at 10", timeout=10_000)
    assert entries(bob)[0].edited
    qtbot.waitUntil(lambda: entries(alice)[0].edited, timeout=10_000)
    assert texts(alice) == ["see you at 10", "bring <b>cake</b>", "last one"]
    assert find(alice.window, QPushButton, "Send").text() == "Send"
    assert composer.toPlainText() == ""

    # Up in the empty composer edits my newest message; Escape cancels without a change.
    composer.setFocus()
    qtbot.keyClick(composer, Qt.Key.Key_Up)
    assert composer.toPlainText() == "last one"
    qtbot.keyClick(composer, Qt.Key.Key_Escape)
    assert composer.toPlainText() == "" and alice.window.pane.editing is None

    # Up again, change the text, Enter: the newest message is edited.
    qtbot.keyClick(composer, Qt.Key.Key_Up)
    type_into(qtbot, composer, "last one, really")
    composer.setFocus()
    qtbot.keyClick(composer, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: texts(bob)[2] == "last one, really", timeout=10_000)

    # Delete, after confirming: a tombstone stays on both sides.
    menu = open_menu(qtbot, alice, 1)
    assert menu is not None
    choose(qtbot, menu, "Delete message")
    qtbot.waitUntil(lambda: alice.window.pane.confirm is not None, timeout=5_000)
    click(qtbot, find(alice.window, QPushButton, "Delete"))
    qtbot.waitUntil(lambda: entries(bob)[1].deleted, timeout=10_000)
    assert texts(bob) == ["see you at 10", "", "last one, really"]
    qtbot.waitUntil(lambda: entries(alice)[1].deleted, timeout=10_000)
    assert open_menu(qtbot, alice, 1) is None  # a deleted message has nothing left to change
    assert len(entries(bob)) == 3 and len(entries(alice)) == 3
    assert alice.window.error_banner.isHidden() and bob.window.error_banner.isHidden()
    screenshot(bob, artifacts / "desktop-edited-and-deleted.png")
