"""The settings dialog: appearance (theme, language) and notifications (on/off, Do not disturb).

Changes are kept with QSettings (`Preferences`). The theme applies at once; the language applies
on the next start, because every window's texts are translated when it is built. The server
address and the sessions page are not here yet.
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

from desktop.core.tr import QT_TRANSLATE_NOOP
from desktop.ui import i18n, theme
from desktop.ui.preferences import Preferences
from desktop.ui.signin import label, named

THEMES = (
    ("system", QT_TRANSLATE_NOOP("SettingsDialog", "Follow the system")),
    ("light", QT_TRANSLATE_NOOP("SettingsDialog", "Light")),
    ("dark", QT_TRANSLATE_NOOP("SettingsDialog", "Dark")),
)


class SettingsDialog(QDialog):
    def __init__(self, prefs: Preferences, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Settings"))
        self.setMinimumWidth(380)
        self._prefs = prefs
        self.theme = named(QComboBox(), "Theme")
        for value, text in THEMES:
            self.theme.addItem(self.tr(text), value)
        values = [v for v, _ in THEMES]
        self.theme.setCurrentIndex(values.index(prefs.theme) if prefs.theme in values else 0)
        self.language = named(QComboBox(), "Language")
        self.language.addItem(self.tr("System"), i18n.SYSTEM)
        for value, text in i18n.LANGUAGES:
            self.language.addItem(text, value)
        codes = list(i18n.CHOICES)
        self.language.setCurrentIndex(codes.index(prefs.language) if prefs.language in codes else 0)
        self.language_note = label(self.tr("The language changes when Parley is started again."))
        self.language_note.setProperty("muted", True)
        self.language_note.setWordWrap(True)
        self.language_note.hide()
        self.notifications = named(QCheckBox(self.tr("Show notifications")), "Show notifications")
        self.notifications.setChecked(prefs.notifications)
        self.dnd = named(QCheckBox(self.tr("Do not disturb")), "Do not disturb setting")
        self.dnd.setChecked(prefs.do_not_disturb)
        form = QFormLayout(self)
        form.addRow(label(self.tr("Theme")), self.theme)
        form.addRow(label(self.tr("Language")), self.language)
        form.addRow(label(""), self.language_note)
        form.addRow(label(self.tr("Notifications")), self.notifications)
        form.addRow(label(""), self.dnd)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        close = buttons.button(QDialogButtonBox.StandardButton.Close)
        named(close, "Close")
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)
        self.theme.currentIndexChanged.connect(self._theme_chosen)
        self.language.currentIndexChanged.connect(self._language_chosen)
        self.notifications.toggled.connect(self._notifications)
        self.dnd.toggled.connect(self._dnd)

    def _theme_chosen(self, _index: int) -> None:
        value = str(self.theme.currentData())
        self._prefs.theme = value
        theme.apply(value)

    def _language_chosen(self, _index: int) -> None:
        self._prefs.language = str(self.language.currentData())
        self.language_note.show()

    def _notifications(self, on: bool) -> None:
        self._prefs.notifications = on

    def _dnd(self, on: bool) -> None:
        self._prefs.do_not_disturb = on
