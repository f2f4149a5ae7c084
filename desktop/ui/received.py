"""The files of sent and received messages, shown inside their bubbles in the message list.

The delegate paints them (desktop/ui/bubble_files.py); this object loads what it paints and does
what a click asks. A preview is the server's small webp, fetched once per file and decoded on a
worker thread with `QImageReader` scaled at decode time (its allocation limit left in place), so
no large image is ever decoded on the GUI thread. Until it arrives the record's tiny
placeholder is shown. Clicking a preview opens the full image in a viewer; a file tile's Save
streams to disk with a progress bar and checks the sha256 against the file's record.
"""

from __future__ import annotations

import asyncio
import base64
import logging
import tempfile
from collections import OrderedDict
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QObject, QSize, Qt, QUrl, Signal
from PySide6.QtGui import QDesktopServices, QGuiApplication, QImage, QImageReader, QPixmap
from PySide6.QtWidgets import QDialog, QFileDialog, QLabel, QVBoxLayout, QWidget
from shiboken6 import isValid

from desktop.core.errors import describe
from desktop.core.files import FileTransfers, RemoteFile
from desktop.core.services import Connection
from desktop.ui.i18n import tr_error
from desktop.ui.signin import named

log = logging.getLogger(__name__)

Runner = Callable[[Coroutine[Any, Any, Any]], object]
DECODE_BOX = QSize(640, 640)  # twice the painted box: sharp on a 2x screen
KEEP_THUMBNAILS = 120  # decoded previews kept (at most ~1.6 MB each)
PARALLEL_FETCHES = 3
PLACEHOLDER_PREFIX = "data:image/webp;base64,"


def decode(data: bytes | None, path: Path | None, box: QSize) -> QImage:
    """Runs on a worker thread: decode at most `box` (shrunk while decoding, never enlarged)."""
    buffer = QBuffer()
    if data is not None:
        buffer.setData(QByteArray(data))
        buffer.open(QIODevice.OpenModeFlag.ReadOnly)
        reader = QImageReader(buffer)
    else:
        reader = QImageReader(str(path))
    reader.setAutoTransform(True)
    size = reader.size()
    if size.isValid() and (size.width() > box.width() or size.height() > box.height()):
        reader.setScaledSize(size.scaled(box, Qt.AspectRatioMode.KeepAspectRatio))
    return reader.read()


class ImageViewer(QDialog):
    """The full image, shown over the window: the thumbnail at once, the original once loaded."""

    def __init__(self, parent: QWidget, f: RemoteFile, first: QImage | None) -> None:
        super().__init__(parent)
        self.file = f
        self.setWindowTitle(f.name)
        named(self, f"Image {f.name}")
        self.image = named(QLabel(), "Full image")
        self.image.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.full = False
        layout = QVBoxLayout(self)
        layout.addWidget(self.image)
        screen = QGuiApplication.primaryScreen().availableGeometry().size()
        self.box = QSize(int(screen.width() * 0.85), int(screen.height() * 0.85))
        if first is not None:
            self.show_image(first, full=False)

    def show_image(self, image: QImage, *, full: bool) -> None:
        """Shown at the original's size (from the record), shrunk to fit the screen."""
        fit = QSize(self.file.width or image.width(), self.file.height or image.height())
        if fit.width() > self.box.width() or fit.height() > self.box.height():
            fit = fit.scaled(self.box, Qt.AspectRatioMode.KeepAspectRatio)
        self.image.setPixmap(
            QPixmap.fromImage(image).scaled(
                fit, Qt.AspectRatioMode.KeepAspectRatio, Qt.TransformationMode.SmoothTransformation
            )
        )
        self.full = full


