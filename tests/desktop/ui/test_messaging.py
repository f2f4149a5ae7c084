"""Two people, two app windows, one real server: sign up, create a chat, invite, talk live."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QTextCursor
from PySide6.QtWidgets import (
    QDialog,
    QLabel,
    QLineEdit,
    QListWidget,
    QPlainTextEdit,
    QPushButton,
)

from desktop.core.timeline import SendState
from desktop.ui.app import DesktopApp
from desktop.ui.models import PRESENCE_ROLE
from tests.desktop.conftest import unique
from tests.desktop.ui.helpers import (
    chat_rows,
    click,
    entries,
    find,
    screenshot,
    send,
    sign_up,
    texts,
    type_into,
    unread,
)
from tests.support.server import ServerProcess

pytestmark = pytest.mark.desktop


def find_dialogs(app: DesktopApp) -> list[QDialog]:
    return [d for d in app.window.findChildren(QDialog) if d.isVisible()]


def test_two_people_chat_live_in_order_with_unread_badges(
    qtbot: Any,
    make_app: Callable[[str], DesktopApp],
    desktop_server: ServerProcess,
    artifacts: Path,
) -> None:
    alice, bob = make_app(desktop_server.url), make_app(desktop_server.url)
    alice_name, bob_name = unique("alice"), unique("bob")
    sign_up(qtbot, alice, desktop_server.url, alice_name)
    sign_up(qtbot, bob, desktop_server.url, bob_name)

    # Alice creates a group chat and invites Bob by username.
    click(qtbot, find(alice.window, QPushButton, "New chat"))
    type_into(qtbot, find(alice.window, QLineEdit, "Chat title"), "Weekend plans")
    click(qtbot, find(alice.window, QPushButton, "Create"))
    qtbot.waitUntil(lambda: alice.window.current_chat() is not None, timeout=10_000)
    chat_id = alice.window.current_chat()
    assert chat_id is not None
    click(qtbot, find(alice.window, QPushButton, "Invite"))
    type_into(qtbot, find(alice.window, QLineEdit, "Invite username"), bob_name)
    click(qtbot, find(alice.window, QPushButton, "Invite"))  # the dialog's button
    qtbot.waitUntil(lambda: not find_dialogs(alice), timeout=10_000)  # closes once it worked

    # Bob's app learns about the chat live.
    qtbot.waitUntil(lambda: chat_id in dict(chat_rows(bob)), timeout=10_000)
    assert unread(bob, chat_id) == 0

    # Alice writes three messages; Bob's badge counts them.
    for text in ("one", "two", "three"):
        send(qtbot, alice, text)
    qtbot.waitUntil(lambda: unread(bob, chat_id) == 3, timeout=10_000)
    qtbot.waitUntil(
        lambda: [e.state for e in entries(alice)] == [SendState.SENT] * 3, timeout=10_000
    )
    assert alice.window.windowTitle() == "Parley"
    assert bob.window.windowTitle() == "Parley (3)"
    # A message in a chat that is not in front notifies, with the sender's name.
    qtbot.waitUntil(lambda: len(bob.window.notifications) == 3, timeout=10_000)
    assert bob.window.notifications[0] == ("Weekend plans", f"{alice_name.title()}: one")

    # Alice finds Bob by a prefix of his name and writes to him directly.
    click(qtbot, find(alice.window, QPushButton, "New direct chat"))
    type_into(qtbot, find(alice.window, QLineEdit, "Search users"), bob_name[:-1])
    users = find(alice.window, QListWidget, "Users")
    qtbot.waitUntil(lambda: users.count() >= 1, timeout=10_000)
    items = [users.item(i) for i in range(users.count())]
    users.setCurrentItem(next(i for i in items if f"@{bob_name})" in i.text()))
    click(qtbot, find(alice.window, QPushButton, "Start chat"))
    qtbot.waitUntil(lambda: alice.window.current_chat() not in (None, chat_id), timeout=10_000)
    direct_id = alice.window.current_chat()
    assert direct_id is not None
    send(qtbot, alice, "just between us")
    qtbot.waitUntil(lambda: unread(bob, direct_id) == 1, timeout=10_000)
    rows = chat_rows(bob)
    assert [r[0] for r in rows] == [direct_id, chat_id], "sorted by latest activity"
    direct_row = bob.window.chat_proxy.index(0, 0)
    assert direct_row.data() == alice_name.title()
    qtbot.waitUntil(lambda: direct_row.data(PRESENCE_ROLE) is True, timeout=10_000)
    screenshot(bob, artifacts / "chat_list_unread.png")
    assert bob.window.windowTitle() == "Parley (4)"
    assert bob.window.tray.unread == 4
    assert bob.window.tray.icon.toolTip() == "Parley — 4 unread"

    # Bob opens the chat: the messages are there, in order, and the badge clears.
    assert bob.window.select_chat(chat_id)
    qtbot.waitUntil(lambda: texts(bob) == ["one", "two", "three"], timeout=10_000)
    assert unread(bob, direct_id) == 1
    bob.messenger.reading.set_focus(chat_id, True)
    qtbot.waitUntil(lambda: unread(bob, chat_id) == 0, timeout=10_000)

    # With the chat open, new messages arrive live, in order, each once.
    assert alice.window.select_chat(chat_id)
    qtbot.waitUntil(lambda: texts(alice) == ["one", "two", "three"], timeout=10_000)
    for text in ("four", "five"):
        send(qtbot, alice, text)
    qtbot.waitUntil(lambda: texts(bob)[-2:] == ["four", "five"], timeout=10_000)
    send(qtbot, bob, "six")
    qtbot.waitUntil(lambda: texts(bob)[-3:] == ["four", "five", "six"], timeout=10_000)
    qtbot.waitUntil(lambda: texts(alice) == texts(bob), timeout=10_000)
    # Alice can see "six" before Bob's own copy is acknowledged: wait for the ack, then compare.
    qtbot.waitUntil(lambda: all(e.seq for e in entries(bob)), timeout=10_000)
    seqs = [e.seq or 0 for e in entries(bob)]
    assert seqs == sorted(seqs) and len(set(seqs)) == len(seqs)
    assert unread(bob, chat_id) == 0

    # Typing shows on the other side; Shift+Enter makes a new line instead of sending.
    composer = find(alice.window, QPlainTextEdit, "Message")
    composer.setFocus()
    qtbot.keyClicks(composer, "first line")
    qtbot.keyClick(composer, Qt.Key.Key_Return, Qt.KeyboardModifier.ShiftModifier)
    assert composer.toPlainText() == "first line\n", "Shift+Enter is a new line, not a send"
    typing = find(bob.window, QLabel, "Typing indicator")

    def alice_types_on() -> bool:  # like a person: a key now and then until Bob sees it
        qtbot.keyClicks(composer, "-")
        return typing.text() == f"{alice_name.title()} is typing…"

    qtbot.waitUntil(alice_types_on, timeout=10_000)
    composer.setPlainText("first line\nsecond line")
    composer.moveCursor(QTextCursor.MoveOperation.End)
    assert composer.toPlainText() == "first line\nsecond line"
    qtbot.keyClick(composer, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: texts(bob)[-1] == "first line\nsecond line", timeout=10_000)
    qtbot.waitUntil(lambda: typing.text() == "", timeout=10_000)

    # Bob leaves the group: it disappears from his list, Alice's chat goes on.
    click(qtbot, find(bob.window, QPushButton, "Leave chat"))
    click(qtbot, find(bob.window, QPushButton, "Leave"))  # the confirmation
    qtbot.waitUntil(lambda: chat_id not in dict(chat_rows(bob)), timeout=10_000)
    assert bob.window.current_chat() is None
    assert chat_id in dict(chat_rows(alice))
