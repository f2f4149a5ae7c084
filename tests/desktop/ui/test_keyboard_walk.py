"""A keyboard-only walk (QTest key events to whatever has focus, no mouse): sign in, open a chat
with Ctrl+K, pick an emoji, send, edit the message with Up, reply with Ctrl+R, Tab to the
messages and react to one with Ctrl+E (arrows and Enter in the picker), open Settings with Ctrl+,
and the shortcuts overlay with Ctrl+/, close both with Esc. Every step is what a person would see.

Screenshots of the overlay, the emoji picker and the react picker in both themes and both
languages go to tests/artifacts/keys_*.png.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QPainter
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QLabel,
    QLineEdit,
    QMenu,
    QPushButton,
    QWidget,
)

from desktop.ui import retranslate, theme
from desktop.ui.app import DesktopApp
from desktop.ui.chat_header import ChatHeader
from desktop.ui.emoji import EMOJI, EmojiButton
from desktop.ui.overlay import ShortcutsOverlay
from tests.desktop.conftest import unique
from tests.desktop.ui.helpers import PASSWORD, entries, find, screenshot, texts
from tests.support.client import Api
from tests.support.server import ServerProcess

pytestmark = pytest.mark.desktop

CTRL = Qt.KeyboardModifier.ControlModifier
QUESTION = "Can we ship on Friday?"


def focused() -> QWidget:
    """Where a key goes: the focus widget, unless an open popup (a menu) holds the keyboard."""
    popup = QApplication.activePopupWidget()
    widget = QApplication.focusWidget()
    if popup is not None and (widget is None or not popup.isAncestorOf(widget)):
        return popup
    assert widget is not None, "something always has the keyboard focus"
    return widget


def press(
    qtbot: Any, key: Qt.Key, mods: Qt.KeyboardModifier = Qt.KeyboardModifier.NoModifier
) -> None:
    qtbot.keyClick(focused(), key, mods)


def type_text(qtbot: Any, text: str) -> None:
    qtbot.keyClicks(focused(), text)


def tab_to(qtbot: Any, target: QWidget) -> None:
    """Tab forward until `target` has the focus (at most 30 presses)."""
    for _ in range(30):
        if focused() is target:
            return
        press(qtbot, Qt.Key.Key_Tab)
    raise AssertionError(f"Tab never reached {target.objectName()}")


def test_a_keyboard_only_walk(
    qtbot: Any,
    run: Callable[..., Any],
    make_app: Callable[[str], DesktopApp],
    desktop_server: ServerProcess,
    artifacts: Path,
    translations: None,
) -> None:
    async def prepare() -> tuple[str, str]:
        """An account with two chats, made over the API, and a question from Bob in one: the
        walk starts at the sign-in page."""
        api = Api(desktop_server.url)
        try:
            ann = await api.user(unique("walk"))
            bob = await api.user(unique("bob"))
            await api.group(ann, bob, title="Ops")
            roadmap = await api.group(ann, bob, title="Roadmap")
            assert (await api.send(bob, roadmap, QUESTION)).status_code == 201
            return ann.username, roadmap
        finally:
            await api.close()

    name, chat_id = run(prepare())
    app = make_app(desktop_server.url)
    w = app.window
    with qtbot.waitActive(w, timeout=5_000):
        w.activateWindow()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is not None, timeout=5_000)

    # Sign in: Tab to each field, type, Enter in the password field signs in.
    tab_to(qtbot, w.signin.server)
    focused_box = focused()
    assert isinstance(focused_box, QLineEdit)
    focused_box.selectAll()
    type_text(qtbot, desktop_server.url)
    tab_to(qtbot, w.signin.username)
    type_text(qtbot, name)
    tab_to(qtbot, w.signin.password)
    type_text(qtbot, PASSWORD)
    press(qtbot, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: w.stack.currentWidget() is w.chats_page, timeout=20_000)
    qtbot.waitUntil(lambda: w.chat_proxy.rowCount() == 2, timeout=10_000)

    # Ctrl+K, a few letters, Enter: the chat opens and the composer has the focus.
    press(qtbot, Qt.Key.Key_K, CTRL)
    qtbot.waitUntil(lambda: focused() is w.filter, timeout=5_000)
    type_text(qtbot, "road")
    press(qtbot, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: w.current_chat() == chat_id, timeout=5_000)
    qtbot.waitUntil(lambda: focused() is w.pane.composer, timeout=5_000)
    # Opened at Bob's unread question, the chat still lists its members in the header.
    header = w.pane.findChild(ChatHeader)
    assert header is not None
    qtbot.waitUntil(lambda: header.subtitle.text() == "2 members, 1 online", timeout=5_000)
    type_text(qtbot, "Ship it ")

    # Tab to the emoji button, Space opens the picker, arrows move, Enter inserts at the cursor.
    button = w.pane.findChild(EmojiButton)
    assert button is not None
    tab_to(qtbot, button)
    assert button.hasFocus()
    press(qtbot, Qt.Key.Key_Space)
    picker = button.picker
    assert picker is not None
    qtbot.waitUntil(lambda: focused() is picker.grid, timeout=5_000)
    press(qtbot, Qt.Key.Key_Down)
    press(qtbot, Qt.Key.Key_Right)
    chosen = EMOJI[picker.grid.currentRow()]
    assert chosen == EMOJI[9], "down one row of eight, right one"
    press(qtbot, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: not picker.isVisible(), timeout=5_000)
    qtbot.waitUntil(lambda: focused() is w.pane.composer, timeout=5_000)
    assert w.pane.composer.toPlainText() == f"Ship it {chosen}"
    press(qtbot, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: texts(app) == [QUESTION, f"Ship it {chosen}"], timeout=10_000)
    qtbot.waitUntil(lambda: entries(app)[-1].seq is not None, timeout=10_000)

    # Up in the empty composer edits my last message; Enter saves it.
    press(qtbot, Qt.Key.Key_Up)
    qtbot.waitUntil(lambda: w.pane.editing is not None, timeout=5_000)
    assert w.pane.composer.toPlainText() == f"Ship it {chosen}"
    press(qtbot, Qt.Key.Key_End, CTRL)
    type_text(qtbot, " today")
    press(qtbot, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: texts(app) == [QUESTION, f"Ship it {chosen} today"], timeout=10_000)

    # Ctrl+R with nothing selected answers Bob's newest message; Enter sends the reply.
    question = entries(app)[0]
    assert question.text == QUESTION and question.seq is not None
    press(qtbot, Qt.Key.Key_R, CTRL)
    bar = find(w, QLabel, "Replying to")
    qtbot.waitUntil(bar.isVisible, timeout=5_000)
    assert focused() is w.pane.composer
    type_text(qtbot, "Friday works")
    press(qtbot, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: texts(app)[-1:] == ["Friday works"], timeout=10_000)
    qtbot.waitUntil(lambda: entries(app)[-1].seq is not None, timeout=10_000)
    assert entries(app)[-1].reply_to_seq == question.seq and not bar.isVisible()

    # Tab to the messages, Home selects Bob's question, Ctrl+E opens the react picker at it;
    # Down and Enter choose the second reaction, which the server sends back as mine.
    tab_to(qtbot, w.pane.view)
    press(qtbot, Qt.Key.Key_Home)
    assert w.pane.model.entry(w.pane.view.currentIndex().row()) is question
    press(qtbot, Qt.Key.Key_E, CTRL)
    qtbot.waitUntil(lambda: isinstance(focused(), QMenu), timeout=5_000)
    picker_menu = focused()
    assert isinstance(picker_menu, QMenu) and picker_menu.objectName() == "React picker"
    emoji = [a.text() for a in picker_menu.actions()]
    assert emoji[:2] == ["👍", "❤️"]
    sign_out = find(w, QPushButton, "Sign out")
    for lang, words in (("en", "Sign out"), ("ru", "Выйти")):
        retranslate.switch(lang)
        qtbot.waitUntil(lambda t=words: sign_out.text() == t, timeout=5_000)  # retranslated
        for look in ("light", "dark"):
            theme.apply(look)
            _shot_with_popup(app, picker_menu, artifacts / f"keys_react_picker_{lang}_{look}.png")
    retranslate.switch("en")
    qtbot.waitUntil(lambda: sign_out.text() == "Sign out", timeout=5_000)
    theme.apply("light")
    press(qtbot, Qt.Key.Key_Down)
    press(qtbot, Qt.Key.Key_Return)
    assert app.messenger.me is not None
    me = app.messenger.me.id
    qtbot.waitUntil(lambda: question.reactions == {"❤️": [me]}, timeout=10_000)
    assert not picker_menu.isVisible() and focused() is w.pane.view

    # The chip is reachable the same way: the picker has it checked, Enter takes it back.
    press(qtbot, Qt.Key.Key_E, CTRL)
    qtbot.waitUntil(lambda: isinstance(focused(), QMenu), timeout=5_000)
    again = focused()
    assert isinstance(again, QMenu)
    assert [a.isChecked() for a in again.actions()][:2] == [False, True]
    press(qtbot, Qt.Key.Key_Down)
    press(qtbot, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: question.reactions.get("❤️", []) == [], timeout=10_000)
    tab_to(qtbot, w.pane.composer)

    # Ctrl+, opens Settings; Esc closes it and the focus comes back.
    press(qtbot, Qt.Key.Key_Comma, CTRL)
    qtbot.waitUntil(lambda: any(d.isVisible() for d in w.findChildren(QDialog)), timeout=5_000)
    dialog = next(d for d in w.findChildren(QDialog) if d.isVisible())
    qtbot.waitUntil(lambda: dialog.isAncestorOf(focused()), timeout=5_000)
    press(qtbot, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=5_000)

    # Ctrl+/ shows every shortcut; Esc closes it and gives the focus back to the composer.
    with qtbot.waitActive(w, timeout=5_000):  # a window manager does this; offscreen has none
        w.activateWindow()
    qtbot.waitUntil(lambda: focused() is w.pane.composer, timeout=5_000)
    press(qtbot, Qt.Key.Key_Slash, CTRL)
    overlay = w.findChild(ShortcutsOverlay)
    assert overlay is not None
    qtbot.waitUntil(overlay.isVisible, timeout=5_000)
    assert focused() is overlay
    shown = [what.text() for _key, what in overlay.rows]
    assert "Edit my last message (in an empty composer)" in shown
    assert [key.text() for key, _what in overlay.rows][:1] == ["Ctrl+K"]
    for lang in ("en", "ru"):
        if lang == "ru":
            retranslate.switch("ru")
            qtbot.waitUntil(lambda: overlay.heading.text() == "Сочетания клавиш", timeout=5_000)
            qtbot.waitUntil(lambda: _fits(overlay), timeout=5_000)  # longer Russian lines fit
            assert "Изменить моё последнее сообщение (в пустом поле ввода)" in [
                what.text() for _key, what in overlay.rows
            ]
        for look in ("light", "dark"):
            theme.apply(look)
            screenshot(app, artifacts / f"keys_overlay_{lang}_{look}.png")
    press(qtbot, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: not overlay.isVisible(), timeout=5_000)
    assert focused() is w.pane.composer
    button.open_picker()
    qtbot.waitUntil(lambda: focused() is picker.grid, timeout=5_000)
    for look in ("light", "dark"):
        theme.apply(look)
        assert picker.grab().save(str(artifacts / f"keys_emoji_picker_{look}.png"))
    press(qtbot, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: not picker.isVisible(), timeout=5_000)
    assert w.pane.composer.toPlainText() == "", "Esc inserts nothing"


def _shot_with_popup(app: DesktopApp, popup: QWidget, path: Path) -> None:
    """The window with the popup drawn where it stands (a grab shows no popup)."""
    image = app.window.grab()
    painter = QPainter(image)
    painter.drawPixmap(app.window.mapFromGlobal(popup.pos()), popup.grab())
    painter.end()
    assert image.save(str(path)), f"could not save {path}"


def _fits(overlay: ShortcutsOverlay) -> bool:
    return all(what.width() >= what.sizeHint().width() for _key, what in overlay.rows)
