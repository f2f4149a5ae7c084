"""@-mentions in the composer: typing "@al" offers the chat's members whose username or name
starts with "al"; choosing one (Enter, Tab or a click) writes "@alice " in its place.

A `QCompleter` on the composer with a small list model of at most a few names (not a widget per
name); the composer lets the popup take Enter, Tab and Escape while it is open.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from PySide6.QtCore import QObject, QStringListModel, Qt
from PySide6.QtWidgets import QCompleter

from desktop.core.wire import User
from desktop.ui.composer import Composer

# "@" and what follows it up to the cursor, when it starts a word.
_TYPED = re.compile(r"(?:^|(?<=[\s(]))@(\w{0,32})$")

Suggest = Callable[[str], list[User]]


class MentionCompleter(QObject):
    def __init__(self, composer: Composer, suggest: Suggest) -> None:
        super().__init__(composer)
        self._composer, self._suggest = composer, suggest
        self._names = QStringListModel(self)
        self._users: list[User] = []
        self.completer = QCompleter(self._names, self)
        self.completer.setWidget(composer)
        self.completer.setCompletionMode(QCompleter.CompletionMode.UnfilteredPopupCompletion)
        self.completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        popup = self.completer.popup()
        assert popup is not None
        self.popup = popup
        popup.setAccessibleName("Mention suggestions")
        self.completer.activated.connect(self._chosen)  # the text of the chosen row
        composer.textChanged.connect(self._typed)
        composer.completing = popup.isVisible

    def suggestions(self) -> list[str]:
        return self._names.stringList()

    def _prefix(self) -> str | None:
        cursor = self._composer.textCursor()
        before = self._composer.toPlainText()[: cursor.position()]
        found = _TYPED.search(before)
        return found.group(1) if found else None

    def _typed(self) -> None:
        prefix = self._prefix()
        self._users = self._suggest(prefix) if prefix is not None else []
        if not self._users:
            self.popup.hide()
            return
        self._names.setStringList([f"@{u.username}  {u.display_name}" for u in self._users])
        rect = self._composer.cursorRect()
        rect.setWidth(260)
        self.completer.complete(rect)
        self.popup.setCurrentIndex(self._names.index(0))

    def _chosen(self, label: str) -> None:
        username = label.split()[0].removeprefix("@")
        prefix = self._prefix()
        if prefix is None:
            return
        cursor = self._composer.textCursor()
        for _ in range(len(prefix) + 1):
            cursor.deletePreviousChar()
        cursor.insertText(f"@{username} ")
        self._composer.setTextCursor(cursor)
        self.popup.hide()
