"""When the server fails or refuses, in the real app against a real server. A tray upload the
server fails (a real 500: its blob folder is a file) waits and tries again by itself, the tile
saying so; Cancel while it waits leaves nothing, and once the server is mended the message goes
out once. A message refused for good (a real 413) can be discarded from its context menu: gone
from the chat, and still gone after a restart (screenshots tests/artifacts/attachments-*)."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtWidgets import QPlainTextEdit

from desktop.core.files import RESUMABLE_FROM
from desktop.core.resumable import CHUNK_BYTES
from desktop.core.timeline import Entry, SendState
from desktop.core.upload_journal import UploadJournal
from desktop.ui import theme
from desktop.ui.app import DesktopApp
from tests.desktop.core.test_upload_journal import break_blobs, failures, mend_blobs
from tests.desktop.ui.helpers import (
    alice_with_bob,
    entries,
    find,
    reopen,
    row_in,
    shots,
    type_into,
    with_menu,
)
from tests.desktop.ui.test_attachments import drop_files, small_limit  # noqa: F401  # fixture
from tests.desktop.ui.test_conversation import open_menu
from tests.desktop.ui.test_upload_restart import messages
from tests.support.server import ServerProcess

pytestmark = pytest.mark.desktop
MiB = 1024 * 1024


@pytest.fixture(scope="module")
def failing(server_factory: Callable[..., ServerProcess]) -> ServerProcess:
    """A server whose blob folder the tests break (every upload a 500) and mend."""
    return server_factory("embedded")


def stored(srv: ServerProcess) -> list[Path]:
    return [f for f in (srv.data_dir / "blobs").rglob("*") if f.is_file()]


def test_a_failing_server_is_waited_for_and_a_cancel_leaves_nothing(
    qtbot: Any,
    run: Callable[..., Any],
    make_app: Callable[[str], DesktopApp],
    failing: ServerProcess,
    tmp_path: Path,
    artifacts: Path,
    language: str,
) -> None:
    api, bob, alice, chat_id = alice_with_bob(qtbot, run, make_app, failing.url, "Outage")
    tray, banner = alice.window.pane.attachments, alice.window.error_banner
    composer = find(alice.window, QPlainTextEdit, "Message")
    dropped, kept = tmp_path / "dropped.bin", tmp_path / "report.bin"
    dropped.write_bytes(os.urandom(MiB))
    kept.write_bytes(os.urandom(MiB))
    retrying = QCoreApplication.translate("Tile", "Waiting for the server, then trying again…")
    assert (language == "en") == retrying.startswith("Waiting")
    before = len(stored(failing))
    break_blobs(failing)
    try:
        refused = failures(failing)
        tile = send_files(qtbot, alice, [dropped], "not this one")
        qtbot.waitUntil(lambda: failures(failing) >= refused + 2, timeout=30_000)
        qtbot.waitUntil(lambda: tile.status.isVisible(), timeout=10_000)
        assert tile.status.text() == retrying, "the tile says it tries again"
        assert not banner.isVisible(), "a failing server is waited for, not reported"
        shots(alice, artifacts / f"attachments-retrying-{language}")

        qtbot.mouseClick(tile.remove, Qt.MouseButton.LeftButton)  # "Cancel" while it waits
        qtbot.waitUntil(lambda: not tray.has_files, timeout=5_000)
        qtbot.waitUntil(lambda: composer.toPlainText() == "not this one", timeout=5_000)
        composer.clear()

        tile = send_files(qtbot, alice, [kept], "after the outage")
        qtbot.waitUntil(lambda: tile.status.isVisible(), timeout=30_000)
    finally:
        mend_blobs(failing)
    qtbot.waitUntil(lambda: messages(run, api, bob, chat_id) != [], timeout=90_000)
    (m,) = messages(run, api, bob, chat_id)
    assert m["text"] == "after the outage", "the cancelled one never went"
    (f,) = m["attachments"]
    assert f["sha256"] == hashlib.sha256(kept.read_bytes()).hexdigest()
    assert not tray.has_files
    (mine,) = [e for e in entries(alice) if e.chat_id == chat_id]
    assert mine.client_msg_id == m["client_msg_id"]
    assert len(stored(failing)) == before + 1, "only the sent file is kept"
    run(api.close())


def test_a_large_upload_cancelled_while_it_waits_leaves_nothing(
    qtbot: Any,
    run: Callable[..., Any],
    make_app: Callable[[str], DesktopApp],
    failing: ServerProcess,
    tmp_path: Path,
    artifacts: Path,
    language: str,
) -> None:
    """The resumable path: the server fails a chunk of a session it holds; Cancel while the
    tile waits drops the session, its parts and the journal's entry, and nothing is sent."""
    api, bob, alice, chat_id = alice_with_bob(qtbot, run, make_app, failing.url, "Big outage")
    tray, composer = alice.window.pane.attachments, find(alice.window, QPlainTextEdit, "Message")
    big = tmp_path / "big.bin"
    big.write_bytes(os.urandom(RESUMABLE_FROM + 5 * CHUNK_BYTES))  # six chunks
    journal = UploadJournal(alice.messenger.sessions.config_dir / "uploads.sqlite3")
    owner, before = alice.messenger.outbox.owner, set(stored(failing))
    tile = send_files(qtbot, alice, [big], "too big to wait for")
    # The second chunk being read means the server holds the session and the first one.
    qtbot.waitUntil(lambda: tile.progress.value() >= 200, timeout=60_000)
    (pending,) = journal.pending(owner)
    upload_id = pending.files[0].upload_id
    assert upload_id
    break_blobs(failing)
    try:
        qtbot.waitUntil(lambda: tile.status.isVisible(), timeout=30_000)
        said = QCoreApplication.translate("Tile", "Waiting for the server, then trying again…")
        assert tile.status.text() == said and not tile.progress.isVisible()
        shots(alice, artifacts / f"attachments-resumable-waiting-{language}")
        qtbot.mouseClick(tile.remove, Qt.MouseButton.LeftButton)  # "Cancel" while it waits
        qtbot.waitUntil(lambda: composer.toPlainText() == "too big to wait for", timeout=10_000)
        assert not tray.has_files and journal.pending(owner) == []
    finally:
        mend_blobs(failing)
    assert alice.messenger.rest is not None
    token = run(alice.messenger.rest.auth_headers())

    def session() -> int:
        r = run(api.http.get(f"/files/uploads/{upload_id}", headers=token))
        return int(r.status_code)

    # The cancel asked while the store failed: the app asks again once it is back.
    qtbot.waitUntil(lambda: session() == 404, timeout=60_000)
    qtbot.waitUntil(lambda: set(stored(failing)) == before, timeout=10_000)  # no part kept
    assert messages(run, api, bob, chat_id) == []
    run(api.close())


