"""Avatars beside others' messages in group chats: the sender's initials and colour (the same as
in the chat list and header), at the first message of each run of theirs.

The message painter (`delegates.MessageDelegate`) leaves a gutter left of others' bubbles and
calls `paint` there; direct chats get no gutter (there is only one other person).
"""

from __future__ import annotations

from PySide6.QtCore import QObject, QRect
from PySide6.QtGui import QPainter

from desktop.core.services import ChatList
from desktop.core.timeline import Entry
from desktop.ui import avatar
from desktop.ui.chat_pane import ChatPane
from desktop.ui.delegates import MessageDelegate

SIZE = 28
GUTTER = SIZE + 8


class MessageAvatars(QObject):
    def __init__(self, pane: ChatPane, chats: ChatList) -> None:
        super().__init__(pane)  # lives as long as the pane
        self._pane, self._chats = pane, chats
        pane.opened.connect(self._opened)

    def _opened(self, chat_id: str) -> None:
        chat = self._chats.chats.get(chat_id)
        group = chat is not None and not chat.is_direct
        delegate = self._pane.view.itemDelegate()
        if isinstance(delegate, MessageDelegate):
            delegate.gutter = GUTTER if group else 0
            delegate.beside = self.paint if group else None
            self._pane.view.viewport().update()

    def paint(self, painter: QPainter, bubble: QRect, entry: Entry) -> None:
        name = self._chats.users.label(entry.sender_id)
        ratio = self._pane.view.devicePixelRatioF()
        image = avatar.pixmap(entry.sender_id, name, SIZE, ratio)
        painter.drawPixmap(bubble.left() - GUTTER + 2, bubble.top(), image)
