"""The call controls of the main window, driven by the core's `CallCenter`."""

from __future__ import annotations

from typing import TYPE_CHECKING

import shiboken6
from PySide6.QtCore import QItemSelection, QObject, Slot
from PySide6.QtWidgets import QDialog, QHBoxLayout, QPushButton, QVBoxLayout, QWidget

from desktop.core.calls import CallCenter, CallSession
from desktop.core.services import CallServices
from desktop.core.tr import QT_TRANSLATE_NOOP
from desktop.core.wire import JSON
from desktop.ui.signin import label, named

if TYPE_CHECKING:
    from desktop.ui.call.window import CallWindow
    from desktop.ui.main_window import MainWindow

NEEDS_JITSI_TEXT = QT_TRANSLATE_NOOP("CallControls", "Group calls need a Jitsi server")


class IncomingCall(QDialog):
    """Ringing: who calls, Accept or Decline. Not modal: the app stays usable."""

    def __init__(self, caller: str, parent: QWidget) -> None:
        super().__init__(parent)
        named(self, "Incoming call")
        self.setWindowTitle(self.tr("Incoming call"))
        self.text = label(self.tr("%1 is calling you").replace("%1", caller))
        named(self.text, "Incoming call text")
        self.accept_button = named(QPushButton(self.tr("Accept")), "Accept")
        self.decline_button = named(QPushButton(self.tr("Decline")), "Decline")
        buttons = QHBoxLayout()
        buttons.addWidget(self.accept_button)
        buttons.addWidget(self.decline_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.text)
        layout.addLayout(buttons)


class CallControls(QObject):
    """Implements `desktop.core.calls.CallListener` for the window."""

    def __init__(self, calls: CallCenter, chats: CallServices, window: MainWindow) -> None:
        super().__init__(window)
        self._calls, self._chats = calls, chats
        self._window = window
        self.button = named(QPushButton(self.tr("Call")), "Call")
        self.unavailable = label(self.tr(NEEDS_JITSI_TEXT))
        named(self.unavailable, "Call unavailable")
        self.unavailable.setStyleSheet("color: #6b6f76;")
        self.banner = QWidget()
        named(self.banner, "Call banner")
        self.banner_text = label(self.tr("A call is running in this chat"))
        self.join = named(QPushButton(self.tr("Join call")), "Join call")
        row = QHBoxLayout(self.banner)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.banner_text)
        row.addWidget(self.join)
        for w in (self.banner, self.unavailable, self.button):
            window.pane.header_extras.addWidget(w)
        self.banner.hide()
        self.unavailable.hide()
        self.incoming: IncomingCall | None = None
        self._looked_up: set[str] = set()  # chats whose running call we asked the server for
        self.call_window: CallWindow | None = None
        self.button.clicked.connect(self._call_clicked)
        self.join.clicked.connect(self._call_clicked)
        # Bound slots of this QObject: Qt drops the connections when the window (its parent) goes.
        window.chat_list.selectionModel().selectionChanged.connect(self._selection_changed)
        window.bridge.chat_was_changed.connect(self._chat_changed)
        window.bridge.user_signed_out.connect(self._signed_out)
        calls.listener = self

    # -- the header -------------------------------------------------------------------------

    @Slot(QItemSelection, QItemSelection)
    def _selection_changed(self, *_: object) -> None:
        self.refresh()

    @Slot(str)
    def _chat_changed(self, _chat_id: str) -> None:
        self.refresh()

    @Slot(str)
    def _signed_out(self, _reason: str) -> None:
        """Signed out (or the session ended): no call window outlives the session."""
        self._close_incoming()
        self.teardown()
        self._calls.forget()
        self._looked_up.clear()

    def refresh(self) -> None:
        if not shiboken6.isValid(self.button):  # the window is being torn down
            return
        chat = self._chats.chats.get(self._window.pane.chat_id or "")
        if chat is None:
            return
        calls = self._calls
        if chat.id not in self._looked_up:
            self._looked_up.add(chat.id)
            self._window.run(calls.load(chat.id))
        blocked = not chat.is_direct and calls.needs_jitsi
        running = calls.running.get(chat.id)
        in_it = calls.active is not None and calls.active.chat_id == chat.id
        self.unavailable.setVisible(blocked)
        self.button.setVisible(not blocked)
        self.button.setEnabled(calls.active is None)
        self.banner.setVisible(bool(running) and not chat.is_direct and not in_it)

    def _call_clicked(self) -> None:
        chat_id = self._window.pane.chat_id
        if chat_id and self._calls.active is None:
            self._window.run(self._calls.start(chat_id))

    # -- CallListener -----------------------------------------------------------------------

    def ringing(self, chat_id: str, call: JSON, caller_id: str) -> None:
        self._close_incoming()
        dialog = IncomingCall(self._chats.users.label(caller_id), self._window)
        dialog.accept_button.clicked.connect(lambda: self._answer(chat_id, True, call))
        dialog.decline_button.clicked.connect(lambda: self._answer(chat_id, False, call))
        dialog.setProperty("call_id", call.get("id"))
        self.incoming = dialog
        dialog.show()
        caller = self._chats.users.label(caller_id)
        self._window.tray.notify(
            self.tr("Incoming call"), self.tr("%1 is calling").replace("%1", caller)
        )

    def _answer(self, chat_id: str, accept: bool, call: JSON) -> None:
        self._close_incoming()
        if accept:
            self._window.run(self._calls.start(chat_id))
        else:
            self._window.run(self._calls.decline(str(call.get("id"))))

    def running_changed(self, chat_id: str) -> None:
        self.refresh()

    def joined(self, session: CallSession) -> None:
        from desktop.ui.call.window import CallWindow  # the web engine loads here, not before

        self.teardown()
        self.call_window = CallWindow(session, self._signal_out, self._hang_up)
        self.call_window.show()
        self.refresh()

    def ended(self, call_id: str, reason: str) -> None:
        if self.incoming is not None and self.incoming.property("call_id") == call_id:
            self._close_incoming()
        if self.call_window is not None and self.call_window.session.id == call_id:
            self.teardown()
        self.refresh()

    def signal(self, from_user_id: str, data: JSON) -> None:
        if self.call_window is not None:
            self.call_window.deliver(from_user_id, data)

    def peer_joined(self, user_id: str) -> None:
        if self.call_window is not None:
            self.call_window.peer_joined(user_id)

    # -- plumbing ---------------------------------------------------------------------------

    def _signal_out(self, to_user_id: str, data: JSON) -> None:
        self._window.run(self._calls.send_signal(to_user_id, data))

    def _hang_up(self) -> None:
        self._window.run(self._calls.hang_up())

    def _close_incoming(self) -> None:
        if self.incoming is not None:
            self.incoming.hide()
            self.incoming.deleteLater()
            self.incoming = None

    def teardown(self) -> None:
        if self.call_window is not None:
            self.call_window.teardown()
            self.call_window = None


def install(calls: CallCenter, chats: CallServices, window: MainWindow) -> CallControls:
    return CallControls(calls, chats, window)
