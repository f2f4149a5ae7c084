"""The message composer: Enter sends, Shift+Enter starts a new line.

Up in an empty composer asks to edit my last message; Escape cancels an edit.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QMimeData, Qt, Signal
from PySide6.QtGui import QImage, QKeyEvent
from PySide6.QtWidgets import QPlainTextEdit, QWidget


class Composer(QPlainTextEdit):
    """Plain text only (pasted HTML arrives as its characters)."""

    submitted = Signal()
    edit_last_requested = Signal()
    cancelled = Signal()
    image_pasted = Signal(QImage)  # a pasted image goes to the attachments, not into the text

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setPlaceholderText(
            self.tr("Write a message…  (Enter sends, Shift+Enter for a new line)")
        )
        self.setTabChangesFocus(True)
        self.setMaximumHeight(76)
        # True while the @-mention popup is open: it takes Enter, Tab and Escape (mentions.py)
        self.completing: Callable[[], bool] = lambda: False

    def insertFromMimeData(self, source: QMimeData) -> None:  # noqa: N802
        if source.hasImage():
            self.image_pasted.emit(QImage(source.imageData()))
            return
        super().insertFromMimeData(source)

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802
        key = event.key()
        popup_keys = (Qt.Key.Key_Return, Qt.Key.Key_Enter, Qt.Key.Key_Tab, Qt.Key.Key_Escape)
        if key in popup_keys and self.completing():
            event.ignore()  # the completer's popup chooses (or closes) on these
            return
        enter = key in (Qt.Key.Key_Return, Qt.Key.Key_Enter)
        if enter and not event.modifiers() & Qt.KeyboardModifier.ShiftModifier:
            self.submitted.emit()
            return
        if enter:
            self.insertPlainText("\n")
            return
        if key == Qt.Key.Key_Up and not self.toPlainText():
            self.edit_last_requested.emit()
            return
        if key == Qt.Key.Key_Escape:
            self.cancelled.emit()  # and on to the parent, as before
        super().keyPressEvent(event)
