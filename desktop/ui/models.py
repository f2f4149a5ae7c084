"""List models over the core's state: the chat list and the open chat's timeline.

Both are `QAbstractListModel`s read by delegates; no widget per row, so a chat with 10,000
messages costs one small Python object per message and nothing per row in Qt.
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

from desktop.core.app import Messenger
from desktop.core.timeline import Entry, Timeline

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

    def __init__(self, messenger: Messenger, parent: QObject | None = None) -> None:
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
                return "No messages yet"
            if last.deleted:
                return "Message deleted"
            who = "You" if m.me is not None and last.sender_id == m.me.id else None
            who = who or m.users.label(last.sender_id)
            return f"{who}: {' '.join(last.text.split())}"
        if role == PRESENCE_ROLE:
            return m.presence.get(chat.peer_id, False) if chat.is_direct and chat.peer_id else None
        if role == Qt.ItemDataRole.AccessibleTextRole:
            unread = f", {chat.unread} unread" if chat.unread else ""
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


class MessageModel(QAbstractListModel):
    """The rows of one `Timeline`; it is the timeline's observer while shown."""

    def __init__(self, messenger: Messenger, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._messenger = messenger
        self._timeline: Timeline | None = None
        # Row looks by entry identity: the view asks for every row's size after each insert,
        # and a page of history at the top of 10,000 rows must not recompute all of them.
        self._layouts: dict[int, tuple[Entry, bool, str, bool]] = {}
        self._inserting: tuple[int, int] = (0, -1)

    @property
    def timeline(self) -> Timeline | None:
        return self._timeline

    def show(self, timeline: Timeline | None) -> None:
        self.beginResetModel()
        self._layouts.clear()
        if self._timeline is not None:
            self._timeline.observer = _Detached()
        self._timeline = timeline
        if timeline is not None:
            timeline.observer = self
        self.endResetModel()

    def entry(self, row: int) -> Entry | None:
        tl = self._timeline
        return tl.row(row) if tl is not None and 0 <= row < len(tl) else None

    # -- TimelineObserver -------------------------------------------------------------------

    def begin_insert(self, first: int, last: int) -> None:
        self._inserting = (first, last)
        self.beginInsertRows(QModelIndex(), first, last)

    def end_insert(self) -> None:
        self.endInsertRows()
        self._forget_row(self._inserting[1] + 1)  # its predecessor changed

    def begin_remove(self, first: int, last: int) -> None:
        self._inserting = (first, last)
        self.beginRemoveRows(QModelIndex(), first, last)

    def end_remove(self) -> None:
        self.endRemoveRows()
        self._forget_row(self._inserting[0])

    def row_changed(self, row: int) -> None:
        self._forget_row(row)
        index = self.index(row)
        self.dataChanged.emit(index, index)

    def begin_reset(self) -> None:
        self.beginResetModel()
        self._layouts.clear()

    def end_reset(self) -> None:
        self.endResetModel()

    def names_changed(self) -> None:
        """Display names were learnt: repaint (sizes do not depend on the names)."""
        self._layouts.clear()
        if self.rowCount():
            self.dataChanged.emit(self.index(0), self.index(self.rowCount() - 1))

    def _forget_row(self, row: int) -> None:
        entry = self.entry(row)
        if entry is not None:
            self._layouts.pop(id(entry), None)

    # -- QAbstractListModel -----------------------------------------------------------------

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008, N802
        tl = self._timeline
        return 0 if parent.isValid() or tl is None else len(tl)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        entry = self.entry(index.row()) if index.isValid() else None
        if entry is None:
            return None
        if role == ENTRY_ROLE:
            return entry
        if role == Qt.ItemDataRole.DisplayRole:
            return entry.text
        if role in (LAYOUT_ROLE, NEW_DAY_ROLE, SENDER_ROLE, MINE_ROLE):
            layout = self._layout(index.row(), entry)
            if role == LAYOUT_ROLE:
                return layout
            return layout[{NEW_DAY_ROLE: 1, SENDER_ROLE: 2, MINE_ROLE: 3}[role]]
        if role == Qt.ItemDataRole.AccessibleTextRole:
            who = "You" if self._is_mine(entry) else self._messenger.users.label(entry.sender_id)
            body = "Message deleted" if entry.deleted else entry.text
            return f"{who}: {body} ({entry.state.value})"
        return None

    def _layout(self, row: int, entry: Entry) -> tuple[Entry, bool, str, bool]:
        """What a row's look depends on: a day line when the day changes, the sender's name
        when the sender changes (never for our own messages), and whether it is ours."""
        cached = self._layouts.get(id(entry))
        if cached is not None and cached[0] is entry:
            return cached
        prev = self.entry(row - 1)
        new_day = prev is None or prev.created_at.astimezone().date() != (
            entry.created_at.astimezone().date()
        )
        mine = self._is_mine(entry)
        same_sender = not new_day and prev is not None and prev.sender_id == entry.sender_id
        sender = "" if mine or same_sender else self._messenger.users.label(entry.sender_id)
        layout = (entry, new_day, sender, mine)
        self._layouts[id(entry)] = layout
        return layout

    def _is_mine(self, entry: Entry) -> bool:
        me = self._messenger.me
        return me is not None and entry.sender_id == me.id


class _Detached:
    def begin_insert(self, first: int, last: int) -> None: ...
    def end_insert(self) -> None: ...
    def begin_remove(self, first: int, last: int) -> None: ...
    def end_remove(self) -> None: ...
    def row_changed(self, row: int) -> None: ...
    def begin_reset(self) -> None: ...
    def end_reset(self) -> None: ...
