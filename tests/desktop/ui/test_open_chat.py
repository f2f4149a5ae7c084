"""Opening a chat: read chats open at the very newest message, fully in view."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from desktop.core.rest import RestClient
from desktop.ui.app import DesktopApp
from tests.desktop.conftest import unique
from tests.desktop.ui.helpers import PASSWORD, screenshot, sign_up, texts
from tests.support.server import ServerProcess

pytestmark = pytest.mark.desktop


def newest_fully_visible(app: DesktopApp) -> bool:
    view = app.window.pane.view
    model = app.window.pane.model
    last = view.visualRect(model.index(model.rowCount() - 1, 0))
    bar = view.verticalScrollBar()
    return (
        last.isValid()
        and last.bottom() <= view.viewport().height()
        and bar.value() == bar.maximum()
    )


def test_a_read_chat_opens_at_its_newest_message(
    qtbot: Any,
    run: Callable[..., Any],
    make_app: Callable[[str], DesktopApp],
    desktop_server: ServerProcess,
    artifacts: Path,
) -> None:
    app = make_app(desktop_server.url)
    name = unique("olga")
    sign_up(qtbot, app, desktop_server.url, name)
    app.window.resize(700, 600)
    other = RestClient(desktop_server.url)

    async def history() -> str:
        await other.login(name, PASSWORD)
        chat = await other.create_chat("Long history", [])
        for i in range(40):
            body = f"message {i + 1}" + ("\nwith a second line" if i % 3 == 0 else "")
            if i % 5 == 0:
                body += " and a long tail of words that must wrap over several lines " * 3
            await other.send(chat.id, f"m{i}", body)
        await other.aclose()
        return chat.id

    chat_id = run(history())
    qtbot.waitUntil(lambda: app.window.select_chat(chat_id), timeout=10_000)
    qtbot.waitUntil(lambda: len(texts(app)) == 40, timeout=10_000)
    qtbot.waitUntil(lambda: newest_fully_visible(app), timeout=5_000)
    assert texts(app)[-1].startswith("message 40")

    # Rows re-wrap taller when the window narrows (or a scroll bar appears): still at the newest.
    wide = app.window.pane.view.viewport().width()
    app.window.resize(600, 600)
    qtbot.waitUntil(lambda: app.window.pane.view.viewport().width() < wide - 60, timeout=5_000)
    qtbot.waitUntil(lambda: newest_fully_visible(app), timeout=5_000)

    # Away to another chat and back (its history is in memory now): at the newest again.
    second = run(app.messenger.chat_list.create_group("Elsewhere", []))
    assert app.window.select_chat(second.id)
    qtbot.waitUntil(lambda: texts(app) == [], timeout=10_000)
    assert app.window.select_chat(chat_id)
    qtbot.waitUntil(lambda: len(texts(app)) == 40, timeout=10_000)
    qtbot.waitUntil(lambda: newest_fully_visible(app), timeout=5_000)
    screenshot(app, artifacts / "open_chat_at_newest.png")
