"""Quitting mid-upload loses nothing: the next start goes on with the upload from where the
server says it stands and sends the message under the same client_msg_id (real app, real server,
the local store and real S3). A file gone from disk by the next start shows its message failed,
text kept, until Retry sends it (screenshots tests/artifacts/upload_refused_{en,ru}-{look}.png)."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QPlainTextEdit, QPushButton

from desktop.core import errors
from desktop.core.timeline import Entry, SendState
from desktop.core.upload_journal import UploadJournal
from desktop.ui import i18n
from desktop.ui.app import DesktopApp
from tests.desktop.conftest import unique
from tests.desktop.ui.helpers import (
    alice_with_bob,
    click,
    find,
    reopen,
    row_in,
    shots,
    sign_up,
    type_into,
)
from tests.desktop.ui.test_attachments import files_server  # noqa: F401  # the fixture
from tests.support.client import Api
from tests.support.files import fetch
from tests.support.server import ServerProcess

pytestmark = [pytest.mark.desktop, pytest.mark.slow]
MiB = 1024 * 1024


def test_an_upload_cut_by_quitting_goes_on_at_the_next_start(
    qtbot: Any,
    run: Callable[..., Any],
    make_app: Callable[[str], DesktopApp],
    files_server: ServerProcess,  # noqa: F811
    tmp_path: Path,
) -> None:
    api, bob, alice, chat_id, big = begin_big_send(
        qtbot, run, make_app, files_server, tmp_path, "Big file", "the big one"
    )
    tray = alice.window.pane.attachments
    assert alice.messenger.rest is not None and alice.messenger.me is not None
    owner = f"{alice.messenger.rest.server_url}|{alice.messenger.me.id}"
    config = alice.messenger.sessions.config_dir
    journal = UploadJournal(config / "uploads.sqlite3")
    alice_token = run(alice.messenger.rest.auth_headers())
    # Two chunks read means the server acknowledged the first one.
    qtbot.waitUntil(lambda: tray.tiles[0].progress.value() >= 400, timeout=60_000)
    run(alice.close())  # the real quit path, mid-upload

    (pending,) = journal.pending(owner)
    upload_id = pending.files[0].upload_id
    stands = run(api.http.get(f"/files/uploads/{upload_id}", headers=alice_token))
    assert stands.status_code == 200, "quitting is not cancelling: the server keeps the session"
    assert 0 < stands.json()["upload"]["offset"] < big.stat().st_size
    assert messages(run, api, bob, chat_id) == []

    again = reopen(qtbot, run, files_server.url, config)
    qtbot.waitUntil(lambda: messages(run, api, bob, chat_id) != [], timeout=120_000)
    (m,) = messages(run, api, bob, chat_id)
    assert (m["text"], m["client_msg_id"]) == ("the big one", pending.client_msg_id)
    (f,) = m["attachments"]
    got = run(fetch(api, bob, f"/files/{f['id']}"), timeout=120.0)
    assert hashlib.sha256(got.final.content).digest() == hashlib.sha256(big.read_bytes()).digest()
    qtbot.waitUntil(lambda: journal.pending(owner) == [], timeout=10_000)
    run(again.close())
    run(api.close())


def test_signing_out_mid_upload_leaves_nothing_for_the_next_account(
    qtbot: Any,
    run: Callable[..., Any],
    make_app: Callable[[str], DesktopApp],
    files_server: ServerProcess,  # noqa: F811
    tmp_path: Path,
) -> None:
    api, bob, alice, chat_id, _ = begin_big_send(
        qtbot, run, make_app, files_server, tmp_path, "Signing out", "not after all"
    )
    tray = alice.window.pane.attachments
    config = alice.messenger.sessions.config_dir
    qtbot.waitUntil(lambda: tray.tiles and tray.tiles[0].progress.value() >= 400, timeout=60_000)
    assert (config / "uploads.sqlite3").exists()

    click(qtbot, find(alice.window, QPushButton, "Sign out"))
    qtbot.waitUntil(
        lambda: alice.window.stack.currentWidget() is alice.window.signin, timeout=20_000
    )
    qtbot.waitUntil(lambda: not (config / "uploads.sqlite3").exists(), timeout=20_000)
    assert tray.tiles == [], "the files are not left for whoever signs in next"

    sign_up(qtbot, alice, files_server.url, unique("carol"))
    assert tray.tiles == [] and not tray.isVisible()
    assert messages(run, api, bob, chat_id) == []
    run(api.close())


@pytest.fixture(scope="module")
def plain_server(server_factory: Callable[..., ServerProcess]) -> ServerProcess:
    return server_factory("embedded")


def test_a_file_gone_by_the_next_start_shows_its_message_failed_until_retried(
    qtbot: Any,
    run: Callable[..., Any],
    make_app: Callable[[str], DesktopApp],
    plain_server: ServerProcess,
    tmp_path: Path,
    artifacts: Path,
    language: str,
) -> None:
    api, bob, alice, chat_id = alice_with_bob(qtbot, run, make_app, plain_server.url, "Gone file")
    gone = tmp_path / "notes.pdf"
    data = os.urandom(MiB)
    gone.write_bytes(data)
    pending = alice.messenger.outbox.begin_files(chat_id, "the words stay", [gone])
    assert pending is not None
    config = alice.messenger.sessions.config_dir
    run(alice.close())  # quit before a byte went up
    gone.unlink()

    again = reopen(qtbot, run, plain_server.url, config)
    banner = again.window.error_banner
    said = i18n.tr_error(errors.FILE_GONE.replace("%1", "notes.pdf"))
    assert ("notes.pdf" in said) and (language == "en") == said.startswith("The file")
    qtbot.waitUntil(lambda: banner.isVisible() and banner.label.text() == said, timeout=60_000)
    qtbot.waitUntil(lambda: again.window.select_chat(chat_id), timeout=10_000)

    def row() -> Entry | None:
        return row_in(again, pending.client_msg_id)

    qtbot.waitUntil(lambda: (e := row()) is not None and e.state is SendState.FAILED)
    shots(again, artifacts / f"upload_refused_{language}")
    assert messages(run, api, bob, chat_id) == []

    gone.write_bytes(data)  # put back; Retry (a click on the failed row) sends it
    run(again.messenger.outbox.retry(chat_id, pending.client_msg_id))
    qtbot.waitUntil(lambda: messages(run, api, bob, chat_id) != [], timeout=60_000)
    (m,) = messages(run, api, bob, chat_id)
    assert (m["text"], m["client_msg_id"]) == ("the words stay", pending.client_msg_id)
    (f,) = m["attachments"]
    assert f["sha256"] == hashlib.sha256(data).hexdigest()
    qtbot.waitUntil(lambda: (e := row()) is not None and e.state is SendState.SENT)
    run(again.close())
    run(api.close())


def begin_big_send(
    qtbot: Any,
    run: Callable[..., Any],
    make_app: Callable[[str], DesktopApp],
    server: ServerProcess,
    tmp_path: Path,
    title: str,
    text: str,
) -> tuple[Api, Any, DesktopApp, str, Path]:
    """Alice drops a 48 MiB file into a new group with Bob and presses Return: the upload is
    under way when this returns (api, bob, alice's app, the chat, the file)."""
    api, bob, alice, chat_id = alice_with_bob(qtbot, run, make_app, server.url, title)
    big = tmp_path / "big.bin"
    big.write_bytes(os.urandom(48 * MiB))
    alice.window.pane.attachments.add_paths([big])
    composer = find(alice.window, QPlainTextEdit, "Message")
    type_into(qtbot, composer, text)
    composer.setFocus()
    qtbot.keyClick(composer, Qt.Key.Key_Return)
    return api, bob, alice, chat_id, big


def messages(run: Callable[..., Any], api: Api, user: Any, chat_id: str) -> list[dict[str, Any]]:
    r = run(api.history(user, chat_id))
    assert r.status_code == 200, r.text
    return [m for m in r.json()["messages"] if not m.get("deleted")]
