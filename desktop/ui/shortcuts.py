"""Keyboard: Ctrl+K jumps to a chat (the filter, Enter opens the first match), Alt+Up/Down and
Ctrl+Tab/Ctrl+Shift+Tab move between chats, Escape leaves the filter for the composer, Ctrl+/
shows every shortcut (desktop/ui/overlay.py).

Ctrl+F and Ctrl+Shift+F are left to message search.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QKeyCombination, QObject, Qt
from PySide6.QtGui import QKeyEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import QLineEdit, QPlainTextEdit

from desktop.ui.main_window import MainWindow
from desktop.ui.overlay import ShortcutsOverlay

JUMP_KEYS = QKeyCombination(Qt.KeyboardModifier.ControlModifier, Qt.Key.Key_K)


class _FilterEscape(QObject):
    """Esc in the chat filter clears it, and a second Esc goes on to the composer."""

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self._window = window

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802
        if (
            event.type() == QEvent.Type.KeyPress
            and isinstance(event, QKeyEvent)
            and event.key() == Qt.Key.Key_Escape
        ):
            box = self._window.filter
            if box.text():
                box.clear()
            else:
                self._window.pane.composer.setFocus(Qt.FocusReason.ShortcutFocusReason)
            return True
        return False


class _JumpPassThrough(QObject):
    """Text boxes claim Ctrl+K (delete to end of line); in this window it jumps to a chat.

    Installed on the window's own text boxes only: an application-wide Python event filter sees
    every event of every object, QtWebEngine's internals included, and crashed the call window.
    """

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802
        if (
            event.type() == QEvent.Type.ShortcutOverride
            and isinstance(event, QKeyEvent)
            and event.keyCombination() == JUMP_KEYS
        ):
            event.ignore()  # not claimed by the text box, so the window's shortcut gets it
            return True
        return False


def install(window: MainWindow) -> list[QShortcut]:
    overlay = ShortcutsOverlay(window)

    def key(seq: str, slot: object) -> QShortcut:
        shortcut = QShortcut(QKeySequence(seq), window)
        shortcut.setContext(Qt.ShortcutContext.WindowShortcut)
        shortcut.activated.connect(slot)
        return shortcut

    keys = [
        key("Ctrl+K", lambda: jump(window)),
        key("Alt+Down", lambda: step(window, 1)),
        key("Alt+Up", lambda: step(window, -1)),
        key("Ctrl+Tab", lambda: step(window, 1)),
        key("Ctrl+Shift+Tab", lambda: step(window, -1)),
        key("Ctrl+,", window.open_settings),
        key("Ctrl+/", overlay.toggle),
    ]
    window.filter.installEventFilter(_FilterEscape(window))
    window.filter.returnPressed.connect(lambda: open_first(window))
    passthrough = _JumpPassThrough(window)  # owned by the window (its Qt parent)
    for box in (*window.findChildren(QLineEdit), *window.findChildren(QPlainTextEdit)):
        box.installEventFilter(passthrough)
    return keys


def jump(window: MainWindow) -> None:
    window.filter.setFocus(Qt.FocusReason.ShortcutFocusReason)
    window.filter.selectAll()


def step(window: MainWindow, delta: int) -> None:
    rows = window.chat_proxy.rowCount()
    if rows == 0:
        return
    current = window.chat_list.currentIndex().row()
    row = (current + delta) % rows if current >= 0 else 0
    window.chat_list.setCurrentIndex(window.chat_proxy.index(row, 0))


def open_first(window: MainWindow) -> None:
    if window.chat_proxy.rowCount() == 0:
        return
    window.chat_list.setCurrentIndex(window.chat_proxy.index(0, 0))
    window.filter.clear()
    window.pane.composer.setFocus(Qt.FocusReason.ShortcutFocusReason)
