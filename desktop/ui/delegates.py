"""Painters for the chat list and the message list.

Text is drawn with `QPainter.drawText`, which never interprets markup: a message holding HTML or
Qt rich text shows its characters and opens nothing. Message heights are cached per text and width,
so laying out a long history is a dictionary look-up per row.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from PySide6.QtCore import (
    QAbstractItemModel,
    QCoreApplication,
    QEvent,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QRect,
    QSize,
    Qt,
    Signal,
)
from PySide6.QtGui import QFont, QFontMetrics, QMouseEvent, QPainter, QPalette
from PySide6.QtWidgets import QStyle, QStyledItemDelegate, QStyleOptionViewItem

from desktop.core.files import RemoteFile
from desktop.core.timeline import Entry, SendState
from desktop.ui import bubble_extras as extras
from desktop.ui import bubble_files, i18n, text_layout
from desktop.ui.bubble_files import Hit
from desktop.ui.models import (
    ENTRY_ROLE,
    LAYOUT_ROLE,
    PRESENCE_ROLE,
    PREVIEW_ROLE,
    UNREAD_ROLE,
)
from desktop.ui.text_layout import Wrapped
from desktop.ui.theme import current as theme

Index = QModelIndex | QPersistentModelIndex


class InlineFilesLike(bubble_files.PreviewSource, Protocol):
    """The delegate's view of desktop/ui/received.py: what to paint, and what a click does."""

    def act(self, action: str, f: RemoteFile) -> None: ...


PAD = 8  # outer margin of a row
BUBBLE_PAD = 8  # inside a bubble
QUOTE_MIN_W = 220  # a bubble with a quote is at least this wide (the quote is elided to fit)


def small_font(font: QFont) -> QFont:
    """The font of a bubble's footer, file tiles and chips (and a chat row's preview)."""
    f = QFont(font)
    f.setPointSizeF(max(6.0, font.pointSizeF() * 0.85))
    return f


def _bold(font: QFont) -> QFont:
    f = QFont(font)
    f.setBold(True)
    return f


class ChatDelegate(QStyledItemDelegate):
    """Title, one-line preview, unread badge, and a presence dot for direct chats."""

    ROW_HEIGHT = 54

    def sizeHint(self, option: QStyleOptionViewItem, index: Index) -> QSize:  # noqa: N802
        return QSize(200, self.ROW_HEIGHT)

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: Index) -> None:
        painter.save()
        rect = QRect(option.rect)
        selected = bool(option.state & QStyle.StateFlag.State_Selected)
        palette: QPalette = option.palette
        if selected:
            painter.fillRect(rect, palette.highlight())
        text_color = palette.highlightedText().color() if selected else palette.text().color()
        font: QFont = option.font
        left = rect.left() + PAD
        presence = index.data(PRESENCE_ROLE)
        if presence is not None:
            painter.setRenderHint(QPainter.RenderHint.Antialiasing)
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(theme().color("online" if presence else "offline"))
            painter.drawEllipse(left, rect.top() + 12, 9, 9)
        left += 16
        unread = int(index.data(UNREAD_ROLE) or 0)
        badge_w = 0
        if unread:
            badge = str(unread) if unread < 1000 else "999+"
            fm = QFontMetrics(_bold(small_font(font)))
            badge_w = max(20, fm.horizontalAdvance(badge) + 10)
            badge_rect = QRect(rect.right() - PAD - badge_w, rect.top() + 16, badge_w, 20)
            painter.setRenderHint(QPainter.RenderHint.Antialiasing)
            painter.setPen(Qt.PenStyle.NoPen)
            badge_bg, badge_fg = theme().color("badge_bg"), theme().color("badge_text")
            if selected:  # the badge's own colour would vanish into the selection
                badge_bg, badge_fg = palette.highlightedText().color(), palette.highlight().color()
            painter.setBrush(badge_bg)
            painter.drawRoundedRect(badge_rect, 10, 10)
            painter.setPen(badge_fg)
            painter.setFont(_bold(small_font(font)))
            painter.drawText(badge_rect, Qt.AlignmentFlag.AlignCenter, badge)
        width = rect.right() - PAD - badge_w - 6 - left
        title_font = _bold(font)
        painter.setFont(title_font)
        painter.setPen(text_color)
        title = QFontMetrics(title_font).elidedText(
            str(index.data(Qt.ItemDataRole.DisplayRole) or ""), Qt.TextElideMode.ElideRight, width
        )
        painter.drawText(
            QRect(left, rect.top() + 6, width, 22), Qt.AlignmentFlag.AlignVCenter, title
        )
        painter.setFont(small_font(font))
        painter.setPen(text_color if selected else theme().color("muted"))
        preview = QFontMetrics(small_font(font)).elidedText(
            str(index.data(PREVIEW_ROLE) or ""), Qt.TextElideMode.ElideRight, width
        )
        painter.drawText(
            QRect(left, rect.top() + 28, width, 20), Qt.AlignmentFlag.AlignVCenter, preview
        )
        painter.restore()


