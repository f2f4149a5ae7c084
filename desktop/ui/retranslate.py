"""Live language switching: choosing a language in the settings retranslates the open windows.

Every widget translated its texts once, when it was built. Rather than every widget keeping a
`retranslate()` of its own, a switch remembers, for the language being left, which catalogue
entry (context, source) produced each text; the windows' `QEvent.LanguageChange` (which Qt sends
to every widget when a translator is installed) then looks each shown text up in that map and puts
the new language's translation in its place. The catalogue entries come from the committed
`parley_ru.ts` (the list of every string the code marks); texts built from values (a chat's
title, "%n unread") are not in the map and are redrawn by the refreshers given to `follow`.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Callable
from functools import cache

from PySide6.QtCore import QCoreApplication, QEvent, QObject
from PySide6.QtWidgets import (
    QAbstractButton,
    QComboBox,
    QGroupBox,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QTabWidget,
    QTreeWidget,
    QWidget,
)

from desktop.ui import i18n
from desktop.ui.theme import assets_dir

Entry = tuple[str, str]  # (context, source)
ACCESSIBLE = "Accessible"

_previous: dict[str, list[Entry]] = {}  # text in the language being left -> its entries


@cache
def catalogue() -> tuple[Entry, ...]:
    """Every (context, source) the code marks for translation (plural entries left out)."""
    path = assets_dir() / "i18n" / "parley_ru.ts"
    root = ET.parse(path).getroot()  # noqa: S314 - our own catalogue, shipped with the app
    out: list[Entry] = []
    for context in root.iter("context"):
        name = context.findtext("name") or ""
        for message in context.iter("message"):
            source = message.findtext("source")
            if source and message.get("numerus") != "yes":
                out.append((name, source))
    return tuple(out)


def _snapshot() -> dict[str, list[Entry]]:
    shown: dict[str, list[Entry]] = {}
    for context, source in catalogue():
        shown.setdefault(QCoreApplication.translate(context, source), []).append((context, source))
    return shown


def switch(choice: str) -> str:
    """Install `choice`'s translators; the open windows retranslate on the LanguageChange."""
    _previous.clear()
    _previous.update(_snapshot())
    return i18n.install(choice)


def again(text: str, owners: tuple[str, ...] = (), accessible: bool = False) -> str:
    """`text` in the language now installed, if the language being left produced it.

    One English text can come from several contexts ("Sign out" is "Выйти" in the window and
    "Завершить сеанс" on the sessions page): the nearest enclosing class's context wins.
    """
    found = _previous.get(text)
    if not text or not found:
        return text
    if accessible:
        preferred = [e for e in found if e[0] == ACCESSIBLE]
    else:
        rank: dict[str, int] = {}
        for i, name in enumerate(owners):
            rank.setdefault(name, i)  # the nearest occurrence
        preferred = sorted(
            (e for e in found if e[0] != ACCESSIBLE), key=lambda e: rank.get(e[0], len(owners))
        )
    context, source = (preferred or found)[0]
    return QCoreApplication.translate(context, source)


def _owners(w: QWidget) -> tuple[str, ...]:
    """The class names of `w` and its ancestors, nearest first: the `tr()` contexts it may use."""
    names: list[str] = []
    node: QObject | None = w
    while node is not None:
        names.extend(c.__name__ for c in type(node).__mro__[:-1])
        node = node.parent()
    return tuple(names)


def widget(w: QWidget) -> None:
    """One widget's own texts (not its children's)."""
    owners = _owners(w)

    def tr(text: str) -> str:
        return again(text, owners)

    if isinstance(w, QLabel | QAbstractButton):
        w.setText(tr(w.text()))
    if isinstance(w, QLineEdit | QPlainTextEdit):
        w.setPlaceholderText(tr(w.placeholderText()))
    if isinstance(w, QComboBox):
        for i in range(w.count()):
            w.setItemText(i, tr(w.itemText(i)))
    if isinstance(w, QTabWidget):
        for i in range(w.count()):
            w.setTabText(i, tr(w.tabText(i)))
    if isinstance(w, QGroupBox):
        w.setTitle(tr(w.title()))
    if isinstance(w, QTreeWidget):
        header = w.headerItem()
        for i in range(header.columnCount()):
            header.setText(i, tr(header.text(i)))
    w.setToolTip(tr(w.toolTip()))
    w.setWindowTitle(tr(w.windowTitle()))
    w.setAccessibleName(again(w.accessibleName(), accessible=True))
    for action in w.actions():
        action.setText(tr(action.text()))


def tree(root: QWidget) -> None:
    for w in (root, *root.findChildren(QWidget)):
        widget(w)


class _OnLanguageChange(QObject):
    """Installed on each top-level window (never application-wide): retranslates its tree."""

    def __init__(self, window: QWidget, refreshers: tuple[Callable[[], None], ...]) -> None:
        super().__init__(window)
        self.refreshers = list(refreshers)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802
        changed = event.type() == QEvent.Type.LanguageChange
        if changed and _previous and isinstance(watched, QWidget):
            tree(watched)
            for refresh in self.refreshers:
                refresh()
        return False


def follow(window: QWidget, *refreshers: Callable[[], None]) -> None:
    """Retranslate `window` (and its dialogs) whenever the language is switched; then call
    `refreshers`, which redraw what was built from values."""
    window.installEventFilter(_OnLanguageChange(window, refreshers))


def also(window: QWidget, refresh: Callable[[], None]) -> None:
    """One more redraw for `window`'s language switches (a widget installed after `follow`)."""
    found = window.findChild(_OnLanguageChange)
    if found is not None:
        found.refreshers.append(refresh)
