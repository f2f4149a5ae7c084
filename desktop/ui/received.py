"""The files of a message: image previews (the server's thumbnail) and tiles with Save and Open.

Shown under the messages when a message with attachments is clicked. A preview is the server's
small webp, decoded on a worker thread; the full image opens in the system viewer. Saving
streams to disk with a progress bar and checks the sha256 against the file's record.
"""

from __future__ import annotations

import asyncio
import logging
import tempfile
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, QUrl, Signal
from PySide6.QtGui import QDesktopServices, QImage, QPixmap
from PySide6.QtWidgets import (
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from desktop.core.errors import describe
from desktop.core.files import FileTransfers, RemoteFile
from desktop.core.services import Connection
from desktop.core.timeline import Entry
from desktop.ui.attachments import human_size
from desktop.ui.signin import label, named

log = logging.getLogger(__name__)

Runner = Callable[[Coroutine[Any, Any, Any]], object]
PREVIEW_PX = 240


class FileTile(QWidget):
    """One received file: preview (images), name, size, Save, Open, download progress."""

    def __init__(self, panel: ReceivedFiles, f: RemoteFile) -> None:
        super().__init__(panel)
        self.file, self._panel = f, panel
        self.preview = named(QLabel(), f"Preview {f.name}")
        self.preview.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.preview.setVisible(f.is_image)
        self.name = label(f"{f.name}  ·  {human_size(f.size)}")
        self.progress = named(QProgressBar(), f"Download progress {f.name}")
        self.progress.setRange(0, 1000)
        self.progress.hide()
        self.save = named(QPushButton("Save…"), f"Save {f.name}")
        self.open = named(QPushButton("Open"), f"Open {f.name}")
        self.save.clicked.connect(self._ask_where)
        self.open.clicked.connect(lambda: panel.run(self.open_file()))
        buttons = QHBoxLayout()
        buttons.addWidget(self.name, 1)
        buttons.addWidget(self.save)
        buttons.addWidget(self.open)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        layout.addWidget(self.preview)
        layout.addLayout(buttons)
        layout.addWidget(self.progress)
        self.dialog: QFileDialog | None = None
        self.saved: Path | None = None

    def _ask_where(self) -> None:
        dialog = QFileDialog(self, "Save file")
        dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
        dialog.selectFile(self.file.name)
        dialog.fileSelected.connect(lambda p: self._panel.run(self.save_to(Path(p))))
        dialog.finished.connect(dialog.deleteLater)
        self.dialog = dialog
        dialog.open()

    async def load_preview(self) -> None:
        data = await self._panel.transfers().thumbnail(self.file.id)
        image = await asyncio.to_thread(QImage.fromData, data)
        if not image.isNull():
            self.preview.setPixmap(
                QPixmap.fromImage(image).scaled(
                    PREVIEW_PX, PREVIEW_PX, Qt.AspectRatioMode.KeepAspectRatio
                )
            )

    def _progress(self, done: int, total: int) -> None:
        self.progress.show()
        self.progress.setValue(int(1000 * done / total) if total else 0)

    async def save_to(self, dest: Path) -> None:
        try:
            digest = await self._panel.transfers().download(self.file.id, dest, self._progress)
        except Exception as exc:
            self._panel.error_raised.emit(f"Download failed: {describe(exc)}")
            return
        if digest != self.file.sha256:
            await asyncio.to_thread(dest.unlink, missing_ok=True)
            self._panel.error_raised.emit("The download was damaged on the way; try again.")
            return
        self.progress.setValue(1000)
        self.saved = dest

    async def open_file(self) -> None:
        dest = Path(tempfile.mkdtemp(prefix="parley-open-")) / (self.file.name or "file")
        await self.save_to(dest)
        if self.saved == dest:
            QDesktopServices.openUrl(QUrl.fromLocalFile(str(dest)))


class ReceivedFiles(QWidget):
    """The attachments of the message last clicked; hidden for messages without any."""

    error_raised = Signal(str)

    def __init__(self, messenger: Connection, run: Runner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._messenger, self.run = messenger, run
        self.tiles: list[FileTile] = []
        self.entry: Entry | None = None
        self._layout = QHBoxLayout(self)
        self._layout.setContentsMargins(0, 0, 0, 0)
        named(self, "Message files")
        self.hide()

    def transfers(self) -> FileTransfers:
        assert self._messenger.rest is not None
        return FileTransfers(self._messenger.rest)

    def show_entry(self, entry: Entry | None) -> None:
        for tile in self.tiles:
            tile.deleteLater()
        self.tiles = []
        self.entry = entry
        files = [] if entry is None or entry.deleted else list(entry.attachments)
        for data in files:
            tile = FileTile(self, RemoteFile.from_json(data))
            self.tiles.append(tile)
            self._layout.addWidget(tile)
            if tile.file.is_image:
                self.run(tile.load_preview())
        self.setVisible(bool(self.tiles))


def install_received_files(pane: Any) -> ReceivedFiles:
    """Wire a chat pane: clicking a message shows its files under the messages."""
    panel = ReceivedFiles(pane._messenger, pane._run, pane)
    panel.error_raised.connect(pane.error_raised)
    pane.view.clicked.connect(lambda index: panel.show_entry(pane.model.entry(index.row())))
    return panel
