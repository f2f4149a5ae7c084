"""Attachments in the real app against a real server: drop two files on the chat, watch them
upload, and the other person's app receives them; their bytes come down unchanged."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent, QDropEvent, QImage
from PySide6.QtWidgets import QApplication, QPlainTextEdit

from desktop.ui.app import DesktopApp
from tests.desktop.conftest import unique
from tests.desktop.ui.helpers import create_group, entries, find, screenshot, sign_up, type_into
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


def test_dropped_files_upload_with_progress_and_reach_the_other_app(
    qtbot: Any,
    make_app: Callable[[str], DesktopApp],
    desktop_server: ServerProcess,
    tmp_path: Path,
    artifacts: Path,
    run: Callable[..., Any],
) -> None:
    alice, bob = make_app(desktop_server.url), make_app(desktop_server.url)
    alice_name, bob_name = unique("alice"), unique("bob")
    sign_up(qtbot, alice, desktop_server.url, alice_name)
    sign_up(qtbot, bob, desktop_server.url, bob_name)
    chat_id = create_group(qtbot, alice, "Holiday photos", bob_name)
    qtbot.waitUntil(lambda: chat_id in bob.messenger.chats, timeout=10_000)
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

    # Bob clicks the message: the photo's preview shows, and he saves the other file.
    pane = bob.window.pane
    row = next(i for i, e in enumerate(entries(bob)) if e.text == "from the trip")
    at = pane.view.visualRect(pane.model.index(row)).center()
    qtbot.mouseClick(pane.view.viewport(), Qt.MouseButton.LeftButton, pos=at)
    qtbot.waitUntil(lambda: len(pane.files.tiles) == 2, timeout=5_000)
    photo_tile = next(t for t in pane.files.tiles if t.file.name == "beach.png")
    qtbot.waitUntil(lambda: not photo_tile.preview.pixmap().isNull(), timeout=10_000)
    shown = photo_tile.preview.pixmap()
    assert max(shown.width(), shown.height()) == 240  # the server's thumbnail, scaled to fit
    screenshot(bob, artifacts / "attachments-received.png")
    notes_tile = next(t for t in pane.files.tiles if t.file.name == "notes.bin")
    saved = tmp_path / "saved-notes.bin"
    run(notes_tile.save_to(saved))  # what Save… does once the dialog names the file
    assert notes_tile.saved == saved and notes_tile.progress.value() == 1000
    assert (
        hashlib.sha256(saved.read_bytes()).digest() == hashlib.sha256(notes.read_bytes()).digest()
    )


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
    assert (sorted(blobs.rglob("*")) if blobs.exists() else []) == before
    assert not [e for e in entries(alice) if e.chat_id == chat_id]  # no message went out
