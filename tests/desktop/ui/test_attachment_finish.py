"""The attachment experience's last edges, in the real app against real servers. Sizes read in
the interface language everywhere (the tray's tile, the refusal naming what is left of the
quota, refreshed after her own upload); a tile waiting on a failing server shows the file's
icon like every file tile; a text the server refuses over the socket is quoted with the server's
current figure; and a cancel the failing server could not take is asked again at the next
start (screenshots tests/artifacts/finish-*-{en,ru}-{light,dark}.png)."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QCoreApplication, QPoint, Qt
from PySide6.QtGui import QFontMetrics
from PySide6.QtWidgets import QLabel, QPlainTextEdit

from desktop.core import errors, limits
from desktop.core.files import RESUMABLE_FROM
from desktop.core.resumable import CHUNK_BYTES
from desktop.core.upload_journal import UploadJournal
from desktop.ui import i18n
from desktop.ui.app import DesktopApp
from desktop.ui.attachments import Tile
from desktop.ui.bubble_files import BUTTON_PAD, ICON_PX, file_icon
from desktop.ui.delegates import small_font
from desktop.ui.models import PREVIEW_ROLE
from tests.desktop.conftest import unique
from tests.desktop.core.test_upload_journal import break_blobs, mend_blobs
from tests.desktop.ui.helpers import (
    alice_with_bob,
    create_group,
    entries,
    find,
    reopen,
    send,
    shots,
    sign_up,
)
from tests.desktop.ui.test_attachments import drop_files, hits
from tests.desktop.ui.test_attachments_retry import (  # noqa: F401  # `failing`: a fixture
    failing,
    send_files,
    stored,
)
from tests.support.server import ServerProcess

pytestmark = pytest.mark.desktop
KIB = 1024


def shows_file_icon(tile: Tile) -> bool:
    """The tile's picture is the one icon every file tile has (not an empty square)."""
    shown = tile.preview.pixmap()
    return not shown.isNull() and shown.toImage() == file_icon().pixmap(ICON_PX).toImage()


def test_sizes_read_in_her_language_and_the_quota_left_refuses_in_the_tray(
    qtbot: Any,
    make_app: Callable[[str], DesktopApp],
    server_factory: Callable[..., ServerProcess],
    tmp_path: Path,
    artifacts: Path,
    spoken: str,
) -> None:
    """A 3 KiB quota: her 2,000-byte file goes up (its tile says so in her language), and the
    app, told by the server what her files now take, refuses a 1.5 KiB file naming what is
    left; nothing of it reaches the server."""
    language = spoken
    srv = server_factory("embedded", {"PARLEY_UPLOAD_QUOTA_BYTES": str(3 * KIB)})
    app = make_app(srv.url)
    sign_up(qtbot, app, srv.url, unique("vera"))
    chat_id = create_group(qtbot, app, "Quota left")
    picture = find(app.window, QLabel, "Chat avatar").pixmap()
    assert not picture.isNull(), "the avatar as the chat is chosen, before its history came"
    members = {"en": "1 member, 1 online", "ru": "1 участник, 1 в сети"}[language]
    status = find(app.window, QLabel, "Chat status")
    qtbot.waitUntil(lambda: status.text() == members, timeout=10_000)
    assert limits.current().upload_used_bytes == 0  # read at sign-in
    composer = find(app.window, QPlainTextEdit, "Message")
    tray, banner = app.window.pane.attachments, app.window.error_banner
    first, second = tmp_path / "notes.txt", tmp_path / "scan.png.bin"
    first.write_bytes(os.urandom(2000))
    second.write_bytes(os.urandom(1536))

    drop_files(composer.viewport(), [first])
    qtbot.waitUntil(lambda: len(tray.tiles) == 1, timeout=5_000)
    (tile,) = tray.tiles
    assert tile.bytes.text() == {"en": "2.0 kB", "ru": "2,0 кБ"}[language]
    assert shows_file_icon(tile), "a file that is not an image shows the file icon"
    shots(app, artifacts / f"finish-sizes-tile-{language}")
    qtbot.keyClick(composer, Qt.Key.Key_Return)
    qtbot.waitUntil(
        lambda: (
            [(len(e.attachments), e.seq is not None) for e in entries(app) if e.chat_id == chat_id]
            == [(1, True)]
        ),
        timeout=20_000,
    )  # sent: the message's tile says its size in her language too (the screenshot)
    qtbot.waitUntil(lambda: limits.current().upload_used_bytes == 2000, timeout=10_000)
    saves_from_the_buttons_right_part(qtbot, app, language)
    you = {"en": "You", "ru": "Вы"}[language]
    row = app.window.chat_proxy.index(app.window.chat_proxy.row_of(chat_id) or 0, 0)
    qtbot.waitUntil(lambda: row.data(PREVIEW_ROLE) == f"{you}: \N{PAPERCLIP} notes.txt")

    drop_files(composer.viewport(), [second])
    said = {
        "en": "scan.png.bin is 1.5 kB, more than is left of your storage quota on this server"
        " (1.0 kB). It was not attached.",
        "ru": "Файл scan.png.bin весит 1,5 кБ — больше, чем осталось от вашей квоты на этом"
        " сервере (1,0 кБ). Файл не прикреплён.",
    }[language]
    qtbot.waitUntil(lambda: banner.text() == said, timeout=5_000)
    assert tray.tiles == [], "refused before a byte is sent"
    shots(app, artifacts / f"finish-over-quota-{language}")


