"""The attachments of one message, laid out and painted inside its bubble by the delegate.

Nothing here is a widget: the message list is model/view, so an image preview or a file tile is
a rectangle the delegate paints and remembers for hit testing. A preview's box has the image's
own shape from the first paint (width and height are in the file record), so the row's height
never changes when the thumbnail arrives: first the box, then the record's tiny placeholder
scaled up (blurred by the scaling), then the server's thumbnail.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Protocol

from PySide6.QtCore import QCoreApplication, QRect, QSize, Qt
from PySide6.QtGui import QFont, QFontMetrics, QIcon, QImage, QPainter
from PySide6.QtWidgets import QApplication, QStyle

from desktop.core.files import RemoteFile
from desktop.core.limits import human_size
from desktop.core.timeline import Entry
from desktop.ui.theme import current as theme

IMAGE_MAX = QSize(320, 320)
IMAGE_MIN_SIDE = 48
TILE_H = 46
TILE_W = 300  # room for a name beside Russian's longer button labels
GAP = 6
BUTTON_W = 52  # the narrowest a tile button is; a longer label widens it
BUTTON_PAD = 8  # each side of a button's label
BUTTON_GAP = 4
ICON_PX = 32
TEXT_LEFT = 44  # where the name starts, right of the icon


@dataclass(frozen=True, slots=True)
class Hit:
    """A clickable part of a painted bubble: `action` is "view", "save" or "open"."""

    rect: QRect
    action: str
    file: RemoteFile


class PreviewSource(Protocol):
    """What painting needs from whoever loads previews and runs downloads (received.py)."""

    def thumbnail(self, f: RemoteFile) -> QImage | None: ...

    def placeholder(self, f: RemoteFile) -> QImage | None: ...

    def progress(self, file_id: str) -> float | None: ...


def files_of(entry: Entry) -> list[RemoteFile]:
    if entry.deleted:
        return []
    return [RemoteFile.from_json(a) for a in entry.attachments]


def image_box(f: RemoteFile, inner: int) -> QSize:
    """The preview's size: the image's shape, at most IMAGE_MAX and the bubble's width."""
    w, h = max(1, f.width or 1), max(1, f.height or 1)
    box = QSize(w, h).scaled(
        QSize(min(IMAGE_MAX.width(), inner), IMAGE_MAX.height()),
        Qt.AspectRatioMode.KeepAspectRatio,
    )
    if w <= box.width() and h <= box.height():
        box = QSize(w, h)  # never enlarged
    return QSize(max(IMAGE_MIN_SIDE, box.width()), max(IMAGE_MIN_SIDE, box.height()))


def _block(f: RemoteFile, inner: int) -> QSize:
    if f.is_image:
        return image_box(f, inner)
    return QSize(min(TILE_W, inner), TILE_H)


def height(files: Iterable[RemoteFile], inner: int) -> int:
    """The height the attachments add to a bubble whose text wraps at `inner`."""
    return sum(_block(f, inner).height() + GAP for f in files)


def width(files: Iterable[RemoteFile], inner: int) -> int:
    return max((_block(f, inner).width() for f in files), default=0)


def paint(
    painter: QPainter,
    files: list[RemoteFile],
    left: int,
    top: int,
    inner: int,
    source: PreviewSource,
    *,
    mine: bool,
    font: QFont,
) -> list[Hit]:
    """Paint the files from (left, top) down; returns what can be clicked where."""
    hits: list[Hit] = []
    y = top
    for f in files:
        size = _block(f, inner)
        rect = QRect(left, y, size.width(), size.height())
        if f.is_image:
            _paint_image(painter, rect, f, source, mine=mine)
            hits.append(Hit(rect, "view", f))
        else:
            hits.extend(_paint_tile(painter, rect, f, source, mine=mine, font=font))
        y += size.height() + GAP
    return hits


def _paint_image(
    painter: QPainter, rect: QRect, f: RemoteFile, source: PreviewSource, *, mine: bool
) -> None:
    image = source.thumbnail(f) or source.placeholder(f)
    if image is None:
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(theme().color("muted").lighter(160 if not mine else 140))
        painter.drawRoundedRect(rect, 6, 6)
        return
    painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
    painter.drawImage(rect, image)


def file_icon() -> QIcon:
    """The icon of a file that is not shown as an image: every file tile has this one (the
    message's, and the tray's before and while it goes up, waiting or not)."""
    return QApplication.style().standardIcon(QStyle.StandardPixmap.SP_FileIcon)


def _paint_tile(
    painter: QPainter,
    rect: QRect,
    f: RemoteFile,
    source: PreviewSource,
    *,
    mine: bool,
    font: QFont,
) -> list[Hit]:
    colors = theme()
    painter.setPen(colors.color("muted"))
    painter.setBrush(Qt.BrushStyle.NoBrush)
    painter.drawRoundedRect(rect.adjusted(0, 0, -1, -1), 6, 6)
    file_icon().paint(painter, QRect(rect.left() + 6, rect.top() + 7, ICON_PX, ICON_PX))
    fm = QFontMetrics(font)
    (save, save_text), (open_, open_text) = tile_buttons(rect, fm)
    text_left = rect.left() + TEXT_LEFT
    text_w = max(0, save.left() - 6 - text_left)
    text = colors.color("mine_text" if mine else "theirs_text")
    painter.setFont(font)
    painter.setPen(text)
    name = fm.elidedText(f.name, Qt.TextElideMode.ElideMiddle, text_w)
    painter.drawText(QRect(text_left, rect.top() + 4, text_w, fm.height()), 0, name)
    painter.setPen(colors.color("muted"))
    size = fm.elidedText(human_size(f.size), Qt.TextElideMode.ElideRight, text_w)
    painter.drawText(QRect(text_left, rect.top() + 6 + fm.height(), text_w, fm.height()), 0, size)
    for button, label in ((save, save_text), (open_, open_text)):
        painter.setPen(colors.color("accent"))
        painter.drawRoundedRect(button, 4, 4)
        painter.drawText(button, Qt.AlignmentFlag.AlignCenter, label)
    done = source.progress(f.id)
    if done is not None:
        bar = QRect(text_left, rect.bottom() - 4, rect.right() - 6 - text_left, 3)
        painter.fillRect(bar, colors.color("muted").lighter(150))
        painter.fillRect(
            QRect(bar.left(), bar.top(), int(bar.width() * done), bar.height()),
            colors.color("accent"),
        )
    return [Hit(save, "save", f), Hit(open_, "open", f)]


def tile_buttons(rect: QRect, fm: QFontMetrics) -> tuple[tuple[QRect, str], tuple[QRect, str]]:
    """Save and Open at the tile's right, each as wide as its label in the interface language
    (Russian "Сохранить" is half again as long as "Save"): the name is elided, never a button,
    and what is painted is what is clicked."""
    labels = (
        QCoreApplication.translate("BubbleFiles", "Save"),
        QCoreApplication.translate("BubbleFiles", "Open"),
    )
    widths = [max(BUTTON_W, fm.horizontalAdvance(label) + 2 * BUTTON_PAD) for label in labels]
    top, h = rect.top() + 10, 26
    open_ = QRect(rect.right() - BUTTON_GAP - widths[1], top, widths[1], h)
    save = QRect(open_.left() - BUTTON_GAP - widths[0], top, widths[0], h)
    return (save, labels[0]), (open_, labels[1])
