"""The settings dialog: appearance (theme) and notifications (on/off, Do not disturb).

Changes apply at once and are kept with QSettings (`Preferences`). Language, the server address
and the sessions page are not here yet.
"""

from __future__ import annotations

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QWidget,
)

from desktop.ui import theme
from desktop.ui.preferences import Preferences
from desktop.ui.signin import label, named

THEMES = (("system", "Follow the system"), ("light", "Light"), ("dark", "Dark"))


class SettingsDialog(QDialog):
    def __init__(self, prefs: Preferences, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Settings")
        self.setMinimumWidth(380)
        self._prefs = prefs
        self.theme = named(QComboBox(), "Theme")
        for value, text in THEMES:
            self.theme.addItem(text, value)
        values = [v for v, _ in THEMES]
        self.theme.setCurrentIndex(values.index(prefs.theme) if prefs.theme in values else 0)
        self.notifications = named(QCheckBox("Show notifications"), "Show notifications")
        self.notifications.setChecked(prefs.notifications)
        self.dnd = named(QCheckBox("Do not disturb"), "Do not disturb setting")
        self.dnd.setChecked(prefs.do_not_disturb)
        form = QFormLayout(self)
        form.addRow(label("Theme"), self.theme)
        form.addRow(label("Notifications"), self.notifications)
        form.addRow(label(""), self.dnd)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        close = buttons.button(QDialogButtonBox.StandardButton.Close)
        named(close, "Close")
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)
        self.theme.currentIndexChanged.connect(self._theme_chosen)
        self.notifications.toggled.connect(self._notifications)
        self.dnd.toggled.connect(self._dnd)

    def _theme_chosen(self, _index: int) -> None:
        value = str(self.theme.currentData())
        self._prefs.theme = value
        theme.apply(value)

    def _notifications(self, on: bool) -> None:
        self._prefs.notifications = on

    def _dnd(self, on: bool) -> None:
        self._prefs.do_not_disturb = on
