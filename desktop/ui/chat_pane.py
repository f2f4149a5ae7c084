"""The right side of the window: the open chat's header, messages, typing line and composer."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any

import shiboken6
from PySide6.QtCore import QCoreApplication, QModelIndex, QPoint, Qt, QTimer, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QLabel,
    QListView,
    QMenu,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from desktop.core.errors import ClientError, check_text, describe
from desktop.core.services import ChatServices, Outbox, Typing
from desktop.core.timeline import Entry, SendState, Timeline
from desktop.ui import unread
from desktop.ui.attachments import AttachmentTray, install_file_hooks
from desktop.ui.composer import Composer
from desktop.ui.delegates import MessageDelegate
from desktop.ui.message_model import MessageModel
from desktop.ui.received import install_received_files
from desktop.ui.signin import label, named

Runner = Callable[[Coroutine[Any, Any, Any]], object]

LOAD_OLDER_AT_PX = 400  # start fetching the previous page this close to the top
SLIDE_AT_PX = 300  # slide the model's window this close to either end


class ChatPane(QWidget):
    """Shows one chat; asks the messenger for older pages as the user scrolls up."""

    invite_requested = Signal(str)
    leave_requested = Signal(str)
    error_raised = Signal(str)
    opened = Signal(str)  # a chat's first page is shown (search then moves to its hit)
    chosen = Signal(str)  # a chat is switched to, before its page is read (the header's avatar)

    def __init__(
        self,
        messenger: ChatServices,
        outbox: Outbox,
        typing: Typing,
        run: Runner,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._messenger, self._outbox, self._run = messenger, outbox, run
        self._typing = typing
        self.chat_id: str | None = None
        self._loading_older = False
        self._anchor: tuple[Entry, int] | None = None
        self._stick_to_bottom = False
        # The reader is at the newest message: relayouts (rows re-wrapping after a resize or
        # the scroll bar appearing, late rows) keep it there until the reader scrolls away.
        self._follow_bottom = True
        self.editing: Entry | None = None  # my message whose text the composer holds
        self.menu: QMenu | None = None  # the open context menu, if any
        # Others' actions for a message's context menu (desktop/ui/conversation_ui.py).
        self.menu_hooks: list[Callable[[QMenu, Entry], None]] = []
        # The seq the message being sent replies to, if any (conversation_ui sets it).
        self.reply_to: Callable[[], int | None] = lambda: None
        self.conversation: object | None = None  # desktop.ui.conversation_ui.ConversationUi
        self.confirm: QMessageBox | None = None  # the open "Delete message?" box, if any

        self.title = QLabel("")
        self.title.setTextFormat(Qt.TextFormat.PlainText)
        self.title.setStyleSheet("font-size: 13pt; font-weight: 600;")
        named(self.title, "Chat title label")
        self.invite = named(QPushButton(self.tr("Invite")), "Invite")
        self.leave = named(QPushButton(self.tr("Leave chat")), "Leave chat")
        self.model = MessageModel(messenger, self)
        self.view = QListView()
        named(self.view, "Messages")
        self.view.setModel(self.model)
        self._delegate = MessageDelegate(self.view)
        self.view.setItemDelegate(self._delegate)
        self.view.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.view.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.view.setResizeMode(QListView.ResizeMode.Adjust)
        self.view.setLayoutMode(QListView.LayoutMode.SinglePass)
        self.view.setUniformItemSizes(False)
        self.view.setWordWrap(True)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.view.verticalScrollBar().setSingleStep(24)
        self.typing = QLabel("")
        self.typing.setTextFormat(Qt.TextFormat.PlainText)
        self.typing.setProperty("muted", True)
        named(self.typing, "Typing indicator")
        self.composer = Composer()
        named(self.composer, "Message")
        self.send = named(QPushButton(self.tr("Send")), "Send")
        self.edit_note = label(self.tr("Editing your message: Enter saves, Esc cancels."))
        self.edit_note.setProperty("muted", True)
        named(self.edit_note, "Editing message")
        self.cancel_edit = named(QPushButton(self.tr("Cancel edit")), "Cancel edit")
        edit_bar = QHBoxLayout()
        edit_bar.addWidget(self.edit_note, 1)
        edit_bar.addWidget(self.cancel_edit)
        self._edit_bar = QWidget()
        self._edit_bar.setLayout(edit_bar)
        edit_bar.setContentsMargins(0, 0, 0, 0)
        self._edit_bar.hide()
        self.placeholder = label(self.tr("Choose a chat on the left, or start a new one."))
        self.placeholder.setAlignment(Qt.AlignmentFlag.AlignCenter)

        header = QHBoxLayout()
        self.header = header  # others add buttons here (Back in the single-pane layout)
        header.addWidget(self.title, 1)
        header.addWidget(self.invite)
        header.addWidget(self.leave)
        self.header_extras = QHBoxLayout()  # the call button and banner (desktop.ui.call)
        header.addLayout(self.header_extras)
        self.attachments = AttachmentTray(outbox, run, self)  # desktop/ui/attachments.py
        self.attachments.error_raised.connect(self.error_raised)
        install_file_hooks(self)
        self.files = install_received_files(self)  # desktop/ui/received.py
        compose = QHBoxLayout()
        compose.addWidget(self.composer, 1)
        compose.addWidget(self.send, 0, Qt.AlignmentFlag.AlignBottom)
        self.above_composer = QVBoxLayout()  # the reply bar (conversation_ui)
        self._body = QWidget()
        body = QVBoxLayout(self._body)
        body.setContentsMargins(0, 0, 0, 0)
        body.addLayout(header)
        body.addWidget(self.view, 1)
        body.addWidget(self.typing)
        body.addWidget(self._edit_bar)
        body.addWidget(self.attachments)
        body.addLayout(self.above_composer)
        body.addLayout(compose)
        layout = QVBoxLayout(self)
        layout.addWidget(self.placeholder, 1)
        layout.addWidget(self._body, 1)
        self._body.hide()

        self.send.clicked.connect(self.submit)
        self.composer.submitted.connect(self.submit)
        self.composer.textChanged.connect(self._typed)
        self.composer.edit_last_requested.connect(self.edit_last)
        self.composer.cancelled.connect(self.end_edit)
        self.cancel_edit.clicked.connect(self.end_edit)
        self.view.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.view.customContextMenuRequested.connect(self._context_menu)
        for keys in (QKeySequence(Qt.Key.Key_Menu), QKeySequence("Shift+F10")):
            menu_key = QShortcut(keys, self.view)
            menu_key.setContext(Qt.ShortcutContext.WidgetShortcut)
            menu_key.activated.connect(self._keyboard_menu)
        self.invite.clicked.connect(
            lambda: self.chat_id and self.invite_requested.emit(self.chat_id)
        )
        self.leave.clicked.connect(lambda: self.chat_id and self.leave_requested.emit(self.chat_id))
        self.view.clicked.connect(self._retry_if_failed)
        self.view.activated.connect(self._retry_if_failed)
        bar = self.view.verticalScrollBar()
        bar.valueChanged.connect(self._scrolled)
        bar.rangeChanged.connect(self._range_changed)
        self.model.rowsAboutToBeInserted.connect(self._before_insert)
        self.model.rowsAboutToBeRemoved.connect(self._before_remove)
        self._typing_timer = QTimer(self)
        self._typing_timer.setInterval(1000)
        self._typing_timer.timeout.connect(self.refresh_typing)

    @property
    def services(self) -> ChatServices:
        return self._messenger

    @property
    def delegate(self) -> MessageDelegate:
        return self._delegate

    def follow_bottom(self) -> None:
        """Stay at the newest message from now on (the ↓ button was pressed)."""
        self._follow_bottom = True

    @property
    def busy(self) -> bool:
        """Fetching an older page, or still putting the view back after rows moved."""
        return self._loading_older or self._anchor is not None

    # -- opening ----------------------------------------------------------------------------

    def show_chat(self, chat_id: str | None) -> None:
        """Switch to a chat (None: nothing open); loads its latest page the first time."""
        if chat_id == self.chat_id:
            return
        self.end_edit()
        self.chat_id = chat_id
        self._loading_older = False
        if chat_id is None:
            self.model.show(None)
            self._body.hide()
            self.placeholder.show()
            self._typing_timer.stop()
            return
        self.placeholder.hide()
        self._body.show()
        self.refresh_header()
        self.chosen.emit(chat_id)
        self.typing.setText("")
        self._typing_timer.start()
        tl = self._messenger.timeline(chat_id)
        self._delegate.marker_seq = None
        last_read = unread.prepare(self._messenger, self._messenger.chats.get(chat_id))
        self.model.show(tl if tl.loaded and last_read is None else None)
        self._run(self._open(chat_id, last_read))

    async def _open(self, chat_id: str, last_read: int | None = None) -> None:
        tl = await self._messenger.open_chat(chat_id)
        if self.chat_id != chat_id:
            return
        if last_read is not None:
            await unread.load_until(self._messenger, chat_id, last_read)
            if self.chat_id != chat_id:
                return
            row = unread.first_unread_row(self._messenger, tl, last_read)
            if row is not None:
                self._jump_to_unread(tl, row)
                self.opened.emit(chat_id)  # the header, members and mentions load here too
                return
            self._messenger.read_limit.pop(chat_id, None)
        if self.model.timeline is not tl:
            self.model.show(tl)
        self._follow_bottom = True
        self.view.scrollToBottom()
        self.composer.setFocus()
        self.opened.emit(chat_id)

    def _jump_to_unread(self, tl: Timeline, row: int) -> None:
        """Show the first unread message at the top, under the "New messages" line."""
        self._delegate.marker_seq = tl.row(row).seq
        self._follow_bottom = False
        if self.model.timeline is not tl:
            self.model.show(tl)
        self.model.show_around(row, near_top=True)
        self.view.doItemsLayout()
        self.view.scrollTo(
            self.model.index(row - self.model.start), QAbstractItemView.ScrollHint.PositionAtTop
        )
        self._follow_bottom = False
        self.composer.setFocus()
        QTimer.singleShot(0, self.report_seen)

    def report_seen(self) -> None:
        """Tell the messenger how far the reader has scrolled in a chat opened at its unread."""
        if self.chat_id is None or self.chat_id not in self._messenger.read_limit:
            return
        viewport = self.view.viewport()
        index = self.view.indexAt(QPoint(viewport.width() // 2, viewport.height() - 2))
        row = index.row() if index.isValid() else self.model.rowCount() - 1
        entry = self.model.entry(row)
        if entry is not None and entry.seq is not None:
            self._messenger.seen(self.chat_id, entry.seq)

    def refresh_header(self) -> None:
        chat = self._messenger.chats.get(self.chat_id or "")
        if chat is None:
            return
        self.title.setText(self._messenger.chat_title(chat))
        self.invite.setVisible(not chat.is_direct)

    def refresh_typing(self) -> None:
        if self.chat_id is None:
            return
        who = self._typing.typing_users(self.chat_id)
        if not who:
            self.typing.setText("")
        elif len(who) == 1:
            self.typing.setText(self.tr("%1 is typing…").replace("%1", who[0]))
        else:
            self.typing.setText(self.tr("%1 are typing…").replace("%1", ", ".join(who)))

    def _invite(self) -> None:
        if self.chat_id is not None:
            self.invite_requested.emit(self.chat_id)

    def _leave(self) -> None:
        if self.chat_id is not None:
            self.leave_requested.emit(self.chat_id)

    # -- sending ----------------------------------------------------------------------------

    def submit(self) -> None:
        if self.chat_id is None:
            return
        text = self.composer.toPlainText()
        files = self.attachments.has_files and self.editing is None
        if not text.strip() and not files:
            return
        if self._messenger.rest is None:
            self.error_raised.emit(
                self.tr(
                    "You are offline: saved messages can be read, and sending works again once "
                    "the server is reachable."
                )
            )
            return
        try:
            check_text(text.strip("\n"))
        except ClientError as exc:
            self.error_raised.emit(describe(exc))
            return
        editing = self.editing
        if editing is not None:
            self.end_edit()
            if editing.seq is not None and text.strip("\n") != editing.text:
                self._run(self._outbox.edit_message(editing.chat_id, editing.seq, text))
            return
        self.composer.clear()
        self.model.jump_to_newest()
        self.view.scrollToBottom()
        self._stick_to_bottom = True
        if files:
            self._run(self._send_with_files(self.chat_id, text, self.reply_to()))
            return
        self._run(self._outbox.send(self.chat_id, text, reply_to_seq=self.reply_to()))

    async def _send_with_files(self, chat_id: str, text: str, reply_to_seq: int | None) -> None:
        """The composer was cleared on Send; an upload that did not go gives the words back
        (unless the user has since moved to another chat or typed something new)."""
        sent = await self.attachments.send(chat_id, text, reply_to_seq)
        if sent or not shiboken6.isValid(self.composer):  # sent, or the window has closed
            return
        if chat_id == self.chat_id and not self.composer.toPlainText():
            self.composer.setPlainText(text)

    def _typed(self) -> None:
        if self.chat_id is not None and self.editing is None and self.composer.toPlainText():
            self._run(self._outbox.typed(self.chat_id))

    def _retry_if_failed(self, index: QModelIndex) -> None:
        entry = self.model.entry(index.row())
        if entry is not None and entry.state is SendState.FAILED and entry.client_msg_id:
            self._run(self._outbox.retry(entry.chat_id, entry.client_msg_id))

    # -- editing and deleting my messages ----------------------------------------------------

    def can_change(self, entry: Entry | None) -> bool:
        """Mine, stored (it has a seq) and not deleted: it can be edited or deleted."""
        return (
            entry is not None
            and entry.seq is not None
            and not entry.deleted
            and self._messenger.is_mine(entry.sender_id)
        )

    def _context_menu(self, pos: QPoint) -> None:
        index = self.view.indexAt(pos)
        if index.isValid():
            self._menu_for(index, pos)

    def _keyboard_menu(self) -> None:
        """The Menu key or Shift+F10: the menu of the current message, shown at that message,
        wherever the mouse pointer happens to be."""
        index = self.view.currentIndex()
        if not index.isValid():
            return
        self.view.scrollTo(index)
        rect = self.view.visualRect(index).intersected(self.view.viewport().rect())
        self._menu_for(index, QPoint(rect.center().x(), rect.bottom()))  # under, not over it

    def _menu_for(self, index: QModelIndex, pos: QPoint) -> None:
        """The actions on the message at `index`, in a menu at `pos` (viewport coordinates)."""
        entry = self.model.entry(index.row())
        if entry is None:
            return
        menu = QMenu(self)
        named(menu, "Message actions")
        for hook in self.menu_hooks:
            hook(menu, entry)
        self._failed_actions(menu, entry)
        if self.can_change(entry):
            edit = menu.addAction(self.tr("Edit message"))
            delete = menu.addAction(self.tr("Delete message"))
            edit.triggered.connect(lambda: self.start_edit(entry))
            delete.triggered.connect(lambda: self.ask_delete(entry))
        if menu.isEmpty():
            menu.deleteLater()
            return
        menu.aboutToHide.connect(menu.deleteLater)
        self.menu = menu
        menu.popup(self.view.viewport().mapToGlobal(pos))

    def _failed_actions(self, menu: QMenu, entry: Entry) -> None:
        """A message that did not go: send it again, or drop it for good."""
        if entry.state is not SendState.FAILED or not entry.client_msg_id:
            return
        cid = entry.client_msg_id
        retry = menu.addAction(self.tr("Retry sending"))
        discard = menu.addAction(self.tr("Discard message"))
        retry.triggered.connect(lambda: self._run(self._outbox.retry(entry.chat_id, cid)))
        discard.triggered.connect(lambda: self._run(self._outbox.discard(entry.chat_id, cid)))

    def start_edit(self, entry: Entry) -> None:
        """Put one of my messages into the composer; Enter saves it, Escape cancels."""
        if not self.can_change(entry):
            return
        self.editing = entry
        self.composer.setPlainText(entry.text)
        cursor = self.composer.textCursor()
        cursor.movePosition(cursor.MoveOperation.End)
        self.composer.setTextCursor(cursor)
        self.send.setText(self.tr("Save"))
        self.send.setAccessibleName(QCoreApplication.translate("Accessible", "Save edit"))
        self._edit_bar.show()
        self.composer.setFocus()

    def edit_last(self) -> None:
        """Up in the empty composer: edit my newest message that can still be changed."""
        tl = self.model.timeline
        if tl is None or self.editing is not None:
            return
        for row in range(len(tl) - 1, max(-1, len(tl) - 201), -1):
            entry = tl.row(row)
            if self.can_change(entry):
                self.start_edit(entry)
                return

    def end_edit(self) -> None:
        if self.editing is None:
            return
        self.editing = None
        self.composer.clear()
        self.send.setText(self.tr("Send"))
        self.send.setAccessibleName(QCoreApplication.translate("Accessible", "Send"))
        self._edit_bar.hide()

    def ask_delete(self, entry: Entry) -> None:
        """Confirm first (a deletion cannot be undone), without blocking the event loop."""
        if not self.can_change(entry):
            return
        box = QMessageBox(
            QMessageBox.Icon.Question,
            self.tr("Delete message?"),
            self.tr(
                "Delete this message for everyone? A note that it was deleted stays in the chat."
            ),
            QMessageBox.StandardButton.NoButton,
            self,
        )
        named(box, "Delete message?")
        box.setTextFormat(Qt.TextFormat.PlainText)
        named(box.addButton(self.tr("Delete"), QMessageBox.ButtonRole.DestructiveRole), "Delete")
        named(box.addButton(QMessageBox.StandardButton.Cancel), "Cancel")
        box.setDefaultButton(QMessageBox.StandardButton.Cancel)

        def done() -> None:
            self.confirm = None
            chosen = box.buttonRole(box.clickedButton())
            if chosen is QMessageBox.ButtonRole.DestructiveRole and entry.seq is not None:
                if self.editing is entry:
                    self.end_edit()
                self._run(self._outbox.delete_message(entry.chat_id, entry.seq))
            box.deleteLater()

        box.finished.connect(done)
        self.confirm = box
        box.open()

    # -- scrolling --------------------------------------------------------------------------

    def _before_insert(self, _parent: QModelIndex, first: int, _last: int) -> None:
        bar = self.view.verticalScrollBar()
        if first == 0 and self.model.rowCount() > 0:
            self._remember_anchor()
        elif bar.value() >= bar.maximum() - 8 and self.model.at_newest:
            self._stick_to_bottom = True

    def _before_remove(self, _parent: QModelIndex, first: int, _last: int) -> None:
        if first == 0 and not self._stick_to_bottom:
            self._remember_anchor()

    def _remember_anchor(self) -> None:
        """Keep the message at the top of the viewport where it is while rows come and go
        above it (an older page, or the window sliding)."""
        if self._anchor is not None:
            return
        index = self.view.indexAt(QPoint(4, 4))
        entry = self.model.entry(index.row()) if index.isValid() else None
        if entry is not None:
            self._anchor = (entry, self.view.visualRect(index).top())
            QTimer.singleShot(0, self._restore_anchor)

    def _restore_anchor(self) -> None:
        anchor, self._anchor = self._anchor, None
        if anchor is None or self._stick_to_bottom:
            return
        entry, offset = anchor
        self.view.doItemsLayout()
        row = self.model.row_of(entry)
        if row is None:
            return
        bar = self.view.verticalScrollBar()
        bar.setValue(bar.value() + self.view.visualRect(self.model.index(row)).top() - offset)

    def _range_changed(self, _minimum: int, maximum: int) -> None:
        if self._stick_to_bottom or (self._follow_bottom and self._anchor is None):
            self.view.verticalScrollBar().setValue(maximum)
            self._stick_to_bottom = False

    def _scrolled(self, value: int) -> None:
        tl = self.model.timeline
        bar = self.view.verticalScrollBar()
        self._follow_bottom = value >= bar.maximum() - 2 and self.model.at_newest
        if value < bar.maximum() - 8:
            # The reader scrolled away: a stick left from an insert whose range never changed
            # (my message confirmed in place) must not pull the view down on the next message.
            self._stick_to_bottom = False
        self.report_seen()
        if tl is None or self.chat_id is None or bar.maximum() <= 0 or self._anchor is not None:
            return
        if value > bar.maximum() - SLIDE_AT_PX:
            self.model.keep_top = False
            self.model.slide_down()
        elif value < SLIDE_AT_PX and self.model.slide_up():
            return
        elif (
            value < LOAD_OLDER_AT_PX
            and tl.has_more_before
            and not self._loading_older
            and self.model.at_oldest_loaded
        ):
            self._loading_older = True
            self.model.keep_top = True
            self._run(self._load_older(self.chat_id))

    async def _load_older(self, chat_id: str) -> None:
        try:
            await self._messenger.load_older(chat_id)
        finally:
            self._loading_older = False
        if self.chat_id == chat_id:
            # Still at the top (the user kept scrolling, or the page was short): go on.
            QTimer.singleShot(0, lambda: self._scrolled(self.view.verticalScrollBar().value()))
