"""The keyboard's Menu key and Shift+F10 open the menu of the current message, shown at that
message, whatever row the mouse pointer rests on: on a message the server refused (its text
over a real server's limit) the menu offers Retry and Discard, on a sent one Edit and not Retry
(screenshots tests/artifacts/keyboard-menu-{en,ru}-{light,dark}.png)."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QCoreApplication, QPoint, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QMenu

from desktop.core import limits
from desktop.core.timeline import Entry, SendState
from desktop.ui import theme
from desktop.ui.app import DesktopApp
from tests.desktop.conftest import unique
from tests.desktop.ui.helpers import create_group, entries, send, sign_up, with_menu
from tests.support.server import ServerProcess

pytestmark = pytest.mark.desktop
TOO_LONG = "far longer than this server takes"


@pytest.fixture(scope="module")
def short_texts(server_factory: Callable[..., ServerProcess]) -> ServerProcess:
    """A server that refuses texts over 12 characters (the app, told a looser limit after
    sign-in, sends longer ones: the server refuses them)."""
    return server_factory("embedded", {"PARLEY_MAX_TEXT_CHARS": "12"})


def test_the_menu_key_opens_the_current_messages_menu(
    qtbot: Any,
    make_app: Callable[[str], DesktopApp],
    short_texts: ServerProcess,
    artifacts: Path,
    language: str,
) -> None:
    app = make_app(short_texts.url)
    sign_up(qtbot, app, short_texts.url, unique("kim"))
    chat_id = create_group(qtbot, app, "Keys")
    limits.adopt(dataclasses.replace(limits.current(), max_text_chars=4000))
    for text in ("first", "second", TOO_LONG):
        send(qtbot, app, text)
    qtbot.waitUntil(lambda: state_of(app, TOO_LONG) is SendState.FAILED, timeout=10_000)
    qtbot.waitUntil(lambda: state_of(app, "first") is SendState.SENT, timeout=10_000)
    members = app.messenger.conversation.member_ids
    qtbot.waitUntil(lambda: members(chat_id) is not None, timeout=10_000)  # the header's line
    tr = QCoreApplication.translate

    menu = menu_by_key(qtbot, app, current=TOO_LONG, pointer_on="first", key="Menu")
    said = [a.text() for a in menu.actions()]
    assert tr("ChatPane", "Retry sending") in said and tr("ChatPane", "Discard message") in said
    assert at_row(app, menu, TOO_LONG), "shown at the current message, not at the pointer"
    for look in ("light", "dark"):
        theme.apply(look)
        with_menu(app, menu).save(str(artifacts / f"keyboard-menu-{language}-{look}.png"))
    theme.apply("light")
    menu.hide()

    menu = menu_by_key(qtbot, app, current="first", pointer_on=TOO_LONG, key="Shift+F10")
    said = [a.text() for a in menu.actions()]
    assert tr("ChatPane", "Edit message") in said and tr("ChatPane", "Retry sending") not in said
    assert at_row(app, menu, "first")
    menu.hide()


def entry(app: DesktopApp, text: str) -> Entry:
    return next(e for e in entries(app) if e.text == text)


def state_of(app: DesktopApp, text: str) -> SendState | None:
    found = [e for e in entries(app) if e.text == text]
    return found[0].state if found else None


def row_rect(app: DesktopApp, text: str) -> Any:
    pane = app.window.pane
    row = pane.model.row_of(entry(app, text))
    assert row is not None
    return pane.view.visualRect(pane.model.index(row, 0))


def menu_by_key(qtbot: Any, app: DesktopApp, current: str, pointer_on: str, key: str) -> QMenu:
    """Make `current` the current message, rest the pointer on `pointer_on`, press `key`."""
    pane = app.window.pane
    qtbot.waitUntil(lambda: QApplication.activePopupWidget() is None, timeout=5_000)
    with qtbot.waitActive(app.window, timeout=5_000):  # shortcuts belong to the window in front
        app.window.activateWindow()
    row = pane.model.row_of(entry(app, current))
    assert row is not None
    pane.view.setCurrentIndex(pane.model.index(row, 0))
    pane.view.setFocus()
    QTest.mouseMove(pane.view.viewport(), row_rect(app, pointer_on).center())
    pane.menu = None
    if key == "Menu":
        qtbot.keyClick(pane.view, Qt.Key.Key_Menu)
    else:
        qtbot.keyClick(pane.view, Qt.Key.Key_F10, Qt.KeyboardModifier.ShiftModifier)
    qtbot.waitUntil(lambda: pane.menu is not None and pane.menu.isVisible(), timeout=5_000)
    assert pane.menu is not None
    return pane.menu


def at_row(app: DesktopApp, menu: QMenu, text: str) -> bool:
    """The menu's corner lies on the row of `text` (screen coordinates)."""
    viewport = app.window.pane.view.viewport()
    corner: QPoint = viewport.mapFromGlobal(menu.pos())
    return bool(row_rect(app, text).contains(corner))
