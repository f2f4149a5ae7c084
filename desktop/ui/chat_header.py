"""The header over the open chat: its avatar, its title, and a line under it saying who is
there: "5 members, 2 online" for a group; "online" or "last seen today at 10:05" for a direct chat.

The member list is the conversation's (desktop/core/conversation.py): it reads
`GET /chats/{id}/members` once when the chat opens (rows carry `online` and `last_seen_at`, which
it hands to presence) and follows `member.*` frames; it tells its watchers, this header among
them, when a listing changes. Live `presence` frames repaint the header of every open group
their user is in (desktop/core/live.py). Offline, the listing saved in the cache stands in. The
line is also recomputed every few seconds, so "last seen today" turns into "yesterday" without a
frame.
"""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

import shiboken6
from PySide6.QtCore import QCoreApplication, QDate, QEvent, QLocale, QObject, Qt, QTime, QTimer
from PySide6.QtWidgets import QVBoxLayout

from desktop.core.conversation import Conversation
from desktop.core.presence import Presence
from desktop.core.services import ChatList, Connection
from desktop.core.wire import Chat
from desktop.ui import avatar
from desktop.ui.chat_pane import ChatPane
from desktop.ui.signin import label, named

SIZE = 40
REFRESH_MS = 3000


class Services(ChatList, Connection, Protocol):
    """What the header reads: the chats, their titles and who I am."""


class ChatHeader(QObject):
    def __init__(
        self,
        pane: ChatPane,
        services: Services,
        presence: Presence,
        conversation: Conversation,
    ) -> None:
        super().__init__(pane)
        self._pane, self._services, self._presence = pane, services, presence
        self._conversation = conversation
        conversation.watchers.append(self.chat_changed)  # a listing read or changed
        self.avatar = named(label(""), "Chat avatar")  # a picture, but never markup either
        self.avatar.setFixedSize(SIZE, SIZE)
        self.subtitle = label("")
        self.subtitle.setProperty("muted", True)
        # Beside Back and three buttons in the narrow window "2 участника, 2 в сети" is wider
        # than what is left: it goes on to a second line rather than losing its end.
        self.subtitle.setWordWrap(True)
        named(self.subtitle, "Chat status")
        column = QVBoxLayout()
        column.setSpacing(0)
        at = max(pane.header.indexOf(pane.title), 0)  # after the narrow layout's Back button
        pane.header.removeWidget(pane.title)
        column.addWidget(pane.title)
        column.addWidget(self.subtitle)
        pane.header.insertWidget(at, self.avatar, 0, Qt.AlignmentFlag.AlignVCenter)
        pane.header.insertLayout(at + 1, column, 1)
        self._timer = QTimer(self)
        self._timer.setInterval(REFRESH_MS)
        self._timer.timeout.connect(self.refresh)
        self._timer.start()
        # The avatar and title are the chat row's: shown as the chat is chosen, not only once
        # its first page has come (seconds on a slow link, never while the history fails).
        pane.chosen.connect(self._opened)
        pane.opened.connect(self._opened)
        # A listing that answered while the window was hidden (started in the tray) painted
        # nothing: the line is filled when the pane shows, not at the next periodic refresh.
        pane.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802
        if watched is self._pane and event.type() == QEvent.Type.Show:
            self.refresh()
        return False

    def _chat(self) -> Chat | None:
        return self._services.chats.get(self._pane.chat_id or "")

    def _opened(self, _chat_id: str) -> None:
        self.refresh()

    def chat_changed(self, chat_id: str) -> None:
        if shiboken6.isValid(self._pane) and chat_id == self._pane.chat_id:
            self.refresh()

    def refresh(self) -> None:
        if not shiboken6.isValid(self._pane):  # a fetch answered after the window closed
            return
        chat = self._chat()
        if chat is None or not self._pane.isVisible():
            return
        title = self._services.chat_title(chat)
        key = chat.peer_id if chat.is_direct and chat.peer_id else chat.id
        ratio = self._pane.devicePixelRatioF()
        self.avatar.setPixmap(avatar.pixmap(key, title, SIZE, ratio))
        self.subtitle.setText(self.status(chat))

    def status(self, chat: Chat) -> str:
        if chat.is_direct and chat.peer_id:
            peer = chat.peer_id
            if self._presence.is_online(peer):
                return self.tr("online")
            seen = self._presence.last_seen(peer)
            return self.tr("last seen %1").replace("%1", seen_label(seen)) if seen else ""
        ids = self._conversation.member_ids(chat.id)
        if not ids:
            return ""
        me = self._services.me
        online = sum(
            1 for u in ids if (me is not None and u == me.id) or self._presence.is_online(u)
        )
        members = self.tr("%n members", "", len(ids))
        return self.tr("%1, %n online", "", online).replace("%1", members)


def seen_label(moment: datetime) -> str:
    """ "today at 10:05", "yesterday at 22:40" or "1 December at 10:05", in the UI language."""
    local = moment.astimezone()
    day = QDate(local.year, local.month, local.day)
    time = QLocale().toString(QTime(local.hour, local.minute), QLocale.FormatType.ShortFormat)
    today = QDate.currentDate()
    if day == today:
        return QCoreApplication.translate("ChatHeader", "today at %1").replace("%1", time)
    if day == today.addDays(-1):
        return QCoreApplication.translate("ChatHeader", "yesterday at %1").replace("%1", time)
    date = QLocale().toString(day, "d MMMM" if day.year() == today.year() else "d MMMM yyyy")
    at = QCoreApplication.translate("ChatHeader", "%1 at %2")
    return at.replace("%1", date).replace("%2", time)


def install(
    pane: ChatPane, services: Services, presence: Presence, conversation: Conversation
) -> ChatHeader:
    return ChatHeader(pane, services, presence, conversation)
