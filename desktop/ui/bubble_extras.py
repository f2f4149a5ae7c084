"""What a bubble shows besides its text and files: the message it replies to (a quote that jumps
there on click), the reactions under it (chips that toggle mine), the ticks of my messages, and
the @-mentions in its text (mentions of me stand out).

Like `bubble_files`, nothing here is a widget: the delegate paints rectangles and keeps them for
hit testing. Sizes depend only on the entry and the width, so sizing and painting agree.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Protocol

from PySide6.QtCore import QCoreApplication, QObject, QRect, Qt
from PySide6.QtGui import QColor, QFont, QFontMetrics, QPainter

from desktop.core.timeline import Entry
from desktop.ui.theme import current as theme

QUOTE_PAD = 4
QUOTE_GAP = 6  # between the quote and the text
QUOTE_BAR = 3
CHIP_PAD = 7
CHIP_GAP = 4
MENTION = re.compile(r"(?<![\w@])@(\w{1,32})")


class Conversation(Protocol):
    """What painting asks of the open chat (the chat pane provides it)."""

    @property
    def my_id(self) -> str | None: ...

    @property
    def my_username(self) -> str: ...

    def quoted(self, seq: int) -> tuple[str, str] | None:
        """(sender name, text) of a message of this chat, or None if it is not loaded."""

    def readers(self, entry: Entry) -> tuple[int, bool]:
        """How many others have read this message of mine, and whether the chat is direct."""


@dataclass(frozen=True, slots=True)
class Spot:
    """A clickable part of a bubble: a quote (`value` is the quoted seq) or a reaction chip."""

    rect: QRect
    kind: str  # "quote" or "reaction"
    value: str


# -- mentions -------------------------------------------------------------------------------


def mentions(text: str) -> list[tuple[int, int, str]]:
    """(start, length, username) of each @username in the text."""
    return [(m.start(), m.end() - m.start(), m.group(1)) for m in MENTION.finditer(text)]


def mentions_me(text: str, username: str) -> bool:
    me = username.casefold()
    return bool(me) and any(u.casefold() == me for _s, _n, u in mentions(text))


def mention_marks(text: str, username: str) -> list[tuple[int, int, QColor | None, QColor]]:
    """Colour spans for `text_layout.draw`: every mention in the accent colour, mine on a tint."""
    accent = theme().color("accent")
    tint = QColor(accent)
    tint.setAlpha(60)
    me = username.casefold()
    return [
        (start, n, tint if me and user.casefold() == me else None, accent)
        for start, n, user in mentions(text)
    ]


# -- the quote ------------------------------------------------------------------------------


def quote_height(small: QFont) -> int:
    return 2 * QFontMetrics(small).height() + 2 * QUOTE_PAD + QUOTE_GAP


def paint_quote(
    painter: QPainter,
    box: QRect,
    quote: tuple[str, str] | None,
    small: QFont,
    bold_small: QFont,
) -> None:
    """The quoted message in `box` (its height without the gap under it)."""
    accent = theme().color("accent")
    tint = QColor(accent)
    tint.setAlpha(28)
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(tint)
    painter.drawRoundedRect(box, 4, 4)
    painter.setBrush(accent)
    painter.drawRect(QRect(box.left(), box.top(), QUOTE_BAR, box.height()))
    sender, text = (
        quote
        if quote is not None
        else ("", QCoreApplication.translate("Bubble", "Earlier message"))
    )
    fm = QFontMetrics(small)
    left = box.left() + QUOTE_BAR + QUOTE_PAD + 2
    width = box.right() - QUOTE_PAD - left
    top = box.top() + QUOTE_PAD
    painter.setFont(bold_small)
    painter.setPen(accent)
    name = QFontMetrics(bold_small).elidedText(sender, Qt.TextElideMode.ElideRight, width)
    painter.drawText(QRect(left, top, width, fm.height()), Qt.TextFlag.TextSingleLine, name)
    painter.setFont(small)
    painter.setPen(theme().color("muted"))
    line = fm.elidedText(" ".join(text.split()), Qt.TextElideMode.ElideRight, width)
    painter.drawText(
        QRect(left, top + fm.height(), width, fm.height()), Qt.TextFlag.TextSingleLine, line
    )


# -- reactions ------------------------------------------------------------------------------


def chips(entry: Entry, me: str | None) -> list[tuple[str, str, bool]]:
    """(emoji, label, whether I reacted) per emoji, in the order they were first used."""
    if entry.deleted:
        return []
    return [
        (emoji, f"{emoji} {len(users)}", me is not None and me in users)
        for emoji, users in entry.reactions.items()
        if users
    ]


def chip_rects(labels: list[tuple[str, str, bool]], width: int, small: QFont) -> list[QRect]:
    """The chips flowed into lines no wider than `width`, relative to the row's top-left."""
    fm = QFontMetrics(small)
    h = fm.height() + 6
    rects: list[QRect] = []
    x = y = 0
    for _emoji, label, _mine in labels:
        w = fm.horizontalAdvance(label) + 2 * CHIP_PAD
        if x and x + w > width:
            x, y = 0, y + h + CHIP_GAP
        rects.append(QRect(x, y, w, h))
        x += w + CHIP_GAP
    return rects


def chips_height(labels: list[tuple[str, str, bool]], width: int, small: QFont) -> int:
    rects = chip_rects(labels, width, small)
    return rects[-1].bottom() + 1 + CHIP_GAP if rects else 0


def chips_width(labels: list[tuple[str, str, bool]], width: int, small: QFont) -> int:
    return max((r.right() + 1 for r in chip_rects(labels, width, small)), default=0)


def paint_chips(
    painter: QPainter,
    labels: list[tuple[str, str, bool]],
    x: int,
    y: int,
    width: int,
    small: QFont,
    text_color: QColor,
) -> list[Spot]:
    colors = theme()
    accent = colors.color("accent")
    spots: list[Spot] = []
    painter.setFont(small)
    for (emoji, label, mine), rel in zip(labels, chip_rects(labels, width, small), strict=True):
        rect = rel.translated(x, y)
        fill = QColor(accent)
        fill.setAlpha(70 if mine else 22)
        painter.setBrush(fill)
        painter.setPen(accent if mine else colors.color("border"))
        painter.drawRoundedRect(rect.adjusted(0, 0, -1, -1), rect.height() / 2, rect.height() / 2)
        painter.setPen(text_color)
        painter.drawText(rect, Qt.AlignmentFlag.AlignCenter, label)
        spots.append(Spot(rect, "reaction", emoji))
    return spots


# -- ticks ----------------------------------------------------------------------------------


def receipt(readers: int, direct: bool) -> str:
    """Under my stored message: ✓ sent, ✓✓ read (direct chats), "read by N" (groups)."""
    if direct:
        return "✓✓" if readers else "✓"
    if not readers:
        return "✓"
    return _WORDS.read_by(readers)


class Bubble(QObject):
    """Words with a count: lupdate makes plural entries of `self.tr(text, "", n)` only."""

    def read_by(self, n: int) -> str:
        return self.tr("read by %n", "", n)


_WORDS = Bubble()
