"""Quitting mid-upload loses nothing: the next start goes on with the upload from where the
server says it stands and sends the message under the same client_msg_id (real app, real server,
the local store and real S3)."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QPlainTextEdit, QPushButton

from desktop.core.session import FileStore
from desktop.core.upload_journal import UploadJournal
from desktop.ui.app import DesktopApp, build
from tests.desktop.conftest import unique
from tests.desktop.ui.helpers import click, create_group, find, sign_up, type_into
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
    api = Api(files_server.url)
    bob = run(api.user())
    alice = make_app(files_server.url)
    sign_up(qtbot, alice, files_server.url, unique("alice"))
    chat_id = create_group(qtbot, alice, "Big file", bob.username)
    big = tmp_path / "big.bin"
    big.write_bytes(os.urandom(48 * MiB))

    tray = alice.window.pane.attachments
    tray.add_paths([big])
    composer = find(alice.window, QPlainTextEdit, "Message")
    type_into(qtbot, composer, "the big one")
    composer.setFocus()
    qtbot.keyClick(composer, Qt.Key.Key_Return)
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

    again = build(files_server.url, config, secrets=FileStore(config / "credentials.json"))
    qtbot.addWidget(again.window)
    again.window.show()
    run(again.start())
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
    api = Api(files_server.url)
    bob = run(api.user())
    alice = make_app(files_server.url)
    sign_up(qtbot, alice, files_server.url, unique("alice"))
    chat_id = create_group(qtbot, alice, "Signing out", bob.username)
    big = tmp_path / "big.bin"
    big.write_bytes(os.urandom(48 * MiB))
    tray = alice.window.pane.attachments
    tray.add_paths([big])
    composer = find(alice.window, QPlainTextEdit, "Message")
    type_into(qtbot, composer, "not after all")
    composer.setFocus()
    qtbot.keyClick(composer, Qt.Key.Key_Return)
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


def messages(run: Callable[..., Any], api: Api, user: Any, chat_id: str) -> list[dict[str, Any]]:
    r = run(api.history(user, chat_id))
    assert r.status_code == 200, r.text
    return [m for m in r.json()["messages"] if not m.get("deleted")]
