"""The pinned PySide6 keeps Python's singletons alive (6.12.0 on Python 3.11 did not).

PySide6 6.12.0 dropped a reference to `None` on every void call and to `True`/`False` on every
signal emit; on Python 3.11 (where they are not immortal) a busy app aborted within minutes with
"Fatal Python error: none_dealloc". This fails, rather than crashes later, if an upgrade brings
that back. Each call is made 1,000 times: one-off references (lazy initialisation) stay far
below the threshold, a per-call leak far above it.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any

import pytest
from PySide6.QtCore import QObject, QStringListModel, Signal
from PySide6.QtGui import QColor, QFont, QImage, QPainter
from PySide6.QtWidgets import QLabel

CALLS = 1_000  # few enough that a leaking build fails here before the interpreter aborts
TOLERANCE = 100  # references a call may take or give once (after a warm-up call), not per call


class Emitter(QObject):
    flag = Signal(bool)
    bare = Signal()
    text = Signal(str)


def counts() -> tuple[int, int, int]:
    return sys.getrefcount(None), sys.getrefcount(True), sys.getrefcount(False)


def check(call: Callable[[], None], what: str) -> None:
    call()  # the first call may initialise things lazily
    before = counts()
    for _ in range(CALLS):
        call()
    after = counts()
    drift = [a - b for a, b in zip(after, before, strict=True)]
    assert all(abs(d) < TOLERANCE for d in drift), (
        f"{what}: None/True/False reference counts moved by {drift} over {CALLS} calls"
    )


def test_void_calls_and_emits_leave_none_true_false_alone(qapp: Any) -> None:
    print("reference counts at the start (None, True, False):", counts())
    if sys.version_info >= (3, 12):
        pytest.fail("Python 3.12+ makes these objects immortal: this check needs 3.11")
    label, font, color = QLabel(), QFont(), QColor("red")
    image = QImage(8, 8, QImage.Format.Format_ARGB32)
    painter = QPainter(image)
    model = QStringListModel(["a"])
    index = model.index(0, 0)
    emitter = Emitter()
    emitter.flag.connect(lambda _v: None)
    emitter.bare.connect(lambda: None)
    emitter.text.connect(lambda _v: None)
    try:
        check(lambda: label.setText("x"), "QLabel.setText")
        check(lambda: font.setBold(True), "QFont.setBold")
        check(lambda: painter.setPen(color), "QPainter.setPen")
        check(lambda: index.data(0x1234), "QModelIndex.data returning None")
        check(lambda: emitter.flag.emit(True), "Signal(bool).emit(True)")
        check(lambda: emitter.flag.emit(False), "Signal(bool).emit(False)")
        check(emitter.bare.emit, "Signal().emit")
        check(lambda: emitter.text.emit("x"), "Signal(str).emit")
    finally:
        painter.end()
