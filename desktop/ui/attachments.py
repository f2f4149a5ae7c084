"""Files picked for the next message: a tray of tiles above the composer.

Files arrive by drag and drop, a pasted image, or the picker (Ctrl+U). Each tile shows the name,
the size, a small preview for images (scaled by `QImageReader` on a worker thread, its allocation
limit kept, so nothing large is decoded on the GUI thread) and a Remove button; while sending,
each tile shows its upload's progress, and Remove cancels that upload (the server keeps nothing).
A server that is away or failing is waited for (the tile says it is retrying; Cancel still
works), as the journal's resumed sends wait (`file_sends.upload_file`); a refusal gives the
files and words back. The message goes out once every file is up, under one `client_msg_id`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import tempfile
import uuid
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any

import shiboken6
from PySide6.QtCore import QEvent, QObject, QSize, Qt, Signal
from PySide6.QtGui import (
    QDragEnterEvent,
    QDragMoveEvent,
    QDropEvent,
    QImage,
    QImageReader,
    QKeySequence,
    QPixmap,
    QShortcut,
)
from PySide6.QtWidgets import (
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from desktop.core import file_sends
from desktop.core.errors import FileTooLargeError, check_file, describe
from desktop.core.file_sends import PendingSend
from desktop.core.files import FileTransfers, RemoteFile
from desktop.core.limits import human_size
from desktop.core.services import Outbox
from desktop.core.wire import JSON
from desktop.ui.bubble_files import ICON_PX, file_icon
from desktop.ui.i18n import tr_error
from desktop.ui.signin import label, named

log = logging.getLogger(__name__)

Runner = Callable[[Coroutine[Any, Any, Any]], object]
PREVIEW_PX = 48
MAX_FILES = 10


def scaled_preview(path: Path, px: int) -> QImage:
    """On a worker thread: decode at most a `px` square, whatever the file declares."""
    reader = QImageReader(str(path))
    size = reader.size()
    if size.isValid() and size.width() > 0 and size.height() > 0:
        reader.setScaledSize(size.scaled(QSize(px, px), Qt.AspectRatioMode.KeepAspectRatio))
    return reader.read()


class Tile(QWidget):
    removed = Signal(object)

    def __init__(self, path: Path, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.path = path
        self.file_size = path.stat().st_size
        self.task: asyncio.Task[RemoteFile] | None = None
        self.uploaded: RemoteFile | None = None
        self.removing = False
        self.preview = QLabel()
        self.preview.setFixedSize(PREVIEW_PX, PREVIEW_PX)
        self.preview.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.preview.setPixmap(file_icon().pixmap(ICON_PX, ICON_PX))  # until an image replaces it
        self.name = named(label(path.name), f"Attachment {path.name}")
        self.bytes = label(human_size(self.file_size))
        self.bytes.setStyleSheet("color: #6b6f76;")
        self.progress = named(QProgressBar(), f"Upload progress {path.name}")
        self.progress.setRange(0, 1000)
        self.progress.hide()
        self.status = named(label(""), f"Upload status {path.name}")
        self.status.setProperty("muted", True)
        self.status.setWordWrap(True)
        self.status.hide()
        self.remove = named(QPushButton(self.tr("Remove")), f"Remove {path.name}")
        self.remove.clicked.connect(lambda: self.removed.emit(self))
        text = QVBoxLayout()
        text.addWidget(self.name)
        text.addWidget(self.bytes)
        text.addWidget(self.progress)
        text.addWidget(self.status)
        row = QHBoxLayout(self)
        row.setContentsMargins(2, 2, 2, 2)
        row.addWidget(self.preview)
        row.addLayout(text, 1)
        row.addWidget(self.remove)

    def show_progress(self, done: int, total: int) -> None:
        self.progress.show()
        self.progress.setValue(int(1000 * done / total) if total else 1000)

    def show_retrying(self, reason: str) -> None:
        """The server failed this upload (`reason`; "" once it goes on): while it waits to try
        again the tile says so, with no bar standing at a share the server did not keep."""
        waiting = bool(reason)
        self.status.setText(
            self.tr("Waiting for the server, then trying again…") if waiting else ""
        )
        self.status.setVisible(waiting)
        if waiting:
            self.progress.hide()

    def set_preview(self, image: QImage) -> None:
        if not image.isNull():
            self.preview.setPixmap(QPixmap.fromImage(image))


class AttachmentTray(QWidget):
    """Holds the tiles; `send` uploads them all, then sends the message with their ids."""

    error_raised = Signal(str)
    changed = Signal()

    def __init__(self, messenger: Outbox, run: Runner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._messenger, self._run = messenger, run
        self.tiles: list[Tile] = []
        self.dialog: QFileDialog | None = None
        self._paste_dir = Path(tempfile.mkdtemp(prefix="parley-paste-"))
        self._layout = QVBoxLayout(self)
        self._layout.setContentsMargins(0, 0, 0, 0)
        named(self, "Attachments")
        self.hide()

    @property
    def has_files(self) -> bool:
        return bool(self.tiles)

    def add_paths(self, paths: list[Path]) -> None:
        for path in paths:
            if len(self.tiles) >= MAX_FILES:
                self.error_raised.emit(
                    self.tr("A message takes at most %1 files.").replace("%1", str(MAX_FILES))
                )
                break
            if not path.is_file() or not self._fits(path):
                continue
            tile = Tile(path, self)
            tile.removed.connect(self._remove)
            self.tiles.append(tile)
            self._layout.addWidget(tile)
            self._run(self._load_preview(tile))
        self.setVisible(self.has_files)
        self.changed.emit()

    def _fits(self, path: Path) -> bool:
        """A file over the server's upload limit is refused here, before a byte is sent."""
        try:
            check_file(path)
        except FileTooLargeError as exc:
            self.error_raised.emit(describe(exc))
            return False
        return True

    def add_image(self, image: QImage) -> None:
        """A pasted image becomes a PNG file like any other."""
        path = self._paste_dir / f"pasted-{uuid.uuid4().hex[:8]}.png"
        if image.save(str(path)):  # the format follows the suffix
            self.add_paths([path])

    def pick(self) -> None:
        """The file picker, opened without blocking the event loop."""
        dialog = QFileDialog(self, self.tr("Attach files"))
        dialog.setFileMode(QFileDialog.FileMode.ExistingFiles)
        dialog.filesSelected.connect(lambda files: self.add_paths([Path(f) for f in files]))
        dialog.finished.connect(dialog.deleteLater)
        self.dialog = dialog
        dialog.open()

    async def _load_preview(self, tile: Tile) -> None:
        with contextlib.suppress(Exception):  # not an image, or unreadable: no preview
            image = await asyncio.to_thread(scaled_preview, tile.path, PREVIEW_PX)
            tile.set_preview(image)

    def _remove(self, tile: Tile) -> None:
        if tile.task is not None and not tile.task.done():
            tile.removing = True  # the user's cancel, not the app quitting: nothing stays
            tile.task.cancel()  # the server drops what it got
        if tile in self.tiles:
            self.tiles.remove(tile)
        tile.deleteLater()
        self.setVisible(self.has_files)
        self.changed.emit()

    def clear(self) -> None:
        for tile in list(self.tiles):
            self._remove(tile)

    async def send(self, chat_id: str, text: str, reply_to_seq: int | None = None) -> bool:
        """Upload every file (one at a time, with progress), then send the message. Until it
        is sent it is remembered on disk: quitting mid-upload goes on at the next start.
        False when it did not go (a refusal, or a file removed mid-upload): the files stay in
        the tray and the caller gives the words back to the composer."""
        rest = self._messenger.rest
        paths = [t.path for t in self.tiles]
        pending = self._messenger.begin_files(chat_id, text, paths, reply_to_seq)
        if rest is None or pending is None:
            return False
        transfers = FileTransfers(rest)
        tiles = list(self.tiles)
        for tile in tiles:
            tile.remove.setText(self.tr("Cancel"))
        files: list[JSON] = []
        try:
            for index, tile in enumerate(tiles):
                if tile.uploaded is None:
                    tile.task = asyncio.ensure_future(self._upload(transfers, pending, index, tile))
                    tile.uploaded = await tile.task
                pending.uploaded(index, tile.uploaded.record())
                files.append(tile.uploaded.record())
        except asyncio.CancelledError:
            if any(t.removing for t in tiles):
                # a cancel while waiting to retry: the server drops the session it kept, once
                # it can (it may be the one failing; the journal keeps asking, across restarts
                # too); the composer does not wait for that
                self._run(pending.cancelled(rest))
                return False  # the user removed a file mid-upload: the rest stays for another try
            raise  # the app is quitting: the next start goes on with it
        except Exception as exc:
            pending.done()
            self.error_raised.emit(
                self.tr("Upload failed: %1").replace("%1", tr_error(describe(exc)))
            )
            for tile in tiles:
                tile.remove.setText(self.tr("Remove"))
                if tile.uploaded is None:  # not on the server: no bar stuck half-way
                    tile.progress.hide()
            return False
        self.clear()
        await self._messenger.send(chat_id, text, tuple(files), pending.client_msg_id, reply_to_seq)
        pending.done()
        return True

    @staticmethod
    async def _upload(
        transfers: FileTransfers, pending: PendingSend, index: int, tile: Tile
    ) -> RemoteFile:
        try:
            return await file_sends.upload_file(
                transfers,
                pending,
                index,
                tile.show_progress,
                lambda: tile.removing,
                tile.show_retrying,
            )
        finally:
            if shiboken6.isValid(tile):
                tile.show_retrying("")


