"""The conversation in Russian: the menu, the reply bar and "read by N" with Russian plurals,
and screenshots of a reply with its quote, a reaction, a mention of me, the ticks and the ↓
button, in both themes (tests/artifacts/conv_*_ru_*.png; the English ones come from
test_conversation.py). The other member acts through the REST API, as another client would."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, cast
from urllib.parse import quote

import pytest
from PySide6.QtGui import QContextMenuEvent
from PySide6.QtWidgets import QApplication, QLabel

from desktop.core.timeline import Entry
from desktop.ui import theme
from desktop.ui.app import DesktopApp
from desktop.ui.conversation_ui import ConversationUi
from tests.desktop.ui.helpers import create_group, entries, find, screenshot, send, sign_up
from tests.support.client import Api
from tests.support.server import ServerProcess

pytestmark = pytest.mark.desktop


def entry_with(app: DesktopApp, text: str) -> Entry | None:
    return next((e for e in entries(app) if e.text == text), None)


def shots(app: DesktopApp, artifacts: Path, name: str) -> None:
    for look in ("light", "dark"):
        theme.apply(look)
        app.window.repaint()
        screenshot(app, artifacts / f"conv_{name}_ru_{look}.png")
    theme.apply("light")


def test_the_conversation_speaks_russian(
    qtbot: Any,
    russian: None,
    make_app: Callable[[str], DesktopApp],
    run: Callable[..., Any],
    desktop_server: ServerProcess,
    artifacts: Path,
) -> None:
    api = Api(desktop_server.url)
    try:
        bob = run(api.user())
        alice = make_app(desktop_server.url)
        name = f"al{bob.username[-8:]}"
        sign_up(qtbot, alice, desktop_server.url, name)
        chat_id = create_group(qtbot, alice, "Obed", bob.username)  # keyClicks types ASCII only
        alice.window.activateWindow()
        qtbot.waitUntil(lambda: QApplication.activeWindow() is alice.window, timeout=5_000)
        pane = alice.window.pane
        ui = cast(ConversationUi, pane.conversation)
        assert run(api.send(bob, chat_id, "Обедаем в час?")).status_code == 201
        qtbot.waitUntil(lambda: entry_with(alice, "Обедаем в час?") is not None, timeout=10_000)
        question = entry_with(alice, "Обедаем в час?")
        assert question is not None and question.seq is not None

        # The context menu and the reply bar are Russian.
        viewport = pane.view.viewport()
        row = pane.model.row_of(question)
        assert row is not None
        pos = pane.view.visualRect(pane.model.index(row, 0)).center()
        menu_event = QContextMenuEvent(
            QContextMenuEvent.Reason.Mouse, pos, viewport.mapToGlobal(pos)
        )
        QApplication.sendEvent(viewport, menu_event)
        assert pane.menu is not None
        assert [a.text() for a in pane.menu.actions()] == [
            "Ответить",
            "Копировать текст",
            "Реакция",
        ]
        next(a for a in pane.menu.actions() if a.text() == "Ответить").trigger()
        pane.menu.close()
        bar = find(alice.window, QLabel, "Replying to")
        assert bar.text().startswith(f"Ответ {bob.username.title()}: Обедаем в час?")
        shots(alice, artifacts, "reply_bar")
        send(qtbot, alice, "Да, в столовой")
        qtbot.waitUntil(lambda: ui.replying is None, timeout=5_000)

        # Bob reacts, mentions Alice and reads: chips, the tinted mention, "прочитал 1 участник".
        path = f"/chats/{chat_id}/messages/{question.seq}/reactions/{quote('👍', safe='')}"
        assert run(api.http.put(path, headers=bob.auth)).status_code == 200
        assert run(api.send(bob, chat_id, f"@{name} отлично")).status_code == 201
        qtbot.waitUntil(lambda: question.reactions == {"👍": [bob.id]}, timeout=10_000)
        answer = entry_with(alice, "Да, в столовой")
        qtbot.waitUntil(lambda: answer is not None and answer.seq is not None, timeout=10_000)
        assert answer is not None and answer.reply_to_seq == question.seq
        chat = run(api.http.get(f"/chats/{chat_id}", headers=bob.auth)).json()["chat"]
        read = {"seq": chat["last_seq"]}
        assert run(api.http.post(f"/chats/{chat_id}/read", headers=bob.auth, json=read)).is_success
        qtbot.waitUntil(
            lambda: pane.delegate.footer(answer, True).endswith("прочитал 1 участник"),
            timeout=10_000,
        )
        shots(alice, artifacts, "conversation")

        # The ↓ button counts Bob's new messages while Alice reads further up.
        for i in range(12):
            run(alice.messenger.outbox.send(chat_id, f"строка {i}"))
        qtbot.waitUntil(lambda: all(e.seq is not None for e in entries(alice)), timeout=10_000)
        alice.window.activateWindow()  # she reads what came so far (the menu took the focus)
        qtbot.waitUntil(lambda: QApplication.activeWindow() is alice.window, timeout=5_000)
        qtbot.waitUntil(lambda: alice.messenger.chats[chat_id].unread == 0, timeout=5_000)
        pane.view.verticalScrollBar().setValue(0)
        qtbot.waitUntil(ui.down.isVisible, timeout=5_000)
        for text in ("Ты где?", "Мы уже тут"):
            assert run(api.send(bob, chat_id, text)).status_code == 201
        qtbot.waitUntil(lambda: ui.down.count == 2, timeout=10_000)
        assert ui.down.toolTip() == "К новым сообщениям"
        shots(alice, artifacts, "down_button")
    finally:
        run(api.close())


def test_direct_chat_ticks_in_russian(
    qtbot: Any,
    russian: None,
    make_app: Callable[[str], DesktopApp],
    run: Callable[..., Any],
    desktop_server: ServerProcess,
    artifacts: Path,
) -> None:
    """✓ once the server has it, ✓✓ once Bob has read it; the footer's time and "изменено"
    words in Russian (screenshots conv_tick_*_ru_*.png)."""
    api = Api(desktop_server.url)
    try:
        bob = run(api.user())
        alice = make_app(desktop_server.url)
        sign_up(qtbot, alice, desktop_server.url, f"tk{bob.username[-8:]}")
        (peer,) = [u for u in run(alice.messenger.people.search_users(bob.username))]
        chat = run(alice.messenger.chat_list.direct_with(peer))
        qtbot.waitUntil(lambda: alice.window.select_chat(chat.id), timeout=10_000)
        send(qtbot, alice, "Пинг")
        pane = alice.window.pane
        qtbot.waitUntil(
            lambda: [e.seq is not None for e in entries(alice)] == [True], timeout=10_000
        )
        (ping,) = entries(alice)
        qtbot.waitUntil(lambda: pane.delegate.footer(ping, True).endswith(" · ✓"), timeout=10_000)
        shots(alice, artifacts, "tick_sent")
        read = {"seq": ping.seq}
        assert run(api.http.post(f"/chats/{chat.id}/read", headers=bob.auth, json=read)).is_success
        qtbot.waitUntil(lambda: pane.delegate.footer(ping, True).endswith(" · ✓✓"), timeout=10_000)
        shots(alice, artifacts, "tick_read")
    finally:
        run(api.close())
