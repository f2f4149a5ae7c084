"""The main window: sign-in page or chats page, the offline banner and the error banner.

Every coroutine a widget starts goes through `run()`, which hands it to the app's task
registry; any failure ends as one sentence in the error banner (never a traceback dialog).
"""

from __future__ import annotations

from collections.abc import Coroutine
from typing import Any

import shiboken6
from PySide6.QtCore import (
    QCoreApplication,
    QEvent,
    QItemSelection,
    QModelIndex,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListView,
    QMainWindow,
    QPushButton,
    QSplitter,
    QStackedWidget,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from desktop.core.services import WindowServices
from desktop.core.tr import QT_TRANSLATE_NOOP
from desktop.core.wire import User
from desktop.ui import confirm, dialog_actions, form_focus, i18n, settings_dialog
from desktop.ui.bridge import Bridge
from desktop.ui.chat_pane import ChatPane
from desktop.ui.conversation_ui import install_conversation
from desktop.ui.delegates import ChatDelegate
from desktop.ui.dialogs import DirectChatDialog, InviteDialog, NewChatDialog, ProfileDialog
from desktop.ui.models import CHAT_ID_ROLE, ChatFilterModel, ChatListModel
from desktop.ui.notifications import Notifier, chat_menu
from desktop.ui.responsive import Responsive
from desktop.ui.search import install as install_search
from desktop.ui.settings_dialog import SettingsDialog
from desktop.ui.signin import SignInPage, named
from desktop.ui.tray import Tray

OFFLINE_GRACE_MS = 1500  # do not flash the banner while the first connection is being made
OFFLINE_LIVE = QT_TRANSLATE_NOOP(
    "MainWindow", "Offline — reconnecting. Messages you write are sent when the connection is back."
)
OFFLINE_CACHED = QT_TRANSLATE_NOOP(
    "MainWindow", "Offline — showing saved chats. Connecting to the server…"
)


class Banner(QFrame):
    """A one-line strip with plain text and one button."""

    def __init__(self, name: str, button: str, style: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setStyleSheet(style)
        named(self, name)
        self.label = QLabel("")
        self.label.setTextFormat(Qt.TextFormat.PlainText)
        self.label.setWordWrap(True)
        named(self.label, f"{name} text")
        self.button = named(QPushButton(QCoreApplication.translate("Banner", button)), button)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(10, 4, 6, 4)
        layout.addWidget(self.label, 1)
        layout.addWidget(self.button)
        self.hide()

    def text(self) -> str:
        return self.label.text() if not self.isHidden() else ""


class MainWindow(QMainWindow):
    quit_requested = Signal()  # Ctrl+Q; the entry point shuts down on the live loop, then exits

    def __init__(self, services: WindowServices, bridge: Bridge, default_server: str) -> None:
        super().__init__()
        self.account, self.chats, self.reading = services.account, services.chats, services.reading
        self.people, self._spawn = services.people, services.spawn
        self._outbox, self._typing = services.outbox, services.typing
        self._conversation = services.conversation
        self.bridge = bridge
        self.setWindowTitle("Parley")
        self.resize(980, 680)
        self.notifications: list[tuple[str, str]] = []
        self.shortcuts: list[object] = []  # installed by desktop.ui.shortcuts
        self._ever_online = False
        self._online = False

        self.offline = Banner(
            "Offline banner",
            QT_TRANSLATE_NOOP("Banner", "Reconnect now"),
            "background:#fff4ce; color:#5c4400;",
        )
        self.offline.label.setText(self.tr(OFFLINE_LIVE))
        self.error_banner = Banner(
            "Error", QT_TRANSLATE_NOOP("Banner", "Dismiss"), "background:#fde7e9; color:#8a1020;"
        )
        self.notice = Banner(
            "Connection notice",
            QT_TRANSLATE_NOOP("Banner", "OK"),
            "background:#e3f4e8; color:#17502a;",
        )
        self._notice_timer = QTimer(self)
        self._notice_timer.setSingleShot(True)
        self._notice_timer.timeout.connect(self.notice.hide)
        self.notice.button.clicked.connect(self.notice.hide)
        self.signin = SignInPage(default_server)
        self.chats_page = self._build_chats_page()
        self.stack = QStackedWidget()
        self.stack.addWidget(self.signin)
        self.stack.addWidget(self.chats_page)
        central = QWidget()
        layout = QVBoxLayout(central)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.offline)
        layout.addWidget(self.error_banner)
        layout.addWidget(self.notice)
        layout.addWidget(self.stack, 1)
        self.setCentralWidget(central)
        self.tray = Tray(self)
        self.notifier = Notifier(self.tray, self.run, self)

        self._offline_timer = QTimer(self)
        self._offline_timer.setSingleShot(True)
        self._offline_timer.timeout.connect(self._update_offline)
        self.responsive = Responsive(self, self.chats_page, self.pane)
        self.quit_action = QAction(self.tr("Quit"), self)
        self.quit_action.setShortcut(QKeySequence("Ctrl+Q"))
        self.quit_action.setShortcutContext(Qt.ShortcutContext.ApplicationShortcut)
        self.quit_action.triggered.connect(self.quit_requested.emit)
        self.addAction(self.quit_action)
        self._wire()
        self.search = install_search(self)

    def _build_chats_page(self) -> QSplitter:
        self.me_label = QLabel("")
        self.me_label.setTextFormat(Qt.TextFormat.PlainText)
        self.profile_button = named(QPushButton(self.tr("Profile")), "Profile")
        self.sign_out_button = named(QPushButton(self.tr("Sign out")), "Sign out")
        self.filter = QLineEdit()
        self.filter.setPlaceholderText(self.tr("Filter chats"))
        self.filter.setClearButtonEnabled(True)
        named(self.filter, "Filter chats")
        for clear in self.filter.findChildren(QToolButton):  # Qt's own clear button
            clear.setAccessibleName(QCoreApplication.translate("Accessible", "Clear filter"))
        self.new_chat = named(QPushButton(self.tr("New chat")), "New chat")
        self.new_direct = named(QPushButton(self.tr("New direct chat")), "New direct chat")
        self.chat_model = ChatListModel(self.chats, self)
        self.chat_proxy = ChatFilterModel(self.chat_model, self)
        self.chat_list = QListView()
        named(self.chat_list, "Chats")
        self.chat_list.setModel(self.chat_proxy)
        self.chat_list.setItemDelegate(ChatDelegate(self.chat_list))
        self.chat_list.setUniformItemSizes(True)
        self.pane = ChatPane(self.reading, self._outbox, self._typing, self.run)
        if self._conversation is not None:
            install_conversation(self.pane, self._conversation, self._outbox, self.run)

        top = QHBoxLayout()
        top.addWidget(self.me_label, 1)
        top.addWidget(self.profile_button)
        top.addWidget(self.sign_out_button)
        buttons = QHBoxLayout()
        buttons.addWidget(self.new_chat)
        buttons.addWidget(self.new_direct)
        left = QWidget()
        lv = QVBoxLayout(left)
        lv.addLayout(top)
        self.dnd = named(QToolButton(), "Do not disturb")
        self.dnd.setText(self.tr("DND"))  # text, not an emoji: not every desktop has an emoji font
        self.dnd.setCheckable(True)
        self.dnd.setToolTip(self.tr("Do not disturb: no notifications"))
        filter_row = QHBoxLayout()
        filter_row.addWidget(self.filter, 1)
        filter_row.addWidget(self.dnd)
        self.settings_button = named(QToolButton(), "Settings")
        self.settings_button.setText("⚙")
        self.settings_button.setToolTip(self.tr("Settings (Ctrl+,)"))
        filter_row.addWidget(self.settings_button)
        lv.addLayout(filter_row)
        lv.addLayout(buttons)
        lv.addWidget(self.chat_list, 1)
        splitter = QSplitter()
        splitter.addWidget(left)
        splitter.addWidget(self.pane)
        splitter.setStretchFactor(1, 1)
        splitter.setSizes([300, 680])
        return splitter

    def _wire(self) -> None:
        b = self.bridge
        b.user_signed_in.connect(self._signed_in)
        b.user_signed_out.connect(self._signed_out)
        b.chats_were_reset.connect(self._chats_reset)
        b.chat_was_changed.connect(self._chat_changed)
        b.connection_was_changed.connect(self._connection_changed)
        b.typing_was_changed.connect(self._typing_changed)
        b.notified.connect(self._notify)
        b.error_raised.connect(self.show_error)
        self.signin.sign_in_requested.connect(self._sign_in)
        self.signin.sign_up_requested.connect(self._sign_up)
        self.offline.button.clicked.connect(self._reconnect_now)
        self.error_banner.button.clicked.connect(self.error_banner.hide)
        self.filter.textChanged.connect(self.chat_proxy.setFilterFixedString)
        self.chat_list.selectionModel().selectionChanged.connect(self._selection_changed)
        self.chat_list.clicked.connect(lambda _i: self.responsive.chat_chosen())
        self.chat_list.activated.connect(lambda _i: self.responsive.chat_chosen())
        self.new_chat.clicked.connect(self.open_new_chat)
        self.new_direct.clicked.connect(self.open_new_direct)
        self.profile_button.clicked.connect(self.open_profile)
        self.sign_out_button.clicked.connect(lambda: self.run(self.account.sign_out()))
        self.pane.invite_requested.connect(self.open_invite)
        self.pane.leave_requested.connect(self.confirm_leave)
        self.pane.error_raised.connect(self.show_error)
        self.notifier.open_chat.connect(self.open_from_notification)
        self.dnd.toggled.connect(self._toggle_dnd)
        self.settings_button.clicked.connect(self.open_settings)
        self.chat_list.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.chat_list.customContextMenuRequested.connect(
            lambda pos: chat_menu(self.chat_list, self.notifier, pos)
        )

    # -- running coroutines -----------------------------------------------------------------

    def run(self, coro: Coroutine[Any, Any, Any]) -> object:
        """Start a UI-triggered coroutine; its failure is shown in the error banner."""
        return self._spawn(coro)

    def show_error(self, text: str) -> None:
        self.error_banner.label.setText(i18n.tr_error(text))
        self.error_banner.show()

    def clear_error(self) -> None:
        self.error_banner.hide()
        self.error_banner.label.setText("")

    # -- session ----------------------------------------------------------------------------

    def _sign_in(self, server: str, login: str, password: str) -> None:
        if not server or not login or not password:
            self.show_error(
                self.tr("Enter the server address, your username or email, and your password.")
            )
            return
        self.run(self._busy(self.account.sign_in(server, login, password)))

    def _sign_up(self, server: str, username: str, email: str, password: str, name: str) -> None:
        if not server or not username or not email or not password:
            p = self.signin
            form_focus.focus(form_focus.first_empty(p, p.server, p.username, p.password, p.email))
            self.show_error(
                self.tr(
                    "To create an account, enter the server address, a username, an email and a "
                    "password."
                )
            )
            return
        signing_up = self.account.sign_up(server, username, email, password, name)
        self.run(self._busy(form_focus.focusing_on_failure(self.signin, signing_up)))

    async def _busy(self, coro: Coroutine[Any, Any, Any]) -> None:
        self.clear_error()
        self.signin.set_busy(True)
        try:
            await coro
        finally:
            if shiboken6.isValid(self.signin):  # the window may be gone if the app quit meanwhile
                self.signin.set_busy(False)

    def _signed_in(self, me: User) -> None:
        self.clear_error()
        self.signin.clear_password()
        self.me_label.setText(me.label)
        self.stack.setCurrentWidget(self.chats_page)
        self._ever_online = False
        self._offline_timer.start(OFFLINE_GRACE_MS)

    def _signed_out(self, reason: str) -> None:
        self.pane.show_chat(None)
        self.pane.attachments.clear()  # the next account must never send this one's files
        self.stack.setCurrentWidget(self.signin)
        self.offline.hide()
        self._online = False
        self._offline_timer.stop()
        self.tray.set_unread(0)
        self.setWindowTitle("Parley")
        if reason:
            self.show_error(reason)

    # -- chats ------------------------------------------------------------------------------

    def current_chat(self) -> str | None:
        return self.pane.chat_id

    def select_chat(self, chat_id: str) -> bool:
        row = self.chat_proxy.row_of(chat_id)
        if row is None:
            return False
        self.chat_list.setCurrentIndex(self.chat_proxy.index(row, 0))
        return True

    def _selection_changed(self, selected: QItemSelection, _deselected: QItemSelection) -> None:
        indexes = selected.indexes()
        if indexes:
            chat_id = indexes[0].data(CHAT_ID_ROLE)
            self.pane.show_chat(str(chat_id))
            self.reading.set_focus(str(chat_id), self.isActiveWindow())
            self.responsive.chat_chosen()

    def _chats_reset(self) -> None:
        current = self.pane.chat_id
        self.chat_model.reload()
        if current is not None and not self.select_chat(current):
            self.pane.show_chat(None)
        self._update_unread()

    def _chat_changed(self, chat_id: str) -> None:
        self.chat_model.chat_changed(chat_id)
        chat = self.chats.chats.get(chat_id)
        if chat is not None and chat.unread == 0:
            self.notifier.chat_read(chat_id)
        if chat_id == self.pane.chat_id:
            self.pane.refresh_header()
        self._update_unread()

    def _update_unread(self) -> None:
        total = self.chats.unread_total
        self.setWindowTitle(f"Parley ({total})" if total else "Parley")
        self.tray.set_unread(total)

    def _typing_changed(self, chat_id: str) -> None:
        if chat_id == self.pane.chat_id:
            self.pane.refresh_typing()

    def _notify(self, chat_id: str, title: str, body: str) -> None:
        self.notifications.append((title, body))
        del self.notifications[:-50]
        self.notifier.notify(chat_id, title, body)

    # -- connection -------------------------------------------------------------------------

    def _connection_changed(self, online: bool) -> None:
        self._online = online
        if online:
            self._ever_online = True
            self.chat_model.all_changed()
        self._update_offline()

    def _update_offline(self) -> None:
        signed_in = self.stack.currentWidget() is self.chats_page
        show = (
            signed_in
            and not self._online
            and (self._ever_online or not self._offline_timer.isActive())
        )
        self.offline.setVisible(show)

    def show_cached_offline(self) -> None:
        """Started without the server: the saved chats are shown, and the banner says so."""
        self.offline.label.setText(self.tr(OFFLINE_CACHED))
        self._online = False
        self._ever_online = True  # no grace period: the server is known to be away
        self._update_offline()

    def show_recovered(self) -> None:
        self.offline.label.setText(self.tr(OFFLINE_LIVE))
        self.notice.label.setText(self.tr("Connected to the server again."))
        self.notice.show()
        self._notice_timer.start(6000)

    def _reconnect_now(self) -> None:
        self.account.reconnect_now()

    # -- dialogs ----------------------------------------------------------------------------

    def open_settings(self) -> SettingsDialog | None:
        return settings_dialog.open_for(self)  # desktop/ui/settings_dialog.py

    def open_from_notification(self, chat_id: str) -> None:
        self.showNormal()
        self.raise_()
        self.activateWindow()
        self.select_chat(chat_id)

    def _toggle_dnd(self, on: bool) -> None:
        if self.notifier.preferences is not None:
            self.notifier.preferences.do_not_disturb = on

    def confirm_leave(self, chat_id: str) -> None:
        chat = self.chats.chats.get(chat_id)
        if chat is None:
            return
        title = self.chats.chat_title(chat)
        confirm.ask(
            self,
            self.tr("Leave chat?"),
            self.tr(
                "Leave “%1”? You will stop receiving its messages; someone in it has to "
                "invite you to come back."
            ).replace("%1", title),
            self.tr("Leave"),
            lambda: self.run(self.chats.leave(chat_id)),
        )

    def open_new_chat(self) -> NewChatDialog:
        dialog = NewChatDialog(self)
        dialog_actions.attach(
            dialog,
            dialog.buttons,
            dialog.error,
            self.run,
            lambda: self._create_group(
                dialog.title.text().strip() or self.tr("New chat"), dialog.usernames()
            ),
        )
        dialog.open()
        return dialog

    async def _create_group(self, title: str, usernames: list[str]) -> None:
        chat = await self.chats.create_group(title, usernames)
        self.select_chat(chat.id)

    def open_new_direct(self) -> DirectChatDialog:
        dialog = DirectChatDialog(self.people.search_users, self.run, self)

        def action() -> Coroutine[Any, Any, None] | None:
            user = dialog.chosen()
            return self._direct(user) if user is not None else None

        dialog_actions.attach(dialog, dialog.buttons, dialog.error, self.run, action)
        dialog.open()
        return dialog

    async def _direct(self, user: User) -> None:
        chat = await self.chats.direct_with(user)
        self.select_chat(chat.id)

    def open_invite(self, chat_id: str) -> InviteDialog | None:
        chat = self.chats.chats.get(chat_id)
        if chat is None:
            return None
        dialog = InviteDialog(self.chats.chat_title(chat), self)

        def action() -> Coroutine[Any, Any, Any] | None:
            name = dialog.username.text().strip()
            return self.chats.invite(chat_id, name) if name else None

        dialog_actions.attach(dialog, dialog.buttons, dialog.error, self.run, action)
        dialog.open()
        return dialog

    def open_profile(self) -> ProfileDialog | None:
        me = self.people.me
        if me is None:
            return None
        dialog = ProfileDialog(me, self)
        dialog_actions.attach(
            dialog,
            dialog.buttons,
            dialog.error,
            self.run,
            lambda: self._save_profile(
                dialog.display_name.text().strip(),
                dialog.email.text().strip(),
                dialog.current_password.text(),
                dialog.new_password.text(),
            ),
        )
        dialog.open()
        return dialog

    async def _save_profile(self, name: str, email: str, current: str, new: str) -> None:
        me = await self.people.update_profile(name, email)
        self.me_label.setText(me.label)
        if new:
            await self.people.change_password(current, new)

    # -- Qt events --------------------------------------------------------------------------

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802
        if event.type() == QEvent.Type.ActivationChange:
            self.reading.set_focus(self.pane.chat_id, self.isActiveWindow())
        super().changeEvent(event)

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802
        self.tray.hide()
        super().closeEvent(event)


__all__ = ["MainWindow", "QModelIndex"]
