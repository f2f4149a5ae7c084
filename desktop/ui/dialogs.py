"""Small dialogs: new group chat, new direct chat (user search), invite, profile.

Dialogs only collect input. They are opened with `open()` (not `exec()`), so the asyncio loop keeps
running, and the window acts on `accepted`. The direct-chat dialog gets the one coroutine it needs
(user search) and a runner for it, not the whole app.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Coroutine
from typing import Any

from PySide6.QtCore import QCoreApplication, Qt, QTimer
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QVBoxLayout,
    QWidget,
)

from desktop.core.tr import QT_TRANSLATE_NOOP
from desktop.core.wire import User
from desktop.ui.dialog_actions import error_label
from desktop.ui.signin import label, named

Runner = Callable[[Coroutine[Any, Any, Any]], object]
PLACEHOLDER_PAD = 12  # the line edit's frame and text margin, each side


def _buttons(dialog: QDialog, ok_text: str) -> QDialogButtonBox:
    box = QDialogButtonBox(
        QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
    )
    ok = box.button(QDialogButtonBox.StandardButton.Ok)
    ok.setText(QCoreApplication.translate("dialogs", ok_text))
    named(ok, ok_text)
    named(box.button(QDialogButtonBox.StandardButton.Cancel), "Cancel")
    box.accepted.connect(dialog.accept)
    box.rejected.connect(dialog.reject)
    return box


def _hint(edit: QLineEdit, text: str) -> None:
    """A placeholder the field is wide enough to show whole (Russian's is a third longer)."""
    edit.setPlaceholderText(text)
    edit.setMinimumWidth(edit.fontMetrics().horizontalAdvance(text) + 2 * PLACEHOLDER_PAD)


class NewChatDialog(QDialog):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("New group chat"))
        self.title = QLineEdit()
        self.members = QLineEdit()
        _hint(self.members, self.tr("usernames, separated by commas (optional)"))
        named(self.title, "Chat title")
        named(self.members, "Members")
        form = QFormLayout(self)
        form.addRow(label(self.tr("Title")), self.title)
        form.addRow(label(self.tr("Members")), self.members)
        self.error = error_label()
        form.addRow(self.error)
        self.buttons = _buttons(self, QT_TRANSLATE_NOOP("dialogs", "Create"))
        form.addRow(self.buttons)
        self.setMinimumWidth(420)

    def usernames(self) -> list[str]:
        return [n.strip().lstrip("@") for n in self.members.text().split(",") if n.strip()]


class DirectChatDialog(QDialog):
    """Finds people by name prefix as you type; choosing one opens the direct chat."""

    def __init__(
        self,
        search: Callable[[str], Awaitable[list[User]]],
        run: Runner,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("New direct chat"))
        self._search, self._run = search, run
        self.query = QLineEdit()
        _hint(self.query, self.tr("start typing a username"))
        self.results = QListWidget()
        self.status = QLabel("")
        self.status.setTextFormat(Qt.TextFormat.PlainText)
        named(self.query, "Search users")
        named(self.results, "Users")
        layout = QVBoxLayout(self)
        layout.addWidget(self.query)
        layout.addWidget(self.results)
        layout.addWidget(self.status)
        self.error = error_label()
        layout.addWidget(self.error)
        self.buttons = _buttons(self, QT_TRANSLATE_NOOP("dialogs", "Start chat"))
        layout.addWidget(self.buttons)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(200)
        self._timer.timeout.connect(self._start_search)
        self.query.textChanged.connect(lambda _text: self._timer.start())
        self.results.itemDoubleClicked.connect(lambda _item: self.accept())

    def _start_search(self) -> None:
        prefix = self.query.text().strip().lstrip("@")
        if prefix:
            self._run(self._do_search(prefix))

    async def _do_search(self, prefix: str) -> None:
        users = await self._search(prefix)
        if self.query.text().strip().lstrip("@") != prefix:
            return  # the user typed on; a newer search follows
        self.results.clear()
        for user in users:
            item = QListWidgetItem(f"{user.label} (@{user.username})")
            item.setData(Qt.ItemDataRole.UserRole, user)
            self.results.addItem(item)
        if users:
            self.results.setCurrentRow(0)
        self.status.setText("" if users else self.tr("Nobody found."))

    def chosen(self) -> User | None:
        item = self.results.currentItem()
        user = item.data(Qt.ItemDataRole.UserRole) if item is not None else None
        return user if isinstance(user, User) else None


class InviteDialog(QDialog):
    def __init__(self, chat_title: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Invite to %1").replace("%1", chat_title))
        self.username = QLineEdit()
        named(self.username, "Invite username")
        form = QFormLayout(self)
        form.addRow(label(self.tr("Username")), self.username)
        self.error = error_label()
        form.addRow(self.error)
        self.buttons = _buttons(self, QT_TRANSLATE_NOOP("dialogs", "Invite"))
        form.addRow(self.buttons)
        self.setMinimumWidth(380)


class ProfileDialog(QDialog):
    def __init__(self, me: User, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Profile"))
        self.display_name = QLineEdit(me.display_name)
        self.email = QLineEdit(me.email)
        self.current_password = QLineEdit()
        self.new_password = QLineEdit()
        for w in (self.current_password, self.new_password):
            w.setEchoMode(QLineEdit.EchoMode.Password)
        named(self.display_name, "Display name")
        named(self.email, "Email")
        named(self.current_password, "Current password")
        named(self.new_password, "New password")
        form = QFormLayout(self)
        who = QLabel(f"@{me.username}")
        who.setTextFormat(Qt.TextFormat.PlainText)
        form.addRow(label(self.tr("Username")), who)
        form.addRow(label(self.tr("Display name")), self.display_name)
        form.addRow(label(self.tr("Email")), self.email)
        form.addRow(label(self.tr("Current password")), self.current_password)
        form.addRow(label(self.tr("New password")), self.new_password)
        self.error = error_label()
        form.addRow(self.error)
        self.buttons = _buttons(self, QT_TRANSLATE_NOOP("dialogs", "Save"))
        form.addRow(self.buttons)
