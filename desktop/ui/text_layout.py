"""Wrapping message text the way a reader expects, shared by sizing and painting.

`QPainter.drawText` with `TextWordWrap | TextWrapAnywhere` breaks any word at the line end
("acr / oss"), and its bounding rectangle can count a line it never fills. `QTextLayout` with
`WrapAtWordBoundaryOrAnywhere` breaks between words and inside a word only when that word alone is
wider than the line, and the height is exactly the sum of the lines it made. The text is laid out
as plain text: no markup is read.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from PySide6.QtCore import QPointF
from PySide6.QtGui import QColor, QFont, QPainter, QTextCharFormat, QTextLayout, QTextOption

# (start, length) in Python string indices, a background (or None) and a text colour.
Mark = tuple[int, int, QColor | None, QColor]

_OPTION = QTextOption()
_OPTION.setWrapMode(QTextOption.WrapMode.WrapAtWordBoundaryOrAnywhere)
_OPTION.setUseDesignMetrics(False)


@dataclass(frozen=True, slots=True)
class Wrapped:
    """One laid-out text: the lines as (start, length) into the text, its size in pixels."""

    text: str
    lines: tuple[tuple[int, int], ...]  # Python string indices (Qt counts UTF-16 units)
    width: int  # the widest line's natural width
    height: int

    def line_texts(self) -> list[str]:
        return [self.text[s : s + n] for s, n in self.lines]


def _layout(text: str, font: QFont, width: int) -> QTextLayout:
    layout = QTextLayout(text.replace("\n", "\u2028"), font)
    layout.setTextOption(_OPTION)
    layout.beginLayout()
    y = 0.0
    while True:
        line = layout.createLine()
        if not line.isValid():
            break
        line.setLineWidth(float(width))
        line.setPosition(QPointF(0.0, y))
        y += line.height()
    layout.endLayout()
    return layout


def _utf16_to_index(text: str) -> list[int]:
    """`result[u]` is the index in `text` of the character at UTF-16 offset `u`."""
    if text.isascii():
        return list(range(len(text) + 1))
    out: list[int] = []
    for i, ch in enumerate(text):
        out.extend([i] * (2 if ord(ch) > 0xFFFF else 1))
    out.append(len(text))
    return out


def wrap(text: str, font: QFont, width: int) -> Wrapped:
    """Lay `text` out in lines no wider than `width` pixels."""
    layout = _layout(text, font, max(1, width))
    index = _utf16_to_index(text)
    lines: list[tuple[int, int]] = []
    natural = 0.0
    height = 0.0
    for i in range(layout.lineCount()):
        line = layout.lineAt(i)
        start = index[line.textStart()]
        lines.append((start, index[line.textStart() + line.textLength()] - start))
        natural = max(natural, line.naturalTextWidth())
        height = line.y() + line.height()
    return Wrapped(text, tuple(lines), int(natural + 0.999), int(height + 0.999))


def _utf16(text: str, index: int) -> int:
    return len(text[:index].encode("utf-16-le")) // 2


def _ranges(text: str, marks: Sequence[Mark]) -> list[QTextLayout.FormatRange]:
    out = []
    for start, n, background, color in marks:
        r = QTextLayout.FormatRange()
        r.start = _utf16(text, start)
        r.length = _utf16(text, start + n) - r.start
        f = QTextCharFormat()
        f.setForeground(color)
        if background is not None:
            f.setBackground(background)
        r.format = f
        out.append(r)
    return out


def draw(
    painter: QPainter,
    text: str,
    font: QFont,
    width: int,
    x: int,
    y: int,
    marks: Sequence[Mark] = (),
) -> None:
    """Paint `text` wrapped as `wrap` measured it, its first line's top at (x, y). `marks`
    only recolour spans (mentions): the glyphs, and so the lines, stay as measured."""
    layout = _layout(text, font, max(1, width))
    layout.draw(painter, QPointF(float(x), float(y)), _ranges(text, marks))
