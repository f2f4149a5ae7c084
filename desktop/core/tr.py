"""The translation marker for sentences written outside Qt (desktop/core has no Qt).

`pyside6-lupdate` extracts every `QT_TRANSLATE_NOOP(context, text)` by its name; this one returns
the English text unchanged and the UI translates it where it is shown
(`QCoreApplication.translate(context, text)`). Typed `str -> str`, unlike PySide6's own.
"""

from __future__ import annotations


def QT_TRANSLATE_NOOP(context: str, text: str) -> str:  # noqa: N802 - the name lupdate extracts
    """Only marks `text`; `context` tells lupdate (and the UI) which catalogue section it is in."""
    del context
    return text
