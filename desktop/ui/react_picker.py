"""The quick reaction picker: the same list in the context menu's "React" submenu and in the
popup that Ctrl+E opens on the selected message, so reacting needs no mouse.

Its rows are the quick reactions, then every other emoji already on the message (so each chip
can be toggled from the keyboard too); a row I have already chosen is checked, and choosing it
again takes my reaction back. A QMenu gives arrow keys, Enter and Esc for free.
"""

from __future__ import annotations

import functools
from collections.abc import Callable

from PySide6.QtCore import QCoreApplication, QPoint, Qt
from PySide6.QtWidgets import QMenu, QWidget

from desktop.core.timeline import Entry

QUICK_REACTIONS = ("👍", "❤️", "😂", "😮", "😢", "🎉")

EMOJI_SCALE = 1.5
React = Callable[[Entry, str, bool], None]  # (message, emoji, on)


def choices(entry: Entry) -> list[str]:
    """The quick reactions, then the message's other emoji in the order they were first used."""
    extra = [e for e, users in entry.reactions.items() if users and e not in QUICK_REACTIONS]
    return [*QUICK_REACTIONS, *extra]


def fill(menu: QMenu, entry: Entry, me: str | None, react: React) -> None:
    """One checkable row per choice; triggering it adds my reaction, or takes it back."""
    font = menu.font()
    font.setPointSizeF(font.pointSizeF() * EMOJI_SCALE)  # emoji read at a glance
    menu.setFont(font)
    for emoji in choices(entry):
        on = me is None or me not in entry.reactions.get(emoji, [])
        action = menu.addAction(emoji, functools.partial(react, entry, emoji, on))
        action.setCheckable(True)
        action.setChecked(not on)


def popup(parent: QWidget, at: QPoint, entry: Entry, me: str | None, react: React) -> QMenu:
    """The picker on its own, at `at` (global), its first row active so arrows and Enter work."""
    menu = QMenu(parent)
    menu.setObjectName("React picker")
    menu.setAccessibleName(QCoreApplication.translate("Conversation", "React"))
    menu.setTitle(QCoreApplication.translate("Conversation", "React"))
    fill(menu, entry, me, react)
    menu.aboutToHide.connect(lambda: _give_back(parent))
    menu.popup(at)
    menu.setActiveAction(menu.actions()[0])
    return menu


def _give_back(widget: QWidget) -> None:
    """The keyboard returns to the messages, the selection kept, for the next key."""
    widget.window().activateWindow()  # where no window manager does it
    widget.setFocus(Qt.FocusReason.PopupFocusReason)