class MessageDelegate(QStyledItemDelegate):
    """A bubble per message: own ones on the right, a day line and sender name where they change."""

    quote_clicked = Signal(int)  # the seq of the quoted message
    reaction_clicked = Signal(object, str)  # the entry and the emoji of a chip

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._heights: dict[tuple[str, int], Wrapped] = {}
        self._font: QFont | None = None
        self._derived: tuple[QFont, QFont, QFont] = (QFont(), QFont(), QFont())
        self._fixed = self._day_h = self._sender_h = 0
        self.marker_seq: int | None = None  # the first unread message: a line above it
        self.marker_text = self.tr("New messages")
        # Attachments painted inside the bubbles (desktop/ui/received.py installs it).
        self.files: InlineFilesLike | None = None
        self._hits: dict[int, list[Hit]] = {}  # id(entry) -> what its last paint made clickable
        # Room left of others' bubbles, and what paints there (desktop/ui/message_avatars.py).
        self.gutter = 0
        self.beside: Callable[[QPainter, QRect, Entry], None] | None = None
        self._spots: dict[int, list[extras.Spot]] = {}  # id(entry) -> its quote and chips
        # The open chat: quotes, reactions, ticks and mentions (the chat pane installs it).
        self.talk: extras.Conversation | None = None

    def _fonts(self, option: QStyleOptionViewItem) -> tuple[QFont, QFont, QFont]:
        """The body, sender and footer fonts; derived once per view font, not per row."""
        font: QFont = option.font
        if self._font is None or self._font != font:
            self._font = QFont(font)
            self._derived = (self._font, _bold(font), small_font(font))
            self._heights.clear()
            small_h = QFontMetrics(self._derived[2]).height()
            self._fixed = PAD + 2 * BUBBLE_PAD + small_h + 2  # margins, padding, footer line
            self._day_h = small_h + 14
            self._sender_h = QFontMetrics(self._derived[1]).height() + 2
        return self._derived

    @staticmethod
    def _bubble_width(view_width: int) -> int:
        return max(120, int(view_width * 0.72))

    def wrapped(self, text: str, width: int, font: QFont) -> Wrapped:
        """The text's lines at this width, cached: sizing and painting share one layout."""
        key = (text, width)
        w = self._heights.get(key)
        if w is None:
            if len(self._heights) > 50_000:
                self._heights.clear()
            w = text_layout.wrap(text, font, width)
            self._heights[key] = w
        return w

    def _text_height(self, text: str, width: int, font: QFont) -> int:
        return self.wrapped(text, width, font).height

    @staticmethod
    def _body(entry: Entry) -> str:
        # Trailing line breaks would draw an empty line under the text.
        return (
            QCoreApplication.translate("MessageDelegate", "Message deleted")
            if entry.deleted
            else entry.text.rstrip("\n")
        )

    def inner_width(self, view_width: int) -> int:
        """The width a bubble's text wraps at in a view this wide."""
        return self._bubble_width(view_width) - 2 * BUBBLE_PAD

    def sizeHint(self, option: QStyleOptionViewItem, index: Index) -> QSize:  # noqa: N802
        layout = index.data(LAYOUT_ROLE)
        if layout is None:
            return QSize(0, 0)
        entry, new_day, sender, _mine = layout
        font, _bold_font, _small_font = self._fonts(option)
        view_width = option.rect.width() or 600
        inner = self._bubble_width(view_width) - 2 * BUBBLE_PAD
        files = bubble_files.files_of(entry) if self.files is not None else []
        body = self._body(entry)
        h = self._fixed + (0 if files and not body else self._text_height(body, inner, font))
        h += bubble_files.height(files, inner)
        small = self._derived[2]
        h += self._quote_height(entry, small)
        me = self.talk.my_id if self.talk else None
        h += extras.chips_height(extras.chips(entry, me), inner, small)
        if new_day:
            h += self._day_h
        if sender:
            h += self._sender_h
        if entry.seq is not None and entry.seq == self.marker_seq:
            h += self._day_h
        return QSize(view_width, h)

    def _paint_marker(self, painter: QPainter, rect: QRect, y: int, small: QFont) -> int:
        """The "New messages" line; returns the y below it."""
        h = QFontMetrics(small).height()
        accent = theme().color("accent")
        painter.setFont(_bold(small))
        painter.setPen(accent)
        label = QRect(rect.left(), y + 6, rect.width(), h)
        painter.drawText(label, Qt.AlignmentFlag.AlignCenter, self.marker_text)
        half = QFontMetrics(_bold(small)).horizontalAdvance(self.marker_text) // 2 + 10
        mid_x, line_y = rect.center().x(), label.center().y()
        painter.drawLine(rect.left() + PAD, line_y, mid_x - half, line_y)
        painter.drawLine(mid_x + half, line_y, rect.right() - PAD, line_y)
        return y + h + 14

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: Index) -> None:
        layout = index.data(LAYOUT_ROLE)
        if layout is None:
            return
        entry, new_day, sender, mine = layout
        painter.save()
        font, bold, small = self._fonts(option)
        rect = QRect(option.rect)
        y = rect.top() + PAD // 2
        if entry.seq is not None and entry.seq == self.marker_seq:
            y = self._paint_marker(painter, rect, y, small)
        if new_day:
            h = QFontMetrics(small).height()
            painter.setFont(small)
            painter.setPen(theme().color("muted"))
            day = i18n.day_label(entry.created_at)
            painter.drawText(
                QRect(rect.left(), y + 6, rect.width(), h), Qt.AlignmentFlag.AlignCenter, day
            )
            y += h + 14
        bubble_w = self._bubble_width(rect.width())
        inner = bubble_w - 2 * BUBBLE_PAD
        body = self._body(entry)
        wrapped = self.wrapped(body, inner, font)
        files = bubble_files.files_of(entry) if self.files is not None else []
        text_h = 0 if files and not body else wrapped.height
        files_h = bubble_files.height(files, inner)
        quote_h = self._quote_height(entry, small)
        labels = extras.chips(entry, self.talk.my_id if self.talk else None)
        chips_h = extras.chips_height(labels, inner, small)
        used_w = max(min(inner, wrapped.width), bubble_files.width(files, inner))
        used_w = max(used_w, extras.chips_width(labels, inner, small))
        if quote_h:
            used_w = max(used_w, min(inner, QUOTE_MIN_W))
        foot = self.footer(entry, mine)
        fm_small = QFontMetrics(small)
        used_w = max(used_w, fm_small.horizontalAdvance(foot)) + 2 * BUBBLE_PAD
        used_w = min(bubble_w, max(used_w, 60))
        x = rect.right() - PAD - used_w if mine else rect.left() + PAD + self.gutter
        if sender:
            painter.setFont(bold)
            painter.setPen(theme().color("accent"))
            bh = QFontMetrics(bold).height()
            painter.drawText(
                QRect(x + 2, y, bubble_w, bh),
                Qt.AlignmentFlag.AlignLeft | Qt.TextFlag.TextSingleLine,
                sender,
            )
            y += bh + 2
        content_h = quote_h + text_h + files_h + chips_h
        bubble = QRect(x, y, used_w, 2 * BUBBLE_PAD + content_h + fm_small.height() + 2)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(Qt.PenStyle.NoPen)
        colors = theme()
        if option.state & QStyle.StateFlag.State_Selected:
            painter.setBrush(colors.color("selected_bg"))
        else:
            painter.setBrush(colors.color("mine_bg" if mine else "theirs_bg"))
        painter.drawRoundedRect(bubble, 8, 8)
        spots: list[extras.Spot] = []
        username = self.talk.my_username if self.talk else ""
        if not mine and not entry.deleted and extras.mentions_me(body, username):
            painter.setBrush(colors.color("accent"))  # a mention of me: a bar down the side
            painter.drawRoundedRect(QRect(x, y, 4, bubble.height()), 2, 2)
        top = y + BUBBLE_PAD
        if quote_h:
            box = QRect(x + BUBBLE_PAD, top, used_w - 2 * BUBBLE_PAD, quote_h - extras.QUOTE_GAP)
            assert self.talk is not None and entry.reply_to_seq is not None
            quoted = self.talk.quoted(entry.reply_to_seq)
            extras.paint_quote(painter, box, quoted, small, _bold(small))
            spots.append(extras.Spot(box, "quote", str(entry.reply_to_seq)))
            top += quote_h
        text_rect = QRect(x + BUBBLE_PAD, top, inner, text_h)
        body_font = QFont(font)
        body_font.setItalic(entry.deleted)
        painter.setFont(body_font)
        text_color = colors.color("mine_text" if mine else "theirs_text")
        painter.setPen(colors.color("muted") if entry.deleted else text_color)
        if text_h:
            marks = [] if entry.deleted else extras.mention_marks(body, username)
            text_layout.draw(
                painter, body, body_font, inner, text_rect.left(), text_rect.top(), marks
            )
        if self.files is not None and files:
            files_top = text_rect.bottom() + 1 + (bubble_files.GAP if text_h else 0)
            hits = bubble_files.paint(
                painter, files, x + BUBBLE_PAD, files_top, inner, self.files, mine=mine, font=small
            )
            self._remember(entry, hits)
        text_rect.setHeight(text_h + files_h)
        if labels:
            chips_top = text_rect.bottom() + 1 + extras.CHIP_GAP
            spots += extras.paint_chips(
                painter, labels, x + BUBBLE_PAD, chips_top, inner, small, text_color
            )
            text_rect.setHeight(text_h + files_h + chips_h)
        self._remember_spots(entry, spots)
        painter.setFont(small)
        failed = entry.state is SendState.FAILED
        painter.setPen(colors.color("failed" if failed else "muted"))
        painter.drawText(
            QRect(
                x + BUBBLE_PAD, text_rect.bottom() + 2, used_w - 2 * BUBBLE_PAD, fm_small.height()
            ),
            Qt.AlignmentFlag.AlignRight if mine else Qt.AlignmentFlag.AlignLeft,
            foot,
        )
        if self.beside is not None and sender and not mine:
            self.beside(painter, bubble, entry)
        painter.restore()

    def _quote_height(self, entry: Entry, small: QFont) -> int:
        shown = self.talk is not None and entry.reply_to_seq is not None and not entry.deleted
        return extras.quote_height(small) if shown else 0

    def _remember_spots(self, entry: Entry, spots: list[extras.Spot]) -> None:
        if len(self._spots) > 2_000:
            self._spots.clear()
        self._spots[id(entry)] = spots

    def spots(self, entry: Entry) -> list[extras.Spot]:
        """What the entry's last paint made clickable besides files (for tests and keys)."""
        return self._spots.get(id(entry), [])

    def _remember(self, entry: Entry, hits: list[Hit]) -> None:
        if len(self._hits) > 2_000:  # only what was painted lately can be clicked
            self._hits.clear()
        self._hits[id(entry)] = hits

    def editorEvent(  # noqa: N802
        self,
        event: QEvent,
        model: QAbstractItemModel,
        option: QStyleOptionViewItem,
        index: Index,
    ) -> bool:
        """A click on a painted preview or a tile's Save/Open button does what it shows; on a
        quote it jumps to the quoted message, on a reaction chip it toggles mine."""
        if (
            event.type() == QEvent.Type.MouseButtonRelease
            and isinstance(event, QMouseEvent)
            and event.button() == Qt.MouseButton.LeftButton
        ):
            entry = index.data(ENTRY_ROLE)
            pos = event.position().toPoint()
            for spot in self._spots.get(id(entry), []):
                if spot.rect.contains(pos):
                    if spot.kind == "quote":
                        self.quote_clicked.emit(int(spot.value))
                    else:
                        self.reaction_clicked.emit(entry, spot.value)
                    return True
            files = self.files
            for hit in self._hits.get(id(entry), []) if files is not None else []:
                if files is not None and hit.rect.contains(pos):
                    files.act(hit.action, hit.file)
                    return True
        return super().editorEvent(event, model, option, index)

    def footer(self, entry: Entry, mine: bool) -> str:
        """The line under a bubble, with the ticks when the open chat can tell them."""
        receipt = None
        if mine and self.talk is not None and not entry.deleted:
            receipt = extras.receipt(*self.talk.readers(entry))
        return self._footer(entry, mine, receipt)

    @staticmethod
    def _footer(entry: Entry, mine: bool, receipt: str | None = None) -> str:
        parts = [i18n.time_label(entry.created_at)]
        if entry.edited and not entry.deleted:
            parts.append(QCoreApplication.translate("MessageDelegate", "edited"))
        if entry.state is SendState.PENDING:
            parts.append(QCoreApplication.translate("MessageDelegate", "sending…"))
        elif entry.state is SendState.FAILED:
            parts.append(
                QCoreApplication.translate(
                    "MessageDelegate", "failed — click to retry, right-click to discard"
                )
            )
        elif mine and receipt is not None:
            parts.append(receipt)
        elif mine:
            parts.append(QCoreApplication.translate("MessageDelegate", "sent"))
        return " · ".join(parts)