def saves_from_the_buttons_right_part(qtbot: Any, app: DesktopApp, language: str) -> None:
    """The sent tile's Save and Open are as wide as their words in her language (with room
    either side), and a click near Save's right edge, where a clipped label ended, saves."""
    pane = app.window.pane
    row = next(i for i, e in enumerate(entries(app)) if e.attachments)
    pane.view.viewport().repaint()
    qtbot.waitUntil(lambda: len(hits(pane, row)) == 2, timeout=5_000)
    save, open_ = hits(pane, row)
    fm = QFontMetrics(small_font(pane.view.font()))
    labels = {"en": ("Save", "Open"), "ru": ("Сохранить", "Открыть")}[language]
    for hit, label in zip((save, open_), labels, strict=True):
        assert fm.horizontalAdvance(label) + 2 * BUTTON_PAD <= hit.rect.width(), (label, hit)
    assert save.rect.right() < open_.rect.left(), "side by side, not overlapping"
    assert open_.rect.right() < pane.view.viewport().width()
    at = QPoint(save.rect.right() - 2, save.rect.center().y())
    qtbot.mouseClick(pane.view.viewport(), Qt.MouseButton.LeftButton, pos=at)
    qtbot.waitUntil(lambda: pane.files.dialog is not None, timeout=5_000)
    assert pane.files.dialog is not None
    pane.files.dialog.reject()
    pane.files.dialog = None


def test_a_text_refused_over_the_socket_names_the_servers_current_limit(
    qtbot: Any,
    make_app: Callable[[str], DesktopApp],
    server_factory: Callable[..., ServerProcess],
    language: str,
) -> None:
    """The app read 12 at sign-in; the server comes back with 8 while a 10-character text waits
    in the queue: the socket's refusal carries 8 and the banner says 8, not the 12 it held."""
    srv = server_factory("embedded", {"PARLEY_MAX_TEXT_CHARS": "12"})
    app = make_app(srv.url)
    sign_up(qtbot, app, srv.url, unique("nina"))
    create_group(qtbot, app, "Socket limit")
    assert limits.current().max_text_chars == 12
    srv.terminate()
    srv.wait()
    srv.env["PARLEY_MAX_TEXT_CHARS"] = "8"
    send(qtbot, app, "ten chars!")  # fits the 12 the app holds: queued while the server is away
    srv.start()
    said = i18n.tr_error(errors.TOO_LONG.replace("%1", "8"))
    assert (language == "en") == said.startswith("Message is too long")
    qtbot.waitUntil(lambda: app.window.error_banner.text() == said, timeout=60_000)


def test_a_cancel_the_failing_server_refused_is_asked_again_at_the_next_start(
    qtbot: Any,
    run: Callable[..., Any],
    make_app: Callable[[str], DesktopApp],
    failing: ServerProcess,  # noqa: F811
    tmp_path: Path,
    artifacts: Path,
    language: str,
) -> None:
    """A large upload waits on a broken store (its tile and the queued one behind it show the
    file icon); Cancel cannot get through, the app quits, the store is mended, the app starts
    again: the session is gone (404), no part is left and the journal is empty."""
    api, _bob, alice, chat_id = alice_with_bob(qtbot, run, make_app, failing.url, "Cancel later")
    big, queued = tmp_path / "big.bin", tmp_path / "queued.bin"
    big.write_bytes(os.urandom(RESUMABLE_FROM + 2 * CHUNK_BYTES))  # three chunks
    queued.write_bytes(os.urandom(KIB))
    config = alice.messenger.sessions.config_dir
    journal = UploadJournal(config / "uploads.sqlite3")
    owner, before = alice.messenger.outbox.owner, set(stored(failing))
    tile = send_files(qtbot, alice, [big, queued], "never mind")
    qtbot.waitUntil(lambda: tile.progress.value() >= 200, timeout=60_000)  # a session, a chunk
    (pending,) = journal.pending(owner)
    upload_id = pending.files[0].upload_id
    assert upload_id
    break_blobs(failing)
    try:
        qtbot.waitUntil(lambda: tile.status.isVisible(), timeout=30_000)
        said = QCoreApplication.translate("Tile", "Waiting for the server, then trying again…")
        assert tile.status.text() == said
        tray = alice.window.pane.attachments
        assert all(shows_file_icon(t) for t in tray.tiles), "waiting and queued: the icon"
        shots(alice, artifacts / f"finish-waiting-icon-{language}")
        qtbot.mouseClick(tile.remove, Qt.MouseButton.LeftButton)  # "Cancel" while it waits
        qtbot.waitUntil(lambda: journal.pending(owner) == [], timeout=10_000)
        assert journal.cancels(owner) == [upload_id], "the cancel is remembered"
        run(alice.close())  # quits while the server still fails the drop
        assert journal.cancels(owner) == [upload_id], "still owed after quitting"
    finally:
        mend_blobs(failing)
    again = reopen(qtbot, run, failing.url, config)
    token = run(again.messenger.rest.auth_headers()) if again.messenger.rest else {}

    def session() -> int:
        r = run(api.http.get(f"/files/uploads/{upload_id}", headers=token))
        return int(r.status_code)

    qtbot.waitUntil(lambda: session() == 404, timeout=60_000)
    qtbot.waitUntil(lambda: journal.cancels(owner) == [], timeout=10_000)
    assert set(stored(failing)) == before, "no part left"
    assert journal.pending(owner) == []
    assert not [e for e in entries(again) if e.chat_id == chat_id and e.text == "never mind"]
    run(again.close())
    run(api.close())
