"""What users write is shown as written: markup stays text; long messages and histories load."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel

from desktop.core.limits import Limits
from desktop.core.timeline import SendState
from desktop.ui.app import DesktopApp
from desktop.ui.message_model import WINDOW
from desktop.ui.models import SENDER_ROLE
from tests.desktop.conftest import unique
from tests.desktop.seed import seed_messages
from tests.desktop.ui.helpers import (
    create_group,
    entries,
    screenshot,
    send,
    sign_up,
    texts,
)
from tests.support.client import Api
from tests.support.server import ServerProcess

pytestmark = pytest.mark.desktop

HOSTILE = [
    "<b>bold?</b> <i>no</i> <a href='https://example.org'>link</a>",
    "<img src='file:///etc/passwd'> &amp; &lt;script&gt;alert(1)&lt;/script&gt;",
    "<qt><h1>Qt rich text</h1><table><tr><td>cell</td></tr></table></qt>",
]


def test_markup_is_shown_as_its_characters(
    qtbot: Any,
    make_app: Callable[..., DesktopApp],
    desktop_server: ServerProcess,
    artifacts: Path,
) -> None:
    alice = make_app(desktop_server.url)
    sign_up(qtbot, alice, desktop_server.url, unique("alice"))
    chat_id = create_group(qtbot, alice, "<b>Bold</b> title")
    for text in HOSTILE:
        send(qtbot, alice, text)
    qtbot.waitUntil(lambda: texts(alice) == HOSTILE, timeout=10_000)
    qtbot.waitUntil(lambda: all(e.state is SendState.SENT for e in entries(alice)), timeout=10_000)
    # Every label that shows user text is plain text; the list rows are painted with drawText.
    title = alice.window.pane.title
    assert title.text() == "<b>Bold</b> title"
    assert title.textFormat() == Qt.TextFormat.PlainText
    for label in alice.window.findChildren(QLabel):
        assert label.textFormat() == Qt.TextFormat.PlainText, label.accessibleName()
    view = alice.window.pane.view
    index = view.model().index(0, 0)
    assert index.data(Qt.ItemDataRole.AccessibleTextRole).startswith("You: <b>bold?</b>")
    assert chat_id in alice.messenger.chats
    screenshot(alice, artifacts / "markup_as_text.png")


MAX_TEXT_CHARS = Limits().max_text_chars  # the server's default, which desktop_server keeps


def test_a_4000_character_message_and_a_too_long_one(
    qtbot: Any, make_app: Callable[..., DesktopApp], desktop_server: ServerProcess
) -> None:
    alice = make_app(desktop_server.url)
    sign_up(qtbot, alice, desktop_server.url, unique("alice"))
    create_group(qtbot, alice, "Essays")
    long_text = ("All work and no play. " * 200)[:MAX_TEXT_CHARS]
    assert len(long_text) == MAX_TEXT_CHARS
    send(qtbot, alice, long_text)
    qtbot.waitUntil(
        lambda: [(e.text, e.state) for e in entries(alice)] == [(long_text, SendState.SENT)],
        timeout=10_000,
    )
    send(qtbot, alice, long_text + "!")
    qtbot.waitUntil(lambda: "too long" in alice.window.error_banner.text(), timeout=5_000)
    assert "4,001" in alice.window.error_banner.text()
    assert len(entries(alice)) == 1


@pytest.mark.slow
def test_ten_thousand_message_history_opens_and_scrolls_back(
    qtbot: Any,
    run: Callable[..., Any],
    make_app: Callable[..., DesktopApp],
    desktop_server: ServerProcess,
    artifacts: Path,
) -> None:
    api = Api(desktop_server.url)
    owner = run(api.user(unique("carol")))
    chat_id = run(api.group(owner, title="Ten thousand"))
    run(seed_messages(desktop_server.ws_url, owner.access_token, chat_id, 10_000), timeout=180)
    run(api.close())

    app = make_app(desktop_server.url)
    w = app.window
    w.signin.server.setText(desktop_server.url)
    w.signin.username.setText(owner.username)
    w.signin.password.setText(owner.password)
    w.signin.sign_in.click()
    qtbot.waitUntil(lambda: chat_id in app.messenger.chats, timeout=20_000)

    started = time.perf_counter()
    assert w.select_chat(chat_id)
    qtbot.waitUntil(lambda: w.pane.model.rowCount() > 0, timeout=10_000)
    opened_ms = (time.perf_counter() - started) * 1000
    assert texts(app)[-1] == "msg 10000"
    screenshot(app, artifacts / "chat_with_history.png")

    # Scroll to the top again and again: pages come from the server until the first message;
    # the list model keeps a bounded window of rows however much history is loaded.
    pane = w.pane
    model = pane.model
    bar = pane.view.verticalScrollBar()
    timeline = model.timeline
    assert timeline is not None

    def scroll_to(value: Callable[[], int]) -> None:
        qtbot.waitUntil(lambda: not pane.busy, timeout=10_000)
        bar.setValue(bar.maximum() // 2)
        bar.setValue(value())

    while timeline.has_more_before or model.start > 0:
        before = (len(timeline), model.start)
        scroll_to(lambda: 0)
        qtbot.waitUntil(
            lambda before=before: (len(timeline), model.start) != before, timeout=10_000
        )
        assert model.rowCount() <= WINDOW
    assert texts(app)[0] == "msg 1"
    stored = [timeline.row(i) for i in range(len(timeline))]
    seqs = [e.seq or 0 for e in stored]
    assert len(seqs) == 10_000 and seqs == sorted(seqs) and len(set(seqs)) == 10_000
    assert stored[0].text == "msg 1" and stored[-1].text == "msg 10000"

    # And back down to the newest message, sliding the window through memory.
    while not model.at_newest:
        start = model.start
        scroll_to(bar.maximum)
        qtbot.waitUntil(lambda start=start: model.start != start, timeout=10_000)
        assert model.rowCount() <= WINDOW
    assert texts(app)[-1] == "msg 10000"
    assert w.error_banner.text() == ""
    print(f"opened a 10,000-message chat in {opened_ms:.0f} ms")


def test_edits_deletions_and_sender_names_from_someone_else(
    qtbot: Any,
    run: Callable[..., Any],
    make_app: Callable[..., DesktopApp],
    desktop_server: ServerProcess,
    artifacts: Path,
) -> None:
    app = make_app(desktop_server.url)
    name = unique("hana")
    sign_up(qtbot, app, desktop_server.url, name)
    assert app.messenger.me is not None
    api = Api(desktop_server.url)
    ivan = run(api.user(unique("ivan")))
    me = app.messenger.me
    chat_id = run(api.group(ivan, title="Edits"))
    r = run(api.http.post(f"/chats/{chat_id}/members", headers=ivan.auth, json={"user_id": me.id}))
    assert r.status_code == 201, r.text
    qtbot.waitUntil(lambda: chat_id in app.messenger.chats, timeout=10_000)
    assert app.window.select_chat(chat_id)
    for text in ("first draft", "regrettable", "still here"):
        assert run(api.send(ivan, chat_id, text)).status_code == 201
    qtbot.waitUntil(
        lambda: texts(app) == ["first draft", "regrettable", "still here"], timeout=10_000
    )
    send(qtbot, app, "my reply")
    qtbot.waitUntil(lambda: len(texts(app)) == 4, timeout=10_000)

    first, second = entries(app)[0].seq, entries(app)[1].seq
    headers = ivan.auth
    r = run(
        api.http.patch(
            f"/chats/{chat_id}/messages/{first}", headers=headers, json={"text": "final wording"}
        )
    )
    assert r.status_code == 200, r.text
    r = run(api.http.delete(f"/chats/{chat_id}/messages/{second}", headers=headers))
    assert r.status_code in (200, 204), r.text
    qtbot.waitUntil(lambda: entries(app)[0].text == "final wording", timeout=10_000)
    qtbot.waitUntil(lambda: entries(app)[1].deleted, timeout=10_000)
    assert entries(app)[0].edited and entries(app)[1].text == ""
    assert [e.seq for e in entries(app)][:2] == [first, second], "edits keep their place"

    model = app.window.pane.model
    sender = [model.index(r, 0).data(SENDER_ROLE) for r in range(model.rowCount())]
    assert sender == [ivan.username.title(), "", "", ""], "name once per run, never on mine"
    screenshot(app, artifacts / "chat_edits_and_names.png")
    run(api.close())
