"""The chat list model and the roles both list models speak (see `message_model` for messages).

Models are `QAbstractListModel`s read by delegates: no widget per row.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import (
    QAbstractListModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QSortFilterProxyModel,
    Qt,
)

from desktop.core.services import ChatList
from desktop.core.wire import Message

Index = QModelIndex | QPersistentModelIndex

CHAT_ID_ROLE = Qt.ItemDataRole.UserRole + 1
CHAT_ROLE = Qt.ItemDataRole.UserRole + 2
ACTIVITY_ROLE = Qt.ItemDataRole.UserRole + 3
UNREAD_ROLE = Qt.ItemDataRole.UserRole + 4
PREVIEW_ROLE = Qt.ItemDataRole.UserRole + 5
PRESENCE_ROLE = Qt.ItemDataRole.UserRole + 6  # None for group chats, else bool

ENTRY_ROLE = Qt.ItemDataRole.UserRole + 10
SENDER_ROLE = Qt.ItemDataRole.UserRole + 11  # display name, or "" when the previous row is his
NEW_DAY_ROLE = Qt.ItemDataRole.UserRole + 12  # True when this row starts a new day
MINE_ROLE = Qt.ItemDataRole.UserRole + 13
LAYOUT_ROLE = Qt.ItemDataRole.UserRole + 14  # (entry, new_day, sender, mine) in one call


class ChatListModel(QAbstractListModel):
    """One row per chat of the signed-in user, in no particular order (the proxy sorts)."""

    def __init__(self, messenger: ChatList, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._messenger = messenger
        self._ids: list[str] = []

    def reload(self) -> None:
        self.beginResetModel()
        self._ids = list(self._messenger.chats)
        self.endResetModel()

    def chat_changed(self, chat_id: str) -> None:
        try:
            row = self._ids.index(chat_id)
        except ValueError:
            self.reload()
            return
        index = self.index(row)
        self.dataChanged.emit(index, index)

    def all_changed(self) -> None:
        if self._ids:
            self.dataChanged.emit(self.index(0), self.index(len(self._ids) - 1))

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008, N802
        return 0 if parent.isValid() else len(self._ids)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or index.row() >= len(self._ids):
            return None
        chat = self._messenger.chats.get(self._ids[index.row()])
        if chat is None:
            return None
        m = self._messenger
        if role == Qt.ItemDataRole.DisplayRole:
            return m.chat_title(chat)
        if role == CHAT_ID_ROLE:
            return chat.id
        if role == CHAT_ROLE:
            return chat
        if role == ACTIVITY_ROLE:
            return chat.activity.timestamp()
        if role == UNREAD_ROLE:
            return chat.unread
        if role == PREVIEW_ROLE:
            last = chat.last_message
            if last is None:
                return self.tr("No messages yet")
            if last.deleted:
                return self.tr("Message deleted")
            who = self.tr("You") if m.me is not None and last.sender_id == m.me.id else None
            who = who or m.users.label(last.sender_id)
            return f"{who}: {_preview_text(last)}"
        if role == PRESENCE_ROLE:
            return m.presence.is_online(chat.peer_id) if chat.is_direct and chat.peer_id else None
        if role == Qt.ItemDataRole.AccessibleTextRole:
            unread = self.tr(", %n unread", "", chat.unread) if chat.unread else ""
            return f"{m.chat_title(chat)}{unread}"
        return None


class ChatFilterModel(QSortFilterProxyModel):
    """Sorts by last activity (newest first) and filters by the title typed in the filter box."""

    def __init__(self, source: ChatListModel, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.setSourceModel(source)
        self.setSortRole(ACTIVITY_ROLE)
        self.setFilterCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.setDynamicSortFilter(True)
        self.sort(0, Qt.SortOrder.DescendingOrder)

    def row_of(self, chat_id: str) -> int | None:
        for row in range(self.rowCount()):
            if self.index(row, 0).data(CHAT_ID_ROLE) == chat_id:
                return row
        return None


def _preview_text(last: Message) -> str:
    """The message's text on one line; a message of files only names its files (not "You:")."""
    text = " ".join(last.text.split())
    names = ", ".join(str(a.get("name") or "") for a in last.attachments)
    return text or (f"\N{PAPERCLIP} {names}" if names else "")
