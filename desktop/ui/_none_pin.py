"""Work around PySide6 6.12.0 dropping references to `None`/`True`/`False` (Python < 3.12).

Measured here: each call of a method returning nothing (`QFont.setBold`, `QPainter.setPen`,
`QLabel.setText`, `QModelIndex.data` returning None, ...) lowers `None`'s reference count by
one, and every `Signal.emit` does the same to `True` or `False`. Python 3.12 made these objects
immortal, so the wheel's authors never see it; on 3.11 a busy app reaches zero within minutes
and aborts with "Fatal Python error: none_dealloc". Until the pinned PySide6 is fixed or the
project moves to Python 3.12, these singletons get a reference count so large that no session
can use it up (2**40 calls), which is what 3.12 does by design.
"""

from __future__ import annotations

import ctypes
import sys

_PIN = 1 << 40


def pin_none() -> bool:
    """Raise the singletons' reference counts once per process; True if all are pinned."""
    if sys.version_info >= (3, 12):
        return True
    return all([_pin(None), _pin(True), _pin(False), _pin(Ellipsis), _pin(NotImplemented)])


def _pin(obj: object) -> bool:
    before = sys.getrefcount(obj)
    if before > _PIN // 2:
        return True
    field = ctypes.c_ssize_t.from_address(id(obj))
    if abs(field.value - before) > 64:
        return False  # an unusual object layout (debug build): leave it alone
    field.value += _PIN
    return sys.getrefcount(obj) > _PIN