def send_files(qtbot: Any, app: DesktopApp, paths: list[Path], text: str) -> Any:
    """Drop `paths` on the composer, type `text` and press Return; returns the first tile."""
    composer = find(app.window, QPlainTextEdit, "Message")
    tray = app.window.pane.attachments
    drop_files(composer.viewport(), paths)
    qtbot.waitUntil(lambda: len(tray.tiles) == len(paths), timeout=5_000)
    tile = tray.tiles[0]
    type_into(qtbot, composer, text)
    composer.setFocus()
    qtbot.keyClick(composer, Qt.Key.Key_Return)
    return tile


def test_a_refused_message_discarded_is_gone_after_a_restart(
    qtbot: Any,
    run: Callable[..., Any],
    make_app: Callable[[str], DesktopApp],
    small_limit: ServerProcess,  # noqa: F811
    tmp_path: Path,
    artifacts: Path,
    language: str,
) -> None:
    api, bob, alice, chat_id = alice_with_bob(qtbot, run, make_app, small_limit.url, "Refused")
    scan = tmp_path / "scan.bin"
    scan.write_bytes(os.urandom(2 * MiB))  # over the server's 1 MiB: a 413
    pending = alice.messenger.outbox.begin_files(chat_id, "too big after all", [scan])
    assert pending is not None
    config = alice.messenger.sessions.config_dir
    run(alice.close())  # quit before a byte went up: the next start gets the 413

    again = restart(qtbot, run, small_limit, config, chat_id)

    def row() -> Entry | None:
        return row_in(again, pending.client_msg_id)

    qtbot.waitUntil(
        lambda: (e := row()) is not None and e.state is SendState.FAILED, timeout=30_000
    )
    failed = row()
    assert failed is not None
    shots(again, artifacts / f"discard-failed-{language}")  # the footer says how
    menu = open_menu(qtbot, again, failed)  # a right-click on the failed message
    said = {a.text(): a for a in menu.actions()}
    discard = said[QCoreApplication.translate("ChatPane", "Discard message")]
    assert QCoreApplication.translate("ChatPane", "Retry sending") in said
    for look in ("light", "dark"):
        theme.apply(look)
        with_menu(again, menu).save(str(artifacts / f"discard-menu-{language}-{look}.png"))
    theme.apply("light")

    discard.trigger()
    menu.hide()
    qtbot.waitUntil(lambda: row() is None, timeout=10_000)
    owner = again.messenger.outbox.owner
    assert UploadJournal(config / "uploads.sqlite3").pending(owner) == []
    run(again.close())

    last = restart(qtbot, run, small_limit, config, chat_id)
    assert run(last.messenger.outbox.resume_uploads()) == 0
    assert row_in(last, pending.client_msg_id) is None, "not back after the restart"
    assert messages(run, api, bob, chat_id) == [], "nothing was sent"
    assert stored(small_limit) == [], "nothing of it is on the server"
    run(last.close())
    run(api.close())


def restart(
    qtbot: Any, run: Callable[..., Any], srv: ServerProcess, config: Path, chat_id: str
) -> DesktopApp:
    """Alice's app started again on her profile, with the chat open."""
    app = reopen(qtbot, run, srv.url, config)
    qtbot.waitUntil(lambda: app.window.select_chat(chat_id), timeout=10_000)
    qtbot.waitUntil(lambda: app.messenger.timeline(chat_id).loaded, timeout=10_000)
    return app