class InlineFiles(QObject):
    """Previews, downloads and clicks for the files painted in the message list."""

    changed = Signal()  # something painted looks different now: repaint the list
    error_raised = Signal(str)

    def __init__(self, messenger: Connection, run: Runner, parent: QWidget) -> None:
        super().__init__(parent)
        self._messenger, self.run, self._parent = messenger, run, parent
        self._thumbs: OrderedDict[str, QImage] = OrderedDict()
        self._tiny: dict[str, QImage | None] = {}
        self._loading: set[str] = set()
        self._progress: dict[str, float] = {}
        self._gate = asyncio.Semaphore(PARALLEL_FETCHES)
        self.fetched: list[str] = []  # file ids whose thumbnail came from the server
        self.saved: dict[str, Path] = {}
        self.last_progress: dict[str, float] = {}
        self.dialog: QFileDialog | None = None
        self.viewer: ImageViewer | None = None

    def transfers(self) -> FileTransfers:
        assert self._messenger.rest is not None
        return FileTransfers(self._messenger.rest)

    def _changed(self) -> None:
        # A download may still be finishing after its window was closed and this object gone.
        if isValid(self):
            self.changed.emit()

    def _error(self, text: str) -> None:
        if isValid(self):
            self.error_raised.emit(text)

    # -- PreviewSource ----------------------------------------------------------------------

    def thumbnail(self, f: RemoteFile) -> QImage | None:
        image = self._thumbs.get(f.id)
        if image is not None:
            self._thumbs.move_to_end(f.id)
            return image
        if f.id not in self._loading:
            self._loading.add(f.id)
            self.run(self._load(f))
        return None

    def placeholder(self, f: RemoteFile) -> QImage | None:
        """Decoded here on the GUI thread: the record bounds it to a ~24 px webp of <4 KB."""
        if f.id not in self._tiny:
            image: QImage | None = None
            if f.placeholder and f.placeholder.startswith(PLACEHOLDER_PREFIX):
                raw = base64.b64decode(f.placeholder[len(PLACEHOLDER_PREFIX) :], validate=False)
                image = decode(raw, None, QSize(64, 64))
            self._tiny[f.id] = None if image is None or image.isNull() else image
        return self._tiny[f.id]

    def progress(self, file_id: str) -> float | None:
        return self._progress.get(file_id)

    async def _load(self, f: RemoteFile) -> None:
        try:
            async with self._gate:
                data = await self.transfers().thumbnail(f.id)
            image = await asyncio.to_thread(decode, data, None, DECODE_BOX)
        except Exception as exc:  # a preview is optional: the box stays, the file still saves
            log.info("no preview for a file: %s", type(exc).__name__)
            return
        if image.isNull():
            return
        self.fetched.append(f.id)
        self._thumbs[f.id] = image
        while len(self._thumbs) > KEEP_THUMBNAILS:
            evicted, _ = self._thumbs.popitem(last=False)
            self._loading.discard(evicted)
        self._changed()

    # -- clicks -----------------------------------------------------------------------------

    def act(self, action: str, f: RemoteFile) -> None:
        if action == "view":
            self.view(f)
        elif action == "save":
            self.ask_where(f)
        elif action == "open":
            self.run(self.open_file(f))

    def view(self, f: RemoteFile) -> None:
        self.viewer = ImageViewer(self._parent, f, self._thumbs.get(f.id))
        self.viewer.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.viewer.show()
        self.run(self._load_full(self.viewer))

    async def _load_full(self, viewer: ImageViewer) -> None:
        dest = Path(tempfile.mkdtemp(prefix="parley-view-")) / "image"
        try:
            if not await self.save_to(viewer.file, dest):
                return
            image = await asyncio.to_thread(decode, None, dest, viewer.box)
        finally:
            await asyncio.to_thread(dest.unlink, missing_ok=True)
        if not image.isNull() and self.viewer is viewer:
            viewer.show_image(image, full=True)

    def ask_where(self, f: RemoteFile) -> None:
        dialog = QFileDialog(self._parent, self.tr("Save file"))
        dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
        dialog.selectFile(f.name)
        dialog.fileSelected.connect(lambda p: self.run(self.save_to(f, Path(p))))
        dialog.finished.connect(dialog.deleteLater)
        self.dialog = dialog
        dialog.open()

    async def save_to(self, f: RemoteFile, dest: Path) -> bool:
        """Download with progress shown on the tile; True once the bytes match the record."""

        def moved(done: int, total: int) -> None:
            self._progress[f.id] = self.last_progress[f.id] = done / total if total else 0.0
            self._changed()

        try:
            digest = await self.transfers().download(f.id, dest, moved)
        except Exception as exc:
            self._error(self.tr("Download failed: %1").replace("%1", tr_error(describe(exc))))
            return False
        finally:
            self._progress.pop(f.id, None)
            self._changed()
        if digest != f.sha256:
            await asyncio.to_thread(dest.unlink, missing_ok=True)
            self._error(self.tr("The download was damaged on the way; try again."))
            return False
        self.saved[f.id] = dest
        return True

    async def open_file(self, f: RemoteFile) -> None:
        dest = Path(tempfile.mkdtemp(prefix="parley-open-")) / (f.name or "file")
        if await self.save_to(f, dest):
            QDesktopServices.openUrl(QUrl.fromLocalFile(str(dest)))


def install_received_files(pane: Any) -> InlineFiles:
    """Wire a chat pane: its delegate paints files in the bubbles, clicks on them act."""
    files = InlineFiles(pane._messenger, pane._run, pane)
    files.error_raised.connect(pane.error_raised)
    files.changed.connect(pane.view.viewport().update)
    pane._delegate.files = files
    return files
