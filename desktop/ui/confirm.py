"""Confirmations for what cannot be undone from the app, asked without blocking the loop."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox, QWidget

from desktop.ui.signin import named


def ask(
    parent: QWidget, title: str, text: str, action: str, on_yes: Callable[[], object]
) -> QMessageBox:
    """A question box with `action` (destructive) and Cancel (the default); opened, not exec'd."""
    box = QMessageBox(
        QMessageBox.Icon.Question, title, text, QMessageBox.StandardButton.NoButton, parent
    )
    named(box, title)
    box.setTextFormat(Qt.TextFormat.PlainText)
    named(box.addButton(action, QMessageBox.ButtonRole.DestructiveRole), action)
    named(box.addButton(QMessageBox.StandardButton.Cancel), "Cancel")
    box.setDefaultButton(QMessageBox.StandardButton.Cancel)

    def done() -> None:
        if box.buttonRole(box.clickedButton()) is QMessageBox.ButtonRole.DestructiveRole:
            on_yes()
        box.deleteLater()

    box.finished.connect(done)
    box.open()
    return box
