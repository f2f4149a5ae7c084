"""Measuring what a person sees: WCAG contrast between text and background pixels on screen."""

from __future__ import annotations

from collections import deque

from PySide6.QtCore import QPoint, QRect
from PySide6.QtGui import QColor, QImage


def luminance(c: QColor) -> float:
    def chan(v: float) -> float:
        return v / 12.92 if v <= 0.04045 else ((v + 0.055) / 1.055) ** 2.4

    return 0.2126 * chan(c.redF()) + 0.7152 * chan(c.greenF()) + 0.0722 * chan(c.blueF())


def ratio(a: QColor, b: QColor) -> float:
    la, lb = sorted((luminance(a), luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def strongest(image: QImage, rect: QRect, background: QColor) -> tuple[float, QColor]:
    """The pixel in `rect` that stands out most from `background`: the text's own colour where
    glyph stems are fully covered (anti-aliased edges only ever lie between the two)."""
    best, colour = 1.0, background
    r = rect.intersected(image.rect())
    for y in range(r.top(), r.bottom() + 1):
        for x in range(r.left(), r.right() + 1):
            c = image.pixelColor(x, y)
            value = ratio(c, background)
            if value > best:
                best, colour = value, c
    return best, colour


def region_of(image: QImage, seed: QPoint, limit: QRect) -> QRect:
    """The bounding box of the same-coloured area around `seed` (a bubble's background)."""
    target = image.pixel(seed)
    seen = {(seed.x(), seed.y())}
    queue = deque([(seed.x(), seed.y())])
    box = QRect(seed, seed)
    while queue:
        x, y = queue.popleft()
        box = box.united(QRect(x, y, 1, 1))
        for nx, ny in ((x + 1, y), (x - 1, y), (x, y + 1), (x, y - 1)):
            if (nx, ny) in seen or not limit.contains(nx, ny):
                continue
            seen.add((nx, ny))
            if image.pixel(nx, ny) == target:
                queue.append((nx, ny))
    return box
