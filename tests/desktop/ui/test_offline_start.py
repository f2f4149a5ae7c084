"""A server outage at launch: the cached chats and messages are shown with "offline", not the
sign-in page; when the server returns the app says so and goes live."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from desktop.core.session import FileStore
from desktop.core.timeline import SendState
from desktop.ui.app import DesktopApp, build
from desktop.ui.main_window import OFFLINE_CACHED
from tests.desktop.conftest import unique
from tests.desktop.ui.helpers import (
    chat_rows,
    create_group,
    entries,
    screenshot,
    send,
    sign_up,
    texts,
)
from tests.support.server import ServerProcess

pytestmark = [pytest.mark.desktop, pytest.mark.slow]


def test_an_outage_at_launch_shows_cached_chats_and_recovers(
    qtbot: Any,
    run: Callable[..., Any],
    make_app: Callable[..., DesktopApp],
    server_factory: Callable[..., ServerProcess],
    artifacts: Path,
) -> None:
    srv = server_factory("embedded")
    first = make_app(srv.url)
    sign_up(qtbot, first, srv.url, unique("ola"))
    chat_id = create_group(qtbot, first, "Cached chat")
    for text in ("read me", "offline", "Когда угодно"):
        send(qtbot, first, text)
    qtbot.waitUntil(
        lambda: [e.state for e in entries(first)] == [SendState.SENT] * 3, timeout=10_000
    )
    config = first.messenger.sessions.config_dir
    run(first.close())
    srv.stop()

    app = build(srv.url, config, secrets=FileStore(config / "credentials.json"))
    qtbot.addWidget(app.window)
    app.window.show()
    run(app.start())
    w = app.window
    assert w.stack.currentWidget() is w.chats_page, "an outage is not a sign-out"
    assert [c for c, _ in chat_rows(app)] == [chat_id]
    qtbot.waitUntil(lambda: w.offline.text() == OFFLINE_CACHED, timeout=5_000)
    assert w.select_chat(chat_id)
    qtbot.waitUntil(lambda: texts(app) == ["read me", "offline", "Когда угодно"], timeout=5_000)
    assert w.error_banner.text() == ""
    screenshot(app, artifacts / "offline_start_cached.png")

    srv.start()
    qtbot.waitUntil(lambda: w.notice.text() == "Connected to the server again.", timeout=20_000)
    qtbot.waitUntil(lambda: w.offline.text() == "", timeout=10_000)
    qtbot.waitUntil(lambda: texts(app) == ["read me", "offline", "Когда угодно"], timeout=10_000)
    qtbot.waitUntil(
        lambda: app.messenger.realtime is not None and app.messenger.realtime.online, timeout=10_000
    )
    send(qtbot, app, "back online")
    qtbot.waitUntil(lambda: [e.state for e in entries(app)][-1] is SendState.SENT, timeout=10_000)
    screenshot(app, artifacts / "offline_start_recovered.png")
    run(app.close())
