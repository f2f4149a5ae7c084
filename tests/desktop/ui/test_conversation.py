"""The conversation, driven as two people would in two app instances against a real server:
reactions, replies with quotes that jump, @-mentions, copying text, the ↓ button with the count
of new messages, and read ticks. Screenshots of each state go to tests/artifacts/conv_*.png in
both themes (the Russian ones come from test_conversation_ru.py)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, cast

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QContextMenuEvent, QGuiApplication
from PySide6.QtWidgets import QApplication, QLabel, QMenu, QPlainTextEdit

from desktop.core.timeline import Entry, SendState
from desktop.ui import bubble_extras, theme
from desktop.ui.app import DesktopApp
from desktop.ui.conversation_ui import ConversationUi
from tests.desktop.conftest import unique
from tests.desktop.ui.helpers import (
    chat_rows,
    entries,
    find,
    group_of_two,
    screenshot,
    send,
    sign_up,
    username,
)
from tests.support.server import ServerProcess

pytestmark = pytest.mark.desktop


def conv(app: DesktopApp) -> ConversationUi:
    return cast(ConversationUi, app.window.pane.conversation)


def entry_with(app: DesktopApp, text: str) -> Entry | None:
    return next((e for e in entries(app) if e.text == text), None)


def row_of(app: DesktopApp, entry: Entry) -> int:
    row = app.window.pane.model.row_of(entry)
    assert row is not None
    return row


def painted(app: DesktopApp) -> None:
    """Paint the list now (spots and chips are laid out by the paint)."""
    app.window.pane.view.viewport().grab()


def open_menu(qtbot: Any, app: DesktopApp, entry: Entry) -> QMenu:
    pane = app.window.pane
    pane.menu = None
    viewport = pane.view.viewport()
    pos = pane.view.visualRect(pane.model.index(row_of(app, entry), 0)).center()
    event = QContextMenuEvent(QContextMenuEvent.Reason.Mouse, pos, viewport.mapToGlobal(pos))
    QApplication.sendEvent(viewport, event)
    menu = pane.menu
    assert menu is not None
    qtbot.waitUntil(menu.isVisible, timeout=5_000)
    return menu


def menu_action(menu: QMenu, text: str) -> Any:
    return next(a for a in menu.actions() if a.text() == text)


def spot(app: DesktopApp, entry: Entry, kind: str) -> bubble_extras.Spot:
    painted(app)
    spots = app.window.pane.delegate.spots(entry)
    return next(s for s in spots if s.kind == kind)


def visible(app: DesktopApp, entry: Entry) -> bool:
    pane = app.window.pane
    row = pane.model.row_of(entry)
    if row is None:
        return False
    rect = pane.view.visualRect(pane.model.index(row, 0))
    return pane.view.viewport().rect().intersects(rect)


def shots(qtbot: Any, app: DesktopApp, artifacts: Path, name: str) -> None:
    for look in ("light", "dark"):
        theme.apply(look)
        app.window.repaint()
        screenshot(app, artifacts / f"conv_{name}_en_{look}.png")
    theme.apply("light")


def test_reactions_replies_mentions_copy_and_the_down_button(
    qtbot: Any,
    make_app: Callable[[str], DesktopApp],
    run: Callable[..., Any],
    desktop_server: ServerProcess,
    artifacts: Path,
) -> None:
    alice, bob, chat_id = group_of_two(qtbot, make_app, desktop_server.url, "Lunch")
    alice_name, bob_name = username(alice), username(bob)
    qtbot.waitUntil(lambda: chat_id in dict(chat_rows(bob)), timeout=10_000)
    assert bob.window.select_chat(chat_id)
    assert bob.messenger.me is not None and alice.messenger.me is not None
    bob_id, alice_id = bob.messenger.me.id, alice.messenger.me.id

    send(qtbot, alice, "lunch at noon?")
    for i in range(30):
        run(alice.messenger.outbox.send(chat_id, f"filler {i}"))
    qtbot.waitUntil(lambda: len(entries(bob)) == 31, timeout=20_000)
    original = entry_with(bob, "lunch at noon?")
    assert original is not None

    # Bob reacts from the context menu's quick picker; Alice's app shows the count.
    menu = open_menu(qtbot, bob, original)
    assert [a.text() for a in menu.actions()] == ["Reply", "Copy text", "React"]
    picker = menu_action(menu, "React").menu()
    menu_action(picker, "👍").trigger()
    menu.close()
    mine = entry_with(alice, "lunch at noon?")
    assert mine is not None
    qtbot.waitUntil(lambda: mine.reactions == {"👍": [bob_id]}, timeout=10_000)

    # Bob replies to it (the Reply action); the bar above his composer says to what.
    menu = open_menu(qtbot, bob, original)
    menu_action(menu, "Reply").trigger()
    menu.close()
    bar = find(bob.window, QLabel, "Replying to")
    assert bar.text().startswith(f"Reply to {alice_name.title()}: lunch at noon?")
    send(qtbot, bob, "yes! see you there")
    qtbot.waitUntil(lambda: not bar.isVisible(), timeout=5_000)
    qtbot.waitUntil(lambda: entry_with(alice, "yes! see you there") is not None, timeout=10_000)
    reply = entry_with(alice, "yes! see you there")
    assert reply is not None and reply.reply_to_seq == mine.seq
    qtbot.waitUntil(lambda: not visible(alice, mine), timeout=5_000)  # 30 messages below it
    chip_bearer = entry_with(alice, "lunch at noon?")
    assert chip_bearer is mine

    # Alice clicks the quote: the list scrolls to the original, which is selected.
    quote = spot(alice, reply, "quote")
    assert quote.value == str(mine.seq)
    shots(qtbot, alice, artifacts, "reply_quote")
    viewport = alice.window.pane.view.viewport()
    qtbot.mouseClick(viewport, Qt.MouseButton.LeftButton, pos=quote.rect.center())
    qtbot.waitUntil(lambda: visible(alice, mine), timeout=5_000)
    pane = alice.window.pane
    assert pane.model.entry(pane.view.currentIndex().row()) is mine

    # The chip reads "👍 1"; Alice clicks it and now both have reacted.
    chip = spot(alice, mine, "reaction")
    assert chip.value == "👍"
    assert bubble_extras.chips(mine, alice_id) == [("👍", "👍 1", False)]
    shots(qtbot, alice, artifacts, "reaction")
    assert pane.delegate.footer(mine, True).endswith(" · ✓")  # Bob's window is in the back
    qtbot.mouseClick(viewport, Qt.MouseButton.LeftButton, pos=chip.rect.center())
    theirs = entry_with(bob, "lunch at noon?")
    assert theirs is not None
    qtbot.waitUntil(lambda: theirs.reactions == {"👍": [bob_id, alice_id]}, timeout=10_000)

    # Copy: the context menu, and Ctrl+C on the selected message.
    QGuiApplication.clipboard().clear()
    menu = open_menu(qtbot, alice, mine)
    menu_action(menu, "Copy text").trigger()
    menu.close()
    assert QGuiApplication.clipboard().text() == "lunch at noon?"
    bob.window.activateWindow()  # Bob works in his window now (and so reads the chat)
    qtbot.waitUntil(lambda: QApplication.activeWindow() is bob.window, timeout=5_000)
    bob.window.pane.view.setCurrentIndex(bob.window.pane.model.index(row_of(bob, theirs), 0))
    bob.window.pane.view.setFocus()
    QGuiApplication.clipboard().clear()
    qtbot.keyClick(bob.window.pane.view, Qt.Key.Key_C, Qt.KeyboardModifier.ControlModifier)
    assert QGuiApplication.clipboard().text() == "lunch at noon?"

    # Ctrl+R replies to the selected message; Esc in the composer cancels the reply.
    qtbot.keyClick(bob.window.pane.view, Qt.Key.Key_R, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(bar.isVisible, timeout=5_000)
    assert conv(bob).replying is theirs
    qtbot.keyClick(find(bob.window, QPlainTextEdit, "Message"), Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: not bar.isVisible(), timeout=5_000)
    assert conv(bob).replying is None

    # Mentions: Bob types "@al" and is offered Alice; choosing writes her username.
    composer = find(bob.window, QPlainTextEdit, "Message")
    composer.setFocus()
    composer.clear()
    qtbot.keyClicks(composer, "thanks @al")
    mentions = conv(bob).mentions
    qtbot.waitUntil(mentions.popup.isVisible, timeout=5_000)
    assert mentions.suggestions() == [f"@{alice_name}  {alice_name.title()}"]
    qtbot.keyClick(mentions.popup, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: composer.toPlainText() == f"thanks @{alice_name} ", timeout=5_000)
    qtbot.keyClick(composer, Qt.Key.Key_Return)
    said = f"thanks @{alice_name} "
    qtbot.waitUntil(lambda: entry_with(alice, said) is not None, timeout=10_000)
    mention = entry_with(alice, said)
    assert mention is not None
    assert bubble_extras.mentions_me(mention.text, alice_name)
    marks = bubble_extras.mention_marks(mention.text, alice_name)
    assert [(s, n, bg is not None) for s, n, bg, _fg in marks] == [(7, len(alice_name) + 1, True)]
    assert not bubble_extras.mentions_me(mention.text, bob_name)
    conv(alice).go_newest()
    shots(qtbot, alice, artifacts, "mention")

    # Read ticks in the group: Bob has had the chat open in front, so he has read them.
    last = next(e for e in reversed(entries(alice)) if e.sender_id == alice_id)
    assert last.text == "filler 29" and last.state is SendState.SENT
    qtbot.waitUntil(lambda: "read by 1" in pane.delegate.footer(last, True), timeout=10_000)

    # The ↓ button: Alice scrolls up; Bob writes twice; it counts them, and goes down on click.
    alice.window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is alice.window, timeout=5_000)
    qtbot.waitUntil(lambda: alice.messenger.chats[chat_id].unread == 0, timeout=5_000)
    bar_ = pane.view.verticalScrollBar()
    bar_.setValue(0)
    down = conv(alice).down
    qtbot.waitUntil(down.isVisible, timeout=5_000)
    assert down.count == 0
    run(bob.messenger.outbox.send(chat_id, "are you there?"))
    run(bob.messenger.outbox.send(chat_id, "hello?"))
    qtbot.waitUntil(lambda: down.count == 2, timeout=10_000)
    assert down.text() == "↓ 2"
    shots(qtbot, alice, artifacts, "down_button")
    qtbot.mouseClick(down, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not down.isVisible(), timeout=5_000)
    assert visible(alice, entries(alice)[-1])
    assert alice.window.error_banner.isHidden() and bob.window.error_banner.isHidden()


def test_ticks_in_a_direct_chat_turn_read_when_the_other_reads(
    qtbot: Any,
    make_app: Callable[[str], DesktopApp],
    run: Callable[..., Any],
    desktop_server: ServerProcess,
    artifacts: Path,
) -> None:
    alice, bob = make_app(desktop_server.url), make_app(desktop_server.url)
    alice_name, bob_name = unique("tka"), unique("tkb")
    sign_up(qtbot, alice, desktop_server.url, alice_name)
    sign_up(qtbot, bob, desktop_server.url, bob_name)
    (bob_user,) = [u for u in run(alice.messenger.people.search_users(bob_name))]
    chat = run(alice.messenger.chat_list.direct_with(bob_user))
    qtbot.waitUntil(lambda: alice.window.select_chat(chat.id), timeout=10_000)
    send(qtbot, alice, "ping")
    qtbot.waitUntil(lambda: [e.state for e in entries(alice)] == [SendState.SENT], timeout=10_000)
    pane = alice.window.pane
    (ping,) = entries(alice)
    assert pane.delegate.footer(ping, True).endswith(" · ✓")
    shots(qtbot, alice, artifacts, "tick_sent")

    qtbot.waitUntil(lambda: chat.id in dict(chat_rows(bob)), timeout=10_000)
    assert bob.window.select_chat(chat.id)
    bob.window.activateWindow()  # Bob looks at it: he has read it
    qtbot.waitUntil(lambda: pane.delegate.footer(ping, True).endswith(" · ✓✓"), timeout=10_000)
    shots(qtbot, alice, artifacts, "tick_read")
