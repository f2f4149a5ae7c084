"""Right after a restart the open group's header says how many members it has as soon as the
member listing answers, not at the header's next periodic refresh (stopped here, so only the
listing's answer can fill the line) (screenshots tests/artifacts/header-restart-*.png)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QCoreApplication

from desktop.core.session import FileStore
from desktop.ui.app import DesktopApp, build
from desktop.ui.chat_header import ChatHeader
from tests.desktop.ui.helpers import alice_with_bob, shots
from tests.support.server import ServerProcess

pytestmark = pytest.mark.desktop


def test_the_member_count_shows_when_the_listing_answers_after_a_restart(
    qtbot: Any,
    run: Callable[..., Any],
    qloop: asyncio.AbstractEventLoop,
    make_app: Callable[[str], DesktopApp],
    desktop_server: ServerProcess,
    artifacts: Path,
    language: str,
) -> None:
    url = desktop_server.url
    api, _bob, alice, chat_id = alice_with_bob(qtbot, run, make_app, url, "Header")
    config = alice.messenger.sessions.config_dir
    two = QCoreApplication.translate("ChatHeader", "%n members", "", 2)
    qtbot.waitUntil(lambda: subtitle(alice).startswith(two), timeout=10_000)
    run(alice.close())

    again = build(url, config, secrets=FileStore(config / "credentials.json"))
    header(again)._timer.stop()  # only the listing's answer may fill the line now
    qtbot.addWidget(again.window)
    again.window.show()
    starting = qloop.create_task(again.start())
    # Opened the moment the saved chat list shows it, while the app may still be connecting.
    qtbot.waitUntil(lambda: again.window.select_chat(chat_id), timeout=10_000)
    qtbot.waitUntil(starting.done, timeout=20_000)
    starting.result()
    qtbot.waitUntil(lambda: subtitle(again).startswith(two), timeout=10_000)
    shots(again, artifacts / f"header-restart-{language}")
    run(again.close())
    run(api.close())


def header(app: DesktopApp) -> ChatHeader:
    found = app.window.pane.findChild(ChatHeader)
    assert found is not None
    return found


def subtitle(app: DesktopApp) -> str:
    return header(app).subtitle.text()


def test_the_member_count_is_there_when_a_window_started_hidden_is_shown(
    qtbot: Any,
    run: Callable[..., Any],
    make_app: Callable[[str], DesktopApp],
    desktop_server: ServerProcess,
) -> None:
    """Started in the tray: the listing answers while the window is hidden; showing it later
    shows the count at once."""
    url = desktop_server.url
    api, _bob, alice, chat_id = alice_with_bob(qtbot, run, make_app, url, "Hidden")
    config = alice.messenger.sessions.config_dir
    run(alice.close())
    again = build(url, config, secrets=FileStore(config / "credentials.json"))
    header(again)._timer.stop()
    qtbot.addWidget(again.window)
    run(again.start())
    qtbot.waitUntil(lambda: again.window.select_chat(chat_id), timeout=10_000)
    conversation = again.messenger.conversation
    qtbot.waitUntil(lambda: len(conversation.member_ids(chat_id) or ()) == 2, timeout=10_000)
    again.window.show()
    two = QCoreApplication.translate("ChatHeader", "%n members", "", 2)
    qtbot.waitUntil(lambda: subtitle(again).startswith(two), timeout=10_000)
    run(again.close())
    run(api.close())
