"""The composer's emoji button: a small popup grid of common emoji that inserts at the cursor.

A curated grid rather than the whole Unicode set: the emoji people use in work chat, in rows of
eight. Arrow keys move, Enter or Space inserts, Esc closes (the popup gives focus back to the
composer); a mouse click inserts too. The picker is a list view in icon mode, so it is one widget
with an item per emoji, not a button per emoji.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, QPoint, QSize, Qt, Signal
from PySide6.QtGui import QFont, QHideEvent, QKeyEvent
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QListView,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from desktop.ui.signin import named

ROWS = (  # eight to a line, as the grid shows them
    "😀 😂 🙂 😉 😊 😍 🤔 😅",
    "😎 🙃 😢 😭 😡 😱 🥳 😴",
    "👍 👎 👌 👏 🙏 💪 🤝 👋",
    "❤️ 🔥 ✨ 🎉 ✅ ❌ ⚠️ ❓",
    "👀 💡 📌 📎 📅 ⏰ 🚀 🐛",
    "☕ 🍕 🍰 🎂 🌟 ☀️ 🌧️ 🏖️",
)
EMOJI = tuple(e for row in ROWS for e in row.split(" "))
COLUMNS = 8
CELL = 36


class EmojiPicker(QFrame):
    """A popup: `chosen` carries the emoji; it closes itself after a choice or on Esc."""

    chosen = Signal(str)
    closed = Signal()  # chosen or not (Esc, a click elsewhere)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent, Qt.WindowType.Popup)
        named(self, "Emoji picker")
        self.grid = named(QListWidget(), "Emoji")
        self.grid.setViewMode(QListView.ViewMode.IconMode)
        self.grid.setMovement(QListView.Movement.Static)
        self.grid.setResizeMode(QListView.ResizeMode.Adjust)
        self.grid.setGridSize(QSize(CELL, CELL))
        self.grid.setSpacing(0)
        self.grid.setUniformItemSizes(True)
        self.grid.setWrapping(True)
        self.grid.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.grid.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        font = QFont(self.grid.font())
        font.setPointSizeF(font.pointSizeF() * 1.5)
        self.grid.setFont(font)
        for emoji in EMOJI:
            item = QListWidgetItem(emoji)
            item.setTextAlignment(Qt.AlignmentFlag.AlignCenter)
            item.setData(Qt.ItemDataRole.AccessibleTextRole, emoji)
            self.grid.addItem(item)
        rows = (len(EMOJI) + COLUMNS - 1) // COLUMNS
        self.grid.setFixedSize(COLUMNS * CELL + 16, rows * CELL + 12)  # and its frame
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.grid)
        self.grid.itemActivated.connect(lambda item: self._choose(item.text()))
        self.grid.itemClicked.connect(lambda item: self._choose(item.text()))
        self.grid.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802
        if watched is self.grid and event.type() == QEvent.Type.KeyPress:
            assert isinstance(event, QKeyEvent)
            if event.key() == Qt.Key.Key_Space and self.grid.currentItem() is not None:
                self._choose(self.grid.currentItem().text())
                return True
        return False

    def popup_at(self, where: QPoint) -> None:
        self.adjustSize()
        self.move(where - QPoint(0, self.sizeHint().height()))
        self.show()
        self.grid.setCurrentRow(0)
        self.grid.setFocus(Qt.FocusReason.PopupFocusReason)

    def hideEvent(self, event: QHideEvent) -> None:  # noqa: N802
        self.closed.emit()
        super().hideEvent(event)

    def _choose(self, emoji: str) -> None:
        self.chosen.emit(emoji)
        self.close()


class EmojiButton(QToolButton):
    """Opens the picker above itself; the chosen emoji goes in at the composer's cursor."""

    def __init__(self, composer: QPlainTextEdit, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        named(self, "Emoji")
        self.setText("🙂")
        self.setToolTip(self.tr("Emoji"))
        self.setAutoRaise(True)
        self.setStyleSheet("font-size: 15pt;")
        self._composer = composer
        self.picker: EmojiPicker | None = None
        self.clicked.connect(self.open_picker)

    def open_picker(self) -> EmojiPicker:
        if self.picker is None:
            self.picker = EmojiPicker(self)
            self.picker.chosen.connect(self._insert)
            self.picker.closed.connect(self._back_to_composer)
        self.picker.popup_at(self.mapToGlobal(QPoint(0, 0)))
        return self.picker

    def _insert(self, emoji: str) -> None:
        self._composer.insertPlainText(emoji)
        self._back_to_composer()

    def _back_to_composer(self) -> None:
        self._composer.window().activateWindow()  # where no window manager does it
        self._composer.setFocus(Qt.FocusReason.PopupFocusReason)


def install(composer: QPlainTextEdit) -> EmojiButton | None:
    """Put the button between the composer and the Send button (the composer's own row)."""
    parent = composer.parentWidget()
    if parent is None:
        return None
    for row in parent.findChildren(QHBoxLayout):
        at = row.indexOf(composer)
        if at >= 0:
            button = EmojiButton(composer, parent)
            row.insertWidget(at + 1, button, 0, Qt.AlignmentFlag.AlignBottom)
            return button
    return None
