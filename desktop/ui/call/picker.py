"""Our own screen/window picker (answering `desktopMediaRequested`) and the sharing bar."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QModelIndex, QSize, Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from desktop.ui.signin import label, named

SOURCE_ROLE = Qt.ItemDataRole.UserRole + 1
PREVIEW = QSize(320, 180)


class SourcePicker(QDialog):
    """Screens and windows by title; Share answers the request with the chosen one."""

    def __init__(self, request: Any, parent: QWidget) -> None:
        super().__init__(parent)
        named(self, "Share your screen")
        self.setWindowTitle(self.tr("Share your screen"))
        self._request = request
        self._answered = False
        self.sources = named(QListWidget(), "Screens and windows")
        for kind, model in (("screen", request.screensModel()), ("window", request.windowsModel())):
            for row in range(model.rowCount()):
                index = model.index(row, 0)
                title = str(model.data(index, Qt.ItemDataRole.DisplayRole) or f"{kind} {row + 1}")
                what = self.tr("Screen: %1") if kind == "screen" else self.tr("Window: %1")
                item = QListWidgetItem(what.replace("%1", title))
                item.setData(SOURCE_ROLE, (kind, row))
                self.sources.addItem(item)
        # Qt offers titles, not thumbnails: a preview of the chosen screen says enough.
        self.preview = named(QLabel(""), "Preview")
        self.preview.setFixedSize(PREVIEW)
        self.sources.currentItemChanged.connect(self._show_preview)
        if self.sources.count():
            self.sources.setCurrentRow(0)
        self.share = named(QPushButton(self.tr("Share")), "Share")
        self.cancel = named(QPushButton(self.tr("Cancel")), "Cancel")
        self.share.clicked.connect(self._share)
        self.cancel.clicked.connect(self.reject)
        self.rejected.connect(self._cancel)
        buttons = QHBoxLayout()
        buttons.addWidget(self.share)
        buttons.addWidget(self.cancel)
        layout = QVBoxLayout(self)
        layout.addWidget(label(self.tr("Choose what to share:")))
        layout.addWidget(self.sources)
        layout.addWidget(self.preview)
        layout.addLayout(buttons)

    def _show_preview(self, item: QListWidgetItem | None, _previous: object = None) -> None:
        self.preview.clear()
        if item is None:
            return
        kind, row = item.data(SOURCE_ROLE)
        screens = QGuiApplication.screens()
        if kind == "screen" and row < len(screens):
            shot = screens[row].grabWindow(0)
            self.preview.setPixmap(shot.scaled(PREVIEW, Qt.AspectRatioMode.KeepAspectRatio))

    def _share(self) -> None:
        item = self.sources.currentItem()
        if item is None:
            return
        kind, row = item.data(SOURCE_ROLE)
        model = self._request.screensModel() if kind == "screen" else self._request.windowsModel()
        index: QModelIndex = model.index(row, 0)
        self._answered = True
        if kind == "screen":
            self._request.selectScreen(index)
        else:
            self._request.selectWindow(index)
        self.accept()

    def _cancel(self) -> None:
        if not self._answered:
            self._answered = True
            self._request.cancel()


def pick_source(request: Any, parent: QWidget) -> SourcePicker:
    picker = SourcePicker(request, parent)
    picker.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    picker.show()
    return picker


class SharingBar(QWidget):
    """Always on top while the screen is shared, with a Stop button."""

    def __init__(self, stop: Callable[[], None]) -> None:
        flags = (
            Qt.WindowType.Tool
            | Qt.WindowType.WindowStaysOnTopHint
            | Qt.WindowType.FramelessWindowHint
        )
        super().__init__(None, flags)
        named(self, "Sharing bar")
        self.setStyleSheet("background:#8a1020; color:white;")
        text = label(self.tr("You are sharing your screen"))
        self.stop = named(QPushButton(self.tr("Stop")), "Stop sharing")
        self.stop.clicked.connect(stop)
        row = QHBoxLayout(self)
        row.addWidget(text, 1)
        row.addWidget(self.stop)
