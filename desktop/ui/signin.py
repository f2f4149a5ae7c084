"""The sign-in page: server address, name, password; signs in or creates an account."""

from __future__ import annotations

from typing import TypeVar

from PySide6.QtCore import QCoreApplication, Qt, Signal
from PySide6.QtWidgets import (
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

W = TypeVar("W", bound=QWidget)


def named(widget: W, name: str) -> W:
    """Give a widget its accessible name, in the interface language (a screen reader speaks it),
    and its object name from the English one, for tests and style sheets.

    The English names are marked for translation in `desktop/ui/accessible_names.py`.
    """
    widget.setAccessibleName(QCoreApplication.translate("Accessible", name))
    widget.setObjectName(name.replace(" ", "_").lower())
    widget.setProperty("english_name", name)
    return widget


def label(text: str) -> QLabel:
    """A label that never interprets markup (Qt guesses rich text unless told not to)."""
    widget = QLabel(text)
    widget.setTextFormat(Qt.TextFormat.PlainText)
    return widget


class SignInPage(QWidget):
    """Emits `sign_in_requested` or `sign_up_requested`; the window runs the call."""

    sign_in_requested = Signal(str, str, str)  # server, login, password
    sign_up_requested = Signal(str, str, str, str, str)  # server, username, email, password, name

    def __init__(self, default_server: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.server = QLineEdit(default_server)
        self.username = QLineEdit()
        self.password = QLineEdit()
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.email = QLineEdit()
        self.display_name = QLineEdit()
        self.sign_in = QPushButton(self.tr("Sign in"))
        self.sign_in.setDefault(True)
        self.create_account = QPushButton(self.tr("Create account"))
        for widget, name in (
            (self.server, "Server"),
            (self.username, "Username"),
            (self.password, "Password"),
            (self.email, "Email"),
            (self.display_name, "Display name"),
            (self.sign_in, "Sign in"),
            (self.create_account, "Create account"),
        ):
            named(widget, name)
        self.username.setPlaceholderText(self.tr("username or email"))
        self.email.setPlaceholderText(self.tr("only for a new account"))
        self.display_name.setPlaceholderText(self.tr("only for a new account (optional)"))
        self.server.setPlaceholderText("http://127.0.0.1:8080")

        title = QLabel("Parley")
        title.setTextFormat(Qt.TextFormat.PlainText)
        title.setStyleSheet("font-size: 22pt; font-weight: 600;")
        title.setAlignment(Qt.AlignmentFlag.AlignCenter)
        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        form.addRow(label(self.tr("Server")), self.server)
        form.addRow(label(self.tr("Username")), self.username)
        form.addRow(label(self.tr("Password")), self.password)
        form.addRow(label(self.tr("Email")), self.email)
        form.addRow(label(self.tr("Display name")), self.display_name)
        buttons = QHBoxLayout()
        buttons.addWidget(self.create_account)
        buttons.addStretch(1)
        buttons.addWidget(self.sign_in)
        box = QWidget()
        box.setMinimumWidth(280)  # a narrow window still fits the form
        box.setMaximumWidth(460)
        inner = QVBoxLayout(box)
        inner.addWidget(title)
        inner.addSpacing(12)
        inner.addLayout(form)
        inner.addLayout(buttons)
        outer = QVBoxLayout(self)
        outer.addStretch(1)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(box)
        row.addStretch(1)
        outer.addLayout(row)
        outer.addStretch(2)

        self.sign_in.clicked.connect(self._sign_in)
        self.create_account.clicked.connect(self._sign_up)
        self.password.returnPressed.connect(self._sign_in)

    def set_busy(self, busy: bool) -> None:
        for w in (self.sign_in, self.create_account):
            w.setEnabled(not busy)

    def _sign_in(self) -> None:
        if self.sign_in.isEnabled():
            self.sign_in_requested.emit(
                self.server.text().strip(), self.username.text().strip(), self.password.text()
            )

    def _sign_up(self) -> None:
        self.sign_up_requested.emit(
            self.server.text().strip(),
            self.username.text().strip(),
            self.email.text().strip(),
            self.password.text(),
            self.display_name.text().strip(),
        )

    def clear_password(self) -> None:
        self.password.clear()
