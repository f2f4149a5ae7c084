"""Avatars: a person's or chat's initials on a colour of its own, painted, cached, hi-DPI clean.

The colour comes from a hash of the id (not the name), so it stays when someone renames
themselves and is the same in the chat list, the chat header and beside their messages. The
eight colours are dark enough for white initials to have a contrast of at least 4.5:1 in both
themes. Pixmaps are painted at the screen's device pixel ratio and cached per (id, initials,
size, ratio), so scrolling never repaints text into an image.
"""

from __future__ import annotations

import zlib
from functools import lru_cache

from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor, QFont, QPainter, QPixmap

COLORS = (
    "#c0392b",  # red
    "#b9540b",  # orange
    "#8a6d00",  # ochre
    "#2e7d32",  # green
    "#00796b",  # teal
    "#1e63b8",  # blue
    "#5e35b1",  # violet
    "#ad1457",  # pink
)


def initials(name: str) -> str:
    """Up to two letters: the first of the first two words ("Анна Шевченко" → "АШ")."""
    words = [w for w in name.replace("_", " ").replace(".", " ").split() if w]
    letters = [next((c for c in w if c.isalnum()), "") for w in words[:2]]
    text = "".join(letters).upper()
    return text or "?"


def color_for(key: str) -> QColor:
    return QColor(COLORS[zlib.crc32(key.encode("utf-8")) % len(COLORS)])


def pixmap(key: str, name: str, size: int, ratio: float = 1.0) -> QPixmap:
    """A round avatar `size` logical pixels wide for the screen's `ratio`."""
    return _painted(key, initials(name), size, round(ratio * 4) / 4)


@lru_cache(maxsize=1024)
def _painted(key: str, letters: str, size: int, ratio: float) -> QPixmap:
    image = QPixmap(round(size * ratio), round(size * ratio))
    image.setDevicePixelRatio(ratio)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setRenderHint(QPainter.RenderHint.TextAntialiasing)
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(color_for(key))
    painter.drawEllipse(QRectF(0, 0, size, size))
    font = QFont()
    font.setPixelSize(max(8, round(size * (0.42 if len(letters) < 2 else 0.38))))
    font.setWeight(QFont.Weight.DemiBold)
    painter.setFont(font)
    painter.setPen(QColor("#ffffff"))
    painter.drawText(QRectF(0, 0, size, size), Qt.AlignmentFlag.AlignCenter, letters)
    painter.end()
    return image