class _Drops(QObject):
    """Files dropped anywhere on the chat pane go to its attachments (the composer would
    otherwise insert their paths as text)."""

    def __init__(self, tray: AttachmentTray, parent: QObject) -> None:
        super().__init__(parent)
        self._tray = tray

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802
        kind = event.type()
        if kind in (QEvent.Type.DragEnter, QEvent.Type.DragMove):
            drag = event
            assert isinstance(drag, QDragEnterEvent | QDragMoveEvent)
            if drag.mimeData().hasUrls():
                drag.acceptProposedAction()
                return True
        elif kind == QEvent.Type.Drop:
            drop = event
            assert isinstance(drop, QDropEvent)
            urls = [u for u in drop.mimeData().urls() if u.isLocalFile()]
            if urls:
                self._tray.add_paths([Path(u.toLocalFile()) for u in urls])
                drop.acceptProposedAction()
                return True
        return False


def install_file_hooks(pane: Any) -> None:
    """Wire a chat pane: drops on it, its messages view or its composer; paste; Ctrl+U."""
    tray: AttachmentTray = pane.attachments
    drops = _Drops(tray, pane)
    for widget in (pane, pane.view.viewport(), pane.composer, pane.composer.viewport()):
        widget.setAcceptDrops(True)
        widget.installEventFilter(drops)
    pane.composer.image_pasted.connect(tray.add_image)
    shortcut = QShortcut(QKeySequence("Ctrl+U"), pane)
    shortcut.activated.connect(tray.pick)
