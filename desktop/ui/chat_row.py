"""The chat list's rows with an avatar: initials on the chat's (or, for a direct chat, the
peer's) own colour, and the online dot as a ring at its corner.

It paints the avatar and hands the rest of the row to the conversation painter
(`delegates.ChatDelegate`) shifted right, so the row's text and badge stay where that painter
puts them; its own presence dot is left out because the avatar carries it.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QRect, QSize, Qt
from PySide6.QtGui import QPainter, QPen
from PySide6.QtWidgets import QStyle, QStyleOptionViewItem, QWidget

from desktop.ui import avatar
from desktop.ui.delegates import ChatDelegate
from desktop.ui.models import CHAT_ID_ROLE, PRESENCE_ROLE
from desktop.ui.theme import current as theme

Index = QModelIndex | QPersistentModelIndex
SIZE = 36  # the avatar, in logical pixels
INDENT = SIZE + 6  # the row's text starts this much further right (its own dot is gone)


class _WithoutDot:
    """The row's index as the text painter sees it: everything but the presence flag."""

    def __init__(self, index: Index) -> None:
        self._index = index

    def data(self, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        return None if role == PRESENCE_ROLE else self._index.data(role)


class ChatRowDelegate(ChatDelegate):
    def __init__(self, avatar_key: Callable[[str], str], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._key = avatar_key

    def sizeHint(self, option: QStyleOptionViewItem, index: Index) -> QSize:  # noqa: N802
        return QSize(200 + INDENT, self.ROW_HEIGHT)

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: Index) -> None:
        rect = QRect(option.rect)
        if option.state & QStyle.StateFlag.State_Selected:
            painter.fillRect(rect, option.palette.highlight())
        shifted = QStyleOptionViewItem(option)
        shifted.rect = rect.adjusted(INDENT - 8, 0, 0, 0)  # the painter's own PAD stays
        super().paint(painter, shifted, _WithoutDot(index))  # type: ignore[arg-type]
        # The avatar last: the text painter fills its own (shifted) rect when selected.
        chat_id = str(index.data(CHAT_ID_ROLE) or "")
        name = str(index.data(Qt.ItemDataRole.DisplayRole) or "")
        widget = option.widget
        ratio = widget.devicePixelRatioF() if widget is not None else 1.0
        left, top = rect.left() + 8, rect.top() + (rect.height() - SIZE) // 2
        painter.drawPixmap(left, top, avatar.pixmap(self._key(chat_id), name, SIZE, ratio))
        online = index.data(PRESENCE_ROLE)
        if online:
            painter.save()
            painter.setRenderHint(QPainter.RenderHint.Antialiasing)
            ring = (
                option.palette.highlight()
                if option.state & QStyle.StateFlag.State_Selected
                else option.palette.base()
            )
            painter.setPen(QPen(ring.color(), 2))
            painter.setBrush(theme().color("online"))
            painter.drawEllipse(left + SIZE - 11, top + SIZE - 11, 11, 11)
            painter.restore()
