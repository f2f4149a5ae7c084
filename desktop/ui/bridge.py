"""The bridge from the Qt-free core to Qt: each `AppListener` call becomes a signal.

Widgets connect to these signals; nothing in `desktop.core` knows they exist.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal

from desktop.core.wire import User


class Bridge(QObject):
    """Implements `desktop.core.listener.AppListener` by emitting one signal per call."""

    user_signed_in = Signal(object)  # User
    user_signed_out = Signal(str)  # reason ("" for a deliberate sign-out)
    chats_were_reset = Signal()
    chat_was_changed = Signal(str)
    connection_was_changed = Signal(bool)
    typing_was_changed = Signal(str)
    notified = Signal(str, str, str)  # chat_id, title, body (plain text)
    error_raised = Signal(str)

    def signed_in(self, me: User) -> None:
        self.user_signed_in.emit(me)

    def signed_out(self, reason: str) -> None:
        self.user_signed_out.emit(reason)

    def chats_reset(self) -> None:
        self.chats_were_reset.emit()

    def chat_changed(self, chat_id: str) -> None:
        self.chat_was_changed.emit(chat_id)

    def connection_changed(self, online: bool) -> None:
        self.connection_was_changed.emit(online)

    def typing_changed(self, chat_id: str) -> None:
        self.typing_was_changed.emit(chat_id)

    def notify(self, chat_id: str, title: str, body: str) -> None:
        self.notified.emit(chat_id, title, body)

    def error(self, text: str) -> None:
        self.error_raised.emit(text)
