"""Attachments in the real app against a real server: drop two files on the chat, watch them
upload, and the other person's app receives them; their bytes come down unchanged."""

from __future__ import annotations

import dataclasses
import hashlib
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QCoreApplication, QMimeData, QPointF, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent, QDropEvent, QImage
from PySide6.QtWidgets import QApplication, QPlainTextEdit, QStyleOptionViewItem

from desktop.core import errors, limits
from desktop.core.files import RemoteFile
from desktop.ui import i18n, theme
from desktop.ui.app import DesktopApp
from desktop.ui.bubble_files import Hit
from tests.desktop.conftest import unique
from tests.desktop.ui.helpers import (
    create_group,
    entries,
    find,
    group_of_two,
    screenshot,
    sign_up,
    type_into,
)
from tests.support.engines import drop_production_bucket, s3_env
from tests.support.server import ServerProcess

pytestmark = pytest.mark.desktop


def drop_files(widget: Any, paths: list[Path]) -> None:
    """What the window system delivers when files are dragged onto a widget and let go."""
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(p)) for p in paths])
    pos = QPointF(10, 10)
    buttons, mods = Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier
    enter = QDragEnterEvent(pos.toPoint(), Qt.DropAction.CopyAction, mime, buttons, mods)
    QApplication.sendEvent(widget, enter)
    assert enter.isAccepted()
    QApplication.sendEvent(widget, QDropEvent(pos, Qt.DropAction.CopyAction, mime, buttons, mods))


@pytest.fixture(scope="module", params=["local", pytest.param("s3", marks=pytest.mark.engines)])
def files_server(
    request: pytest.FixtureRequest, server_factory: Callable[..., ServerProcess]
) -> ServerProcess:
    """The embedded server on the local store, and on the real S3 server (presigned redirects
    for the thumbnail, the full image and the saved file)."""
    if request.param == "local":
        return server_factory("embedded")
    env = s3_env(unique("dattach"))
    env |= {"PARLEY_JWT_SECRET": "test-secret-" + "s" * 32, "PARLEY_JWT_KID": "t1"}
    request.addfinalizer(lambda: drop_production_bucket(env))
    return server_factory("embedded", env=env)


