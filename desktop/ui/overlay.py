"""The keyboard shortcuts overlay (Ctrl+/): every shortcut of the window, in the UI language.

It lies over the window (a child frame, not a dialog: nothing to move or resize), takes focus so
Esc or Ctrl+/ again closes it, and gives focus back to where it was.
"""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, QEvent, QObject, Qt, QTimer
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QFrame, QGridLayout, QLabel, QVBoxLayout, QWidget

from desktop.core.tr import QT_TRANSLATE_NOOP
from desktop.ui.signin import label, named

SHORTCUTS = (
    ("Ctrl+K", QT_TRANSLATE_NOOP("Shortcuts", "Jump to a chat by name")),
    ("Alt+↑ / Alt+↓", QT_TRANSLATE_NOOP("Shortcuts", "Previous / next chat")),
    ("Ctrl+Tab / Ctrl+Shift+Tab", QT_TRANSLATE_NOOP("Shortcuts", "Next / previous chat")),
    ("Ctrl+F", QT_TRANSLATE_NOOP("Shortcuts", "Search messages in this chat")),
    ("Ctrl+Shift+F", QT_TRANSLATE_NOOP("Shortcuts", "Search messages in all chats")),
    ("Enter", QT_TRANSLATE_NOOP("Shortcuts", "Send the message")),
    ("Shift+Enter", QT_TRANSLATE_NOOP("Shortcuts", "New line in the message")),
    ("↑", QT_TRANSLATE_NOOP("Shortcuts", "Edit my last message (in an empty composer)")),
    ("Ctrl+R", QT_TRANSLATE_NOOP("Shortcuts", "Reply to the selected message")),
    ("Ctrl+E", QT_TRANSLATE_NOOP("Shortcuts", "React to the selected message")),
    ("Esc", QT_TRANSLATE_NOOP("Shortcuts", "Cancel editing; close a panel or this list")),
    ("Ctrl+,", QT_TRANSLATE_NOOP("Shortcuts", "Settings")),
    ("Ctrl+/", QT_TRANSLATE_NOOP("Shortcuts", "Show or hide these shortcuts")),
    ("Ctrl+Q", QT_TRANSLATE_NOOP("Shortcuts", "Quit Parley")),
)


class ShortcutsOverlay(QFrame):
    def __init__(self, window: QWidget) -> None:
        super().__init__(window)
        named(self, "Keyboard shortcuts")
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setAutoFillBackground(True)
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self._return_to: QWidget | None = None
        self.heading = label(self.tr("Keyboard shortcuts"))
        self.heading.setStyleSheet("font-size: 14pt; font-weight: 600;")
        self.hint = label(self.tr("Esc closes this list."))
        self.hint.setProperty("muted", True)
        grid = QGridLayout()
        grid.setHorizontalSpacing(24)
        self.rows: list[tuple[QLabel, QLabel]] = []
        for row, (keys, text) in enumerate(SHORTCUTS):
            key = label(keys)
            key.setStyleSheet("font-weight: 600;")
            what = label(QCoreApplication.translate("Shortcuts", text))
            grid.addWidget(key, row, 0, Qt.AlignmentFlag.AlignRight)
            grid.addWidget(what, row, 1)
            self.rows.append((key, what))
        layout = QVBoxLayout(self)
        layout.setContentsMargins(28, 20, 28, 20)
        layout.addWidget(self.heading)
        layout.addSpacing(8)
        layout.addLayout(grid)
        layout.addSpacing(8)
        layout.addWidget(self.hint)
        self.hide()
        window.installEventFilter(self)

    def toggle(self) -> None:
        if self.isVisible():
            self.close_overlay()
        else:
            self.open_overlay()

    def open_overlay(self) -> None:
        window = self.parentWidget()
        assert window is not None
        self._return_to = window.focusWidget()
        self.adjustSize()
        self._center()
        self.show()
        self.raise_()
        self.setFocus(Qt.FocusReason.ShortcutFocusReason)

    def close_overlay(self) -> None:
        self.hide()
        if self._return_to is not None:
            self._return_to.setFocus(Qt.FocusReason.ShortcutFocusReason)

    def _center(self) -> None:
        window = self.parentWidget()
        if window is not None:
            size = self.sizeHint()
            self.setGeometry(
                (window.width() - size.width()) // 2,
                (window.height() - size.height()) // 3,
                size.width(),
                size.height(),
            )

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802
        if event.key() == Qt.Key.Key_Escape:
            self.close_overlay()
            return
        super().keyPressEvent(event)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802
        if event.type() == QEvent.Type.Resize and self.isVisible():
            self._center()
        return False

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802
        super().changeEvent(event)
        if event.type() == QEvent.Type.LanguageChange and self.isVisible():
            QTimer.singleShot(0, self._center)  # once the texts are in the new language
