"""Dialogs that stay open until their action succeeds, and show its failure inside themselves.

A dialog that closes on OK and reports a failure afterwards in the window's banner loses what the
person typed. Here OK runs the action while the dialog stays open (its buttons disabled); success
closes it, a failure appears as one sentence under the fields, with the input kept and the
first field focused again.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any

import shiboken6
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QLineEdit, QWidget

from desktop.core.errors import describe
from desktop.ui import i18n
from desktop.ui.signin import named

Runner = Callable[[Coroutine[Any, Any, Any]], object]
Action = Callable[[], Coroutine[Any, Any, Any] | None]


def error_label() -> QLabel:
    """The line under a dialog's fields where its action's failure is shown."""
    error = QLabel("")
    error.setTextFormat(Qt.TextFormat.PlainText)
    error.setWordWrap(True)
    error.setStyleSheet("color: #c62828;")
    named(error, "Dialog error")
    error.hide()
    return error


def attach(
    dialog: QDialog, buttons: QDialogButtonBox, error: QLabel, run: Runner, action: Action
) -> None:
    """Make OK run `action` (a coroutine, or None when there is nothing to do) in the dialog."""
    buttons.accepted.disconnect()

    def submit() -> None:
        coro = action()
        if coro is None:
            dialog.accept()
            return
        buttons.setEnabled(False)
        error.hide()
        run(_guarded(dialog, buttons, error, coro))

    buttons.accepted.connect(submit)


async def _guarded(
    dialog: QDialog, buttons: QDialogButtonBox, error: QLabel, coro: Coroutine[Any, Any, Any]
) -> None:
    try:
        await coro
    except Exception as exc:  # shown where the person is looking
        if not shiboken6.isValid(dialog):
            raise
        error.setText(i18n.tr_error(describe(exc)))
        error.show()
        buttons.setEnabled(True)
        _refocus(dialog)
        return
    if shiboken6.isValid(dialog):
        dialog.accept()


def _refocus(dialog: QWidget) -> None:
    fields = [f for f in dialog.findChildren(QLineEdit) if f.isVisible() and f.isEnabled()]
    if fields:
        fields[0].setFocus()