def test_dropped_files_upload_with_progress_and_reach_the_other_app(
    qtbot: Any,
    make_app: Callable[[str], DesktopApp],
    files_server: ServerProcess,
    tmp_path: Path,
    artifacts: Path,
    run: Callable[..., Any],
) -> None:
    alice, bob, chat_id = group_of_two(qtbot, make_app, files_server.url, "Holiday photos")
    bob.window.pane.show_chat(chat_id)

    photo = tmp_path / "beach.png"
    image = QImage(1600, 1000, QImage.Format.Format_RGB32)
    image.fill(0x2E86C1)
    assert image.save(str(photo))
    notes = tmp_path / "notes.bin"
    notes.write_bytes(os.urandom(3 * 1024 * 1024))

    composer = find(alice.window, QPlainTextEdit, "Message")
    drop_files(composer.viewport(), [photo, notes])
    tray = alice.window.pane.attachments
    qtbot.waitUntil(lambda: len(tray.tiles) == 2, timeout=5_000)
    progress: dict[str, list[int]] = {}
    for tile in tray.tiles:
        progress[tile.path.name] = seen = []
        tile.progress.valueChanged.connect(seen.append)
    qtbot.waitUntil(lambda: not tray.tiles[0].preview.pixmap().isNull(), timeout=5_000)
    screenshot(alice, artifacts / "attachments-tray.png")
    type_into(qtbot, composer, "from the trip")
    composer.setFocus()
    qtbot.keyClick(composer, Qt.Key.Key_Return)

    def bob_has_them() -> bool:
        got = [e for e in entries(bob) if e.text == "from the trip"]
        return bool(got) and len(got[0].attachments) == 2

    qtbot.waitUntil(bob_has_them, timeout=30_000)
    assert all(v and v[-1] == 1000 for v in progress.values()), progress
    assert not tray.has_files  # the tray empties once the message is away

    # Alice's own message shows the photo in her list too.
    mine = next(i for i, e in enumerate(entries(alice)) if e.text == "from the trip")
    alice.window.pane.view.viewport().repaint()
    qtbot.waitUntil(
        lambda: {h.action for h in hits(alice.window.pane, mine)} == {"view", "save", "open"},
        timeout=5_000,
    )

    # Bob sees the photo inside the message list, and saves the other file from its tile.
    pane = bob.window.pane
    row = next(i for i, e in enumerate(entries(bob)) if e.text == "from the trip")
    photo_id = next(str(a["id"]) for a in entries(bob)[row].attachments if a["name"] == "beach.png")
    qtbot.waitUntil(lambda: photo_id in pane.files.fetched, timeout=10_000)  # the thumbnail
    record = next(a for a in entries(bob)[row].attachments if a["id"] == photo_id)
    tiny = pane.files.placeholder(RemoteFile.from_json(record))  # painted before the thumbnail
    assert tiny is not None and (tiny.width(), tiny.height()) == (24, 15)
    index = pane.model.index(row)
    option = QStyleOptionViewItem()
    option.initFrom(pane.view)
    option.rect = pane.view.visualRect(index)
    delegate = pane.view.itemDelegate()
    grown = delegate.sizeHint(option, index).height()
    delegate.files = None  # the same row as it was before files were painted in the list
    plain = delegate.sizeHint(option, index).height()
    delegate.files = pane.files
    # the preview is 320 x 200 (the photo's 16:10), the tile 46, inside the same bubble
    assert grown - plain >= 200 + 46, (grown, plain)
    pane.view.scrollTo(index)
    qtbot.waitUntil(lambda: bool(hits(pane, row)), timeout=5_000)
    screenshot(bob, artifacts / "attachments-inline-light.png")
    theme.apply("dark")
    pane.view.viewport().repaint()
    screenshot(bob, artifacts / "attachments-inline-dark.png")
    theme.apply("light")

    save = next(h for h in hits(pane, row) if h.action == "save")
    qtbot.mouseClick(pane.view.viewport(), Qt.MouseButton.LeftButton, pos=save.rect.center())
    qtbot.waitUntil(lambda: pane.files.dialog is not None, timeout=5_000)
    saved = tmp_path / "saved-notes.bin"
    assert pane.files.dialog is not None
    pane.files.dialog.fileSelected.emit(str(saved))  # the user named the file and pressed Save
    notes_id = save.file.id
    qtbot.waitUntil(lambda: notes_id in pane.files.saved, timeout=20_000)
    assert pane.files.last_progress[notes_id] == 1.0
    assert (
        hashlib.sha256(saved.read_bytes()).digest() == hashlib.sha256(notes.read_bytes()).digest()
    )

    view = next(h for h in hits(pane, row) if h.action == "view")
    qtbot.mouseClick(pane.view.viewport(), Qt.MouseButton.LeftButton, pos=view.rect.center())
    qtbot.waitUntil(
        lambda: pane.files.viewer is not None and pane.files.viewer.full, timeout=20_000
    )
    assert pane.files.viewer is not None
    full = pane.files.viewer.image.pixmap()
    assert (full.width(), full.height()) == (1600, 1000) or full.width() / full.height() == 1.6
    assert pane.files.viewer.grab().save(str(artifacts / "attachments-viewer.png"))
    pane.files.viewer.close()


def hits(pane: Any, row: int) -> list[Hit]:
    """What the delegate painted as clickable for this row, last time it painted it."""
    entry = pane.model.entry(row)
    found: list[Hit] = pane.view.itemDelegate()._hits.get(id(entry), [])
    return found


