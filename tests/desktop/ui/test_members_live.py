"""Who is in the open group, kept current while it stays open (real app, real server): someone
added or removed changes the @-suggestions at once; a member coming online changes the header's
"M online" by the pushed presence frame alone; and an offline start still shows the group's
status line from the cached member listing."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, cast

import pytest
from PySide6.QtWidgets import QPlainTextEdit

from desktop.core.session import FileStore
from desktop.ui.app import DesktopApp, build
from desktop.ui.chat_header import ChatHeader
from desktop.ui.conversation_ui import ConversationUi
from desktop.ui.main_window import OFFLINE_CACHED
from tests.desktop.conftest import unique
from tests.desktop.ui.helpers import create_group, find, sign_up
from tests.support.client import Api, Socket
from tests.support.server import ServerProcess

pytestmark = pytest.mark.desktop


def header_of(app: DesktopApp) -> ChatHeader:
    header = app.window.pane.findChild(ChatHeader)
    assert header is not None
    return header


def offered(qtbot: Any, app: DesktopApp, prefix: str) -> list[str]:
    """Type `@prefix` into an empty composer and read what the mention list offers."""
    composer = find(app.window, QPlainTextEdit, "Message")
    composer.setFocus()
    composer.clear()
    qtbot.keyClicks(composer, f"@{prefix}")
    ui = cast(ConversationUi, app.window.pane.conversation)
    return ui.mentions.suggestions() if ui.mentions.popup.isVisible() else []


def test_members_and_presence_follow_events_while_the_group_is_open(
    qtbot: Any,
    make_app: Callable[[str], DesktopApp],
    run: Callable[..., Any],
    desktop_server: ServerProcess,
) -> None:
    api = Api(desktop_server.url)
    socket: Socket | None = None
    try:
        bob, carol = run(api.user(unique("bob"))), run(api.user(unique("carol")))
        alice = make_app(desktop_server.url)
        sign_up(qtbot, alice, desktop_server.url, unique("mla"))
        chat_id = create_group(qtbot, alice, "Standup", bob.username)
        assert alice.window.current_chat() == chat_id
        header = header_of(alice)
        header._timer.stop()  # only pushed frames may change the line from here on
        qtbot.waitUntil(lambda: header.subtitle.text() == "2 members, 1 online", timeout=10_000)

        # Bob's socket comes up: the presence frame alone turns the count.
        socket = run(Socket.connect(desktop_server.ws_url, bob.access_token))
        qtbot.waitUntil(lambda: header.subtitle.text() == "2 members, 2 online", timeout=10_000)

        # Carol is added while the chat is open: "@car" offers her; removed, it does not.
        assert offered(qtbot, alice, carol.username[:5]) == []
        rest = alice.messenger.rest
        assert rest is not None
        auth = run(rest.auth_headers())
        added = run(
            api.http.post(
                f"/chats/{chat_id}/members", headers=auth, json={"username": carol.username}
            )
        )
        assert added.status_code == 201, added.text
        qtbot.waitUntil(
            lambda: any(carol.username in s for s in offered(qtbot, alice, carol.username[:5])),
            timeout=10_000,
        )
        gone = run(api.http.delete(f"/chats/{chat_id}/members/{carol.id}", headers=auth))
        assert gone.status_code == 204, gone.text
        qtbot.waitUntil(lambda: offered(qtbot, alice, carol.username[:5]) == [], timeout=10_000)
    finally:
        if socket is not None:
            run(socket.close())
        run(api.close())


def test_an_offline_start_shows_the_group_status_from_the_cache(
    qtbot: Any,
    run: Callable[..., Any],
    make_app: Callable[..., DesktopApp],
    server_factory: Callable[..., ServerProcess],
) -> None:
    srv = server_factory("embedded")
    api = Api(srv.url)
    try:
        bob, carol = run(api.user(unique("bob"))), run(api.user(unique("carol")))
    finally:
        run(api.close())
    first = make_app(srv.url)
    sign_up(qtbot, first, srv.url, unique("mlo"))
    chat_id = create_group(qtbot, first, "Cached group", bob.username, carol.username)
    header = header_of(first)
    qtbot.waitUntil(lambda: header.subtitle.text() == "3 members, 1 online", timeout=10_000)
    # What the cache keeps is the conversation's own listing, fetched beside the header's.
    listed = first.messenger.conversation.listings
    qtbot.waitUntil(lambda: len(listed().get(chat_id, [])) == 3, timeout=10_000)
    config = first.messenger.sessions.config_dir
    run(first.close())
    srv.stop()

    app = build(srv.url, config, secrets=FileStore(config / "credentials.json"))
    qtbot.addWidget(app.window)
    app.window.show()
    run(app.start())
    qtbot.waitUntil(lambda: app.window.offline.text() == OFFLINE_CACHED, timeout=5_000)
    assert app.window.select_chat(chat_id)
    again = header_of(app)
    qtbot.waitUntil(lambda: again.subtitle.text() == "3 members, 1 online", timeout=5_000)
    run(app.close())
