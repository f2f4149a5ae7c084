"""A reply that carries files is still a reply: sent from the composer with files in the tray,
and sent by the next start when quitting cut its upload (real app, real server). Screenshots of
the reply with its attachment in both themes and both languages go to
tests/artifacts/reply_files_*.png."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, cast

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QApplication, QLabel, QPlainTextEdit, QPushButton

from desktop.core.timeline import Entry
from desktop.core.upload_journal import PendingFile, PendingMessage, UploadJournal
from desktop.ui import retranslate, theme
from desktop.ui.app import DesktopApp
from desktop.ui.conversation_ui import ConversationUi
from tests.desktop.conftest import unique
from tests.desktop.ui.helpers import create_group, entries, find, screenshot, sign_up, type_into
from tests.support.client import Api, User
from tests.support.server import ServerProcess

pytestmark = pytest.mark.desktop


def entry_with(app: DesktopApp, text: str) -> Entry | None:
    return next((e for e in entries(app) if e.text == text), None)


def server_messages(run: Callable[..., Any], api: Api, user: User, chat_id: str) -> list[Any]:
    r = run(api.history(user, chat_id))
    assert r.status_code == 200, r.text
    return list(r.json()["messages"])


def picture(path: Path) -> Path:
    image = QImage(640, 400, QImage.Format.Format_RGB32)
    image.fill(0x2E86C1)
    assert image.save(str(path))
    return path


def test_a_reply_with_a_file_reaches_the_server_as_a_reply(
    qtbot: Any,
    make_app: Callable[[str], DesktopApp],
    run: Callable[..., Any],
    desktop_server: ServerProcess,
    tmp_path: Path,
    artifacts: Path,
    translations: None,
) -> None:
    api = Api(desktop_server.url)
    try:
        bob = run(api.user())
        alice = make_app(desktop_server.url)
        sign_up(qtbot, alice, desktop_server.url, unique("rfa"))
        chat_id = create_group(qtbot, alice, "Plans", bob.username)
        assert run(api.send(bob, chat_id, "send me the floor plan")).status_code == 201
        qtbot.waitUntil(
            lambda: entry_with(alice, "send me the floor plan") is not None, timeout=10_000
        )
        question = entry_with(alice, "send me the floor plan")
        assert question is not None and question.seq is not None

        # Alice replies to it with a picture in the tray: the reply bar, then Enter.
        ui = cast(ConversationUi, alice.window.pane.conversation)
        ui.start_reply(question)
        bar = find(alice.window, QLabel, "Replying to")
        qtbot.waitUntil(bar.isVisible, timeout=5_000)
        tray = alice.window.pane.attachments
        tray.add_paths([picture(tmp_path / "plan.png")])
        qtbot.waitUntil(lambda: tray.has_files, timeout=5_000)
        composer = find(alice.window, QPlainTextEdit, "Message")
        type_into(qtbot, composer, "here it is")
        composer.setFocus()
        qtbot.keyClick(composer, Qt.Key.Key_Return)

        def stored() -> list[Any]:
            return [m for m in server_messages(run, api, bob, chat_id) if m["text"] == "here it is"]

        qtbot.waitUntil(lambda: stored() != [], timeout=30_000)
        (m,) = stored()
        assert m["reply_to_seq"] == question.seq, "the files did not make it lose its quote"
        assert [a["name"] for a in m["attachments"]] == ["plan.png"]
        assert not bar.isVisible() and ui.replying is None
        qtbot.waitUntil(lambda: entry_with(alice, "here it is") is not None, timeout=10_000)
        mine = entry_with(alice, "here it is")
        assert mine is not None and mine.reply_to_seq == question.seq
        qtbot.waitUntil(lambda: mine.seq is not None, timeout=10_000)

        # Her own list shows the quote above the file: screenshots in both looks and languages.
        alice.window.activateWindow()
        qtbot.waitUntil(lambda: QApplication.activeWindow() is alice.window, timeout=5_000)
        pane = alice.window.pane
        qtbot.waitUntil(lambda: any(s.kind == "quote" for s in spots(alice, mine)), timeout=5_000)
        sign_out = find(alice.window, QPushButton, "Sign out")
        for lang, words in (("en", "Sign out"), ("ru", "Выйти")):
            retranslate.switch(lang)
            qtbot.waitUntil(lambda t=words: sign_out.text() == t, timeout=5_000)  # retranslated
            for look in ("light", "dark"):
                theme.apply(look)
                pane.view.viewport().repaint()
                screenshot(alice, artifacts / f"reply_files_{lang}_{look}.png")
    finally:
        run(api.close())


def spots(app: DesktopApp, entry: Entry) -> list[Any]:
    app.window.pane.view.viewport().grab()  # the paint lays the spots out
    return list(app.window.pane.delegate.spots(entry))


def test_a_reply_cut_by_quitting_is_sent_as_a_reply_at_the_next_start(
    qtbot: Any,
    make_app: Callable[[str], DesktopApp],
    run: Callable[..., Any],
    desktop_server: ServerProcess,
    tmp_path: Path,
) -> None:
    """What the last run left in the upload journal (a reply whose file had not gone up yet)
    is uploaded and sent by the next start, still answering its message."""
    api = Api(desktop_server.url)
    try:
        bob = run(api.user())
        alice = make_app(desktop_server.url)
        sign_up(qtbot, alice, desktop_server.url, unique("rfb"))
        chat_id = create_group(qtbot, alice, "Resume", bob.username)
        assert run(api.send(bob, chat_id, "the logo?")).status_code == 201
        (question,) = server_messages(run, api, bob, chat_id)
        messenger = alice.messenger
        assert messenger.rest is not None and messenger.me is not None
        owner = f"{messenger.rest.server_url}|{messenger.me.id}"
        journal = UploadJournal(messenger.sessions.config_dir / "uploads.sqlite3")
        left = PendingMessage(
            unique("cid"),
            chat_id,
            "logo attached",
            [PendingFile(str(picture(tmp_path / "logo.png")))],
            reply_to_seq=question["seq"],
        )
        journal.add(owner, left)
        assert journal.pending(owner)[0].reply_to_seq == question["seq"]

        assert run(messenger.outbox.resume_uploads()) == 1
        qtbot.waitUntil(lambda: len(server_messages(run, api, bob, chat_id)) == 2, timeout=20_000)
        m = server_messages(run, api, bob, chat_id)[-1]
        assert (m["text"], m["client_msg_id"]) == ("logo attached", left.client_msg_id)
        assert m["reply_to_seq"] == question["seq"]
        assert [a["name"] for a in m["attachments"]] == ["logo.png"]
        assert journal.pending(owner) == []
    finally:
        run(api.close())
