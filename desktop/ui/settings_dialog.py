"""The settings dialog: General (theme, language, notifications, Do not disturb, server address)
and Sessions (my signed-in devices, sign out one or all others).

Changes are kept with QSettings (`Preferences`) and apply at once: the theme restyles the app, a
language retranslates the open windows (`desktop.ui.retranslate`), a server address becomes the
sign-in page's.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLineEdit,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from desktop.core.devices import Devices
from desktop.core.rest import normalize_server
from desktop.core.tr import QT_TRANSLATE_NOOP
from desktop.ui import i18n, retranslate, theme
from desktop.ui.preferences import Preferences
from desktop.ui.sessions_page import SessionsPage
from desktop.ui.signin import label, named

if TYPE_CHECKING:
    from desktop.ui.main_window import MainWindow

Runner = Callable[[Coroutine[Any, Any, Any]], object]

THEMES = (
    ("system", QT_TRANSLATE_NOOP("SettingsDialog", "Follow the system")),
    ("light", QT_TRANSLATE_NOOP("SettingsDialog", "Light")),
    ("dark", QT_TRANSLATE_NOOP("SettingsDialog", "Dark")),
)


class SettingsDialog(QDialog):
    server_changed = Signal(str)  # a new address for the sign-in page

    def __init__(
        self,
        prefs: Preferences,
        parent: QWidget | None = None,
        *,
        devices: Callable[[], Devices | None] | None = None,
        run: Runner | None = None,
        server: str = "",
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Settings"))
        self.setMinimumWidth(460)
        self._prefs = prefs
        self.tabs = named(QTabWidget(), "Settings sections")
        self.tabs.addTab(self._general(prefs, server), self.tr("General"))
        self.sessions: SessionsPage | None = None
        if devices is not None and run is not None:
            self.sessions = SessionsPage(devices, run)
            self.tabs.addTab(self.sessions, self.tr("Sessions"))
            self.tabs.currentChanged.connect(self._tab_chosen)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        close = buttons.button(QDialogButtonBox.StandardButton.Close)
        named(close, "Close")
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.tabs, 1)
        layout.addWidget(buttons)
        self.theme.currentIndexChanged.connect(self._theme_chosen)
        self.language.currentIndexChanged.connect(self._language_chosen)
        self.notifications.toggled.connect(self._notifications)
        self.dnd.toggled.connect(self._dnd)
        self.server.editingFinished.connect(self._server_chosen)

    def _general(self, prefs: Preferences, server: str) -> QWidget:
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
        self.notifications = named(QCheckBox(self.tr("Show notifications")), "Show notifications")
        self.notifications.setChecked(prefs.notifications)
        self.dnd = named(QCheckBox(self.tr("Do not disturb")), "Do not disturb setting")
        self.dnd.setChecked(prefs.do_not_disturb)
        self.server = named(QLineEdit(prefs.server or server), "Server address")
        self.server.setPlaceholderText("https://chat.example.org")
        self.server_note = label(self.tr("Used the next time you sign in."))
        self.server_note.setProperty("muted", True)
        page = QWidget()
        form = QFormLayout(page)
        form.addRow(label(self.tr("Theme")), self.theme)
        form.addRow(label(self.tr("Language")), self.language)
        form.addRow(label(self.tr("Notifications")), self.notifications)
        form.addRow(label(""), self.dnd)
        form.addRow(label(self.tr("Server address")), self.server)
        form.addRow(label(""), self.server_note)
        return page

    def _tab_chosen(self, index: int) -> None:
        if self.sessions is not None and self.tabs.widget(index) is self.sessions:
            self.sessions.reload()

    def _theme_chosen(self, _index: int) -> None:
        value = str(self.theme.currentData())
        self._prefs.theme = value
        theme.apply(value)

    def _language_chosen(self, _index: int) -> None:
        self._prefs.language = str(self.language.currentData())
        retranslate.switch(self._prefs.language)

    def _notifications(self, on: bool) -> None:
        self._prefs.notifications = on

    def _dnd(self, on: bool) -> None:
        self._prefs.do_not_disturb = on

    def _server_chosen(self) -> None:
        text = self.server.text().strip()
        if not text:
            return
        address = normalize_server(text)
        if address != self._prefs.server:
            self._prefs.server = address
            self.server_changed.emit(address)


def open_for(window: MainWindow) -> SettingsDialog | None:
    """The window's Settings (Ctrl+,): wired to its sign-in page, DND button and sessions."""
    prefs = window.notifier.preferences
    if prefs is None:
        return None
    connection = window.reading  # the REST client while signed in

    def devices() -> Devices | None:
        rest = connection.rest
        return Devices(rest) if rest is not None else None

    dialog = SettingsDialog(
        prefs, window, devices=devices, run=window.run, server=window.signin.server.text()
    )
    dialog.dnd.toggled.connect(window.dnd.setChecked)
    dialog.server_changed.connect(window.signin.server.setText)
    dialog.open()
    return dialog


def install(window: MainWindow, prefs: Preferences) -> None:
    """The window follows language switches, and a successful sign-in remembers its server."""

    connection = window.reading  # not the window: the bridge may outlive it

    def signed_in(_me: object) -> None:
        rest = connection.rest
        if rest is not None:
            prefs.server = rest.server_url

    window.bridge.user_signed_in.connect(signed_in)
    retranslate.follow(
        window,
        window.pane.refresh_header,
        window.chat_model.all_changed,
        window.pane.view.viewport().update,
        window._update_unread,
    )