def test_removing_a_file_mid_upload_cancels_it_and_leaves_nothing(
    qtbot: Any,
    make_app: Callable[[str], DesktopApp],
    desktop_server: ServerProcess,
    tmp_path: Path,
) -> None:
    alice = make_app(desktop_server.url)
    sign_up(qtbot, alice, desktop_server.url, unique("alice"))
    chat_id = create_group(qtbot, alice, "Big file")
    big = tmp_path / "big.bin"
    big.write_bytes(os.urandom(64 * 1024 * 1024))
    blobs = desktop_server.data_dir / "blobs"
    before = sorted(blobs.rglob("*")) if blobs.exists() else []

    composer = find(alice.window, QPlainTextEdit, "Message")
    drop_files(composer.viewport(), [big])
    tray = alice.window.pane.attachments
    qtbot.waitUntil(lambda: len(tray.tiles) == 1, timeout=5_000)
    tile = tray.tiles[0]
    composer.setFocus()
    qtbot.keyClick(composer, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: tile.progress.value() > 0, timeout=20_000)
    qtbot.mouseClick(tile.remove, Qt.MouseButton.LeftButton)  # "Cancel" while uploading
    qtbot.waitUntil(lambda: not tray.has_files, timeout=5_000)

    spool = desktop_server.data_dir / "spool"
    qtbot.waitUntil(lambda: not spool.exists() or not any(spool.iterdir()), timeout=30_000)
    # The growing upload file goes when the app's abandon (DELETE) reaches the server, which
    # can come after the last chunk left the spool.
    qtbot.waitUntil(
        lambda: (sorted(blobs.rglob("*")) if blobs.exists() else []) == before, timeout=30_000
    )
    assert not [e for e in entries(alice) if e.chat_id == chat_id]  # no message went out


@pytest.fixture(scope="module")
def small_limit(server_factory: Callable[..., ServerProcess]) -> ServerProcess:
    """A server that refuses (413) any file over 1 MiB."""
    return server_factory("embedded", {"PARLEY_MAX_UPLOAD_BYTES": str(1024 * 1024)})


def test_a_refused_upload_keeps_the_files_and_gives_the_words_back(
    qtbot: Any,
    make_app: Callable[[str], DesktopApp],
    small_limit: ServerProcess,
    tmp_path: Path,
    artifacts: Path,
    language: str,
) -> None:
    """The server's size limit refuses the file (413, the app holding a looser limit, as when
    the server's was lowered after sign-in): nothing is sent, the banner names the server's
    figure from its answer, the tray still holds the file, and the text the composer cleared
    on Send is back in it for another try."""
    srv = small_limit
    alice = make_app(srv.url)
    sign_up(qtbot, alice, srv.url, unique("alice"))
    chat_id = create_group(qtbot, alice, "Too big")
    assert limits.current().max_upload_bytes == 1024 * 1024  # read at sign-in
    limits.adopt(dataclasses.replace(limits.current(), max_upload_bytes=100 * 1024 * 1024))
    big = tmp_path / "scan.bin"
    big.write_bytes(os.urandom(2 * 1024 * 1024))

    composer = find(alice.window, QPlainTextEdit, "Message")
    drop_files(composer.viewport(), [big])
    tray = alice.window.pane.attachments
    qtbot.waitUntil(lambda: len(tray.tiles) == 1, timeout=5_000)
    type_into(qtbot, composer, "the signed contract")
    composer.setFocus()
    qtbot.keyClick(composer, Qt.Key.Key_Return)
    banner = alice.window.error_banner
    mib = {"en": "1.0 MB", "ru": "1,0 МБ"}[language]  # its 413's figure, in her language
    too_large = i18n.tr_error(errors.UPLOAD_TOO_LARGE.replace("%1", mib))
    said = QCoreApplication.translate("AttachmentTray", "Upload failed: %1").replace(
        "%1", too_large
    )
    assert (language == "en") == said.startswith("Upload failed")
    qtbot.waitUntil(lambda: banner.text() == said, timeout=20_000)
    qtbot.waitUntil(lambda: composer.toPlainText() == "the signed contract", timeout=5_000)
    assert [t.path for t in tray.tiles] == [big]
    assert not tray.tiles[0].progress.isVisible()
    assert not tray.tiles[0].status.isVisible(), "a refusal is not retried"
    assert not [e for e in entries(alice) if e.chat_id == chat_id]  # no message went out
    for look in ("light", "dark"):
        theme.apply(look)
        alice.window.repaint()
        screenshot(alice, artifacts / f"attachments-refused-{language}-{look}.png")
    theme.apply("light")
