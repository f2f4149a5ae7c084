"""A chat with unread messages opens at the first unread one, under a "New messages" line, and
counts as read only as far as the reader scrolls."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QPoint

from desktop.core.rest import RestClient
from desktop.ui.app import DesktopApp
from desktop.ui.delegates import MessageDelegate
from tests.desktop.conftest import unique
from tests.desktop.seed import seed_messages
from tests.desktop.ui.helpers import PASSWORD, screenshot, sign_up, texts, unread
from tests.support.server import ServerProcess

pytestmark = pytest.mark.desktop

UNREAD = 260  # more than the first page the app fetches


def top_text(app: DesktopApp) -> str:
    view = app.window.pane.view
    index = view.indexAt(QPoint(view.viewport().width() // 2, 4))
    entry = app.window.pane.model.entry(index.row())
    return entry.text if entry is not None else ""


def test_a_chat_opens_at_its_first_unread_message(
    qtbot: Any,
    run: Callable[..., Any],
    make_app: Callable[[str], DesktopApp],
    desktop_server: ServerProcess,
    artifacts: Path,
) -> None:
    app = make_app(desktop_server.url)
    sign_up(qtbot, app, desktop_server.url, unique("uma"))
    assert app.messenger.me is not None
    me = app.messenger.me.id
    url = desktop_server.url
    other = RestClient(url)
    name = unique("vic")

    async def start() -> str:
        await other.register(name, f"{name}@example.org", PASSWORD, "Vic")
        await other.login(name, PASSWORD)
        chat = await other.create_chat("Busy channel", [me])
        for i in range(5):
            await other.send(chat.id, f"r{i}", f"already read {i + 1}")
        return chat.id

    chat_id = run(start())
    qtbot.waitUntil(lambda: app.window.select_chat(chat_id), timeout=10_000)
    app.messenger.reading.set_focus(chat_id, True)
    qtbot.waitUntil(lambda: len(texts(app)) == 5, timeout=10_000)
    qtbot.waitUntil(lambda: unread(app, chat_id) == 0, timeout=10_000)
    read = app.messenger.timeline(chat_id).newest_seq
    qtbot.waitUntil(lambda: app.messenger.chats[chat_id].last_read_seq == read, timeout=10_000)

    # Away in another chat while Vic writes a lot.
    elsewhere = run(app.messenger.chat_list.create_group("Elsewhere", []))
    assert app.window.select_chat(elsewhere.id)
    app.messenger.reading.set_focus(elsewhere.id, True)

    async def flood() -> None:
        await seed_messages(
            desktop_server.ws_url, await other.access_token(), chat_id, UNREAD, text="unread {i}"
        )

    run(flood(), timeout=60)
    qtbot.waitUntil(lambda: unread(app, chat_id) == UNREAD, timeout=20_000)

    assert app.window.select_chat(chat_id)
    app.messenger.reading.set_focus(chat_id, True)
    qtbot.waitUntil(lambda: top_text(app) == "unread 1", timeout=20_000)
    delegate = app.window.pane.view.itemDelegate()
    assert isinstance(delegate, MessageDelegate)
    first = app.messenger.timeline(chat_id).row_of_seq(delegate.marker_seq or -1)
    assert first is not None
    assert app.messenger.timeline(chat_id).row(first).text == "unread 1"
    assert 0 < unread(app, chat_id) < UNREAD, "only what is on screen counts as read"
    screenshot(app, artifacts / "unread_marker.png")

    # Scrolling to the end reads everything; the server acknowledged the read marker.
    bar = app.window.pane.view.verticalScrollBar()

    def scroll_down() -> bool:
        bar.setValue(bar.maximum())
        return unread(app, chat_id) == 0

    qtbot.waitUntil(scroll_down, timeout=20_000)
    newest = app.messenger.timeline(chat_id).newest_seq

    qtbot.waitUntil(lambda: app.messenger.chats[chat_id].last_read_seq == newest, timeout=10_000)
    run(other.aclose())
