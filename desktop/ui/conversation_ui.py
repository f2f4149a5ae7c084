"""The conversation features of the open chat, installed onto its pane: replies (the Reply
action and key, the bar above the composer, quotes that jump to the original), reactions
(chips that toggle, a quick picker in the context menu and on Ctrl+E), copying text, @-mention
suggestions, the ticks, and the ↓ button with the count of new messages below.

The pane keeps painting in its delegate (`bubble_extras`); this module only connects the pane's
widgets to the conversation service (`desktop.core.conversation.Conversation`).
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import TYPE_CHECKING, Any, Protocol

from PySide6.QtCore import QCoreApplication, QEvent, QObject, Qt
from PySide6.QtGui import QGuiApplication, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QLabel,
    QMenu,
    QToolButton,
    QWidget,
)

from desktop.core.conversation import Conversation
from desktop.core.timeline import Entry
from desktop.core.wire import User
from desktop.ui import react_picker
from desktop.ui.mentions import MentionCompleter

if TYPE_CHECKING:
    from desktop.ui.chat_pane import ChatPane

MAX_PAGES_TO_QUOTE = 20  # older pages fetched at most to reach a quoted message


class Reacting(Protocol):
    async def react(self, chat_id: str, seq: int, emoji: str, on: bool) -> None: ...


Runner = Callable[[Coroutine[Any, Any, Any]], object]


class PaneTalk:
    """What the delegate asks of the open chat (`bubble_extras.Conversation`)."""

    def __init__(self, pane: ChatPane, conversation: Conversation) -> None:
        self._pane, self._conversation = pane, conversation

    @property
    def _me(self) -> User | None:
        return self._pane.services.me

    @property
    def my_id(self) -> str | None:
        return self._me.id if self._me else None

    @property
    def my_username(self) -> str:
        return self._me.username if self._me else ""

    def quoted(self, seq: int) -> tuple[str, str] | None:
        tl = self._pane.model.timeline
        entry = tl.by_seq(seq) if tl is not None else None
        if entry is None:
            return None
        return self.sender(entry), body(entry)

    def sender(self, entry: Entry) -> str:
        if self._pane.services.is_mine(entry.sender_id):
            return QCoreApplication.translate("Conversation", "You")
        return self._pane.services.users.label(entry.sender_id)

    def readers(self, entry: Entry) -> tuple[int, bool]:
        chat = self._pane.services.chats.get(entry.chat_id)
        if chat is None or entry.seq is None:
            return 0, False
        n = self._conversation.receipts.readers(entry.chat_id, entry.seq, self.my_id)
        return n, chat.is_direct


def body(entry: Entry) -> str:
    if entry.deleted:
        return QCoreApplication.translate("Conversation", "Message deleted")
    return entry.text or (
        QCoreApplication.translate("Conversation", "File") if entry.attachments else ""
    )


class ReplyBar(QWidget):
    """Above the composer while a reply is being written: whom it answers, and ✕ to cancel."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.label = QLabel("")
        self.label.setTextFormat(Qt.TextFormat.PlainText)
        self.label.setAccessibleName("Replying to")
        self.cancel = QToolButton()
        self.cancel.setText("✕")
        self.cancel.setAccessibleName("Cancel reply")
        self.cancel.setToolTip(QCoreApplication.translate("Conversation", "Cancel reply (Esc)"))
        row = QHBoxLayout(self)
        row.setContentsMargins(4, 2, 4, 2)
        row.addWidget(self.label, 1)
        row.addWidget(self.cancel)
        self.hide()


class DownButton(QToolButton):
    """Over the bottom right of the message list while it is scrolled up: ↓ and the count of
    others' messages below; a click goes to the newest."""

    def __init__(self, view: QAbstractItemView) -> None:
        super().__init__(view)
        self.setAccessibleName("Scroll to newest")
        self.setToolTip(QCoreApplication.translate("Conversation", "Newest messages"))
        self.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        self.setMinimumSize(40, 36)
        self.count = 0
        self.show_count(0)
        self.hide()
        view.installEventFilter(self)

    def show_count(self, n: int) -> None:
        self.count = n
        self.setText(f"↓ {n}" if n else "↓")
        self.adjustSize()
        self._place()

    def _place(self) -> None:
        view = self.parentWidget()
        if view is not None:
            self.move(view.width() - self.width() - 24, view.height() - self.height() - 12)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802
        if event.type() == QEvent.Type.Resize:
            self._place()
        return False


class ConversationUi(QObject):
    """Everything above, for one pane."""

    def __init__(
        self, pane: ChatPane, conversation: Conversation, reacting: Reacting, run: Runner
    ) -> None:
        super().__init__(pane)
        self.pane, self.conversation = pane, conversation
        self._reacting, self._run = reacting, run
        self.talk = PaneTalk(pane, conversation)
        pane.delegate.talk = self.talk
        pane.reply_to = self.take_reply
        pane.delegate.quote_clicked.connect(self.jump_to_seq)
        pane.delegate.reaction_clicked.connect(self._toggle)
        conversation.watchers.append(self._changed)
        self.replying: Entry | None = None
        self.reply_bar = ReplyBar(pane)
        self.reply_bar.cancel.clicked.connect(self.end_reply)
        pane.above_composer.addWidget(self.reply_bar)
        pane.composer.cancelled.connect(self.end_reply)
        self.mentions = MentionCompleter(pane.composer, self._suggest)
        self.down = DownButton(pane.view)
        self.down.clicked.connect(self.go_newest)
        self._away_seq: int | None = None  # the newest seq when the reader scrolled away
        bar = pane.view.verticalScrollBar()
        bar.valueChanged.connect(self._update_down)
        bar.rangeChanged.connect(self._update_down)
        pane.model.rowsInserted.connect(self._update_down)
        pane.menu_hooks.append(self._menu)
        pane.chosen.connect(self._chosen)
        pane.opened.connect(self._opened)
        reply = QShortcut(QKeySequence("Ctrl+R"), pane)
        reply.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        reply.activated.connect(self._reply_key)
        react = QShortcut(QKeySequence("Ctrl+E"), pane)
        react.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        react.activated.connect(self._react_key)
        self.picker: QMenu | None = None  # the Ctrl+E picker while it is open
        copy = QShortcut(QKeySequence.StandardKey.Copy, pane.view)
        copy.setContext(Qt.ShortcutContext.WidgetShortcut)
        copy.activated.connect(self._copy_key)

    # -- opening and repainting ------------------------------------------------------------

    def _chosen(self, chat_id: str) -> None:
        # Asked beside the first page, not after it: the header's "N members" line is there
        # as soon as the listing answers, however long the history takes.
        self._run(self.conversation.load_members(chat_id))

    def _opened(self, _chat_id: str) -> None:
        self.end_reply()
        self._away_seq = None
        self._update_down()

    def _changed(self, chat_id: str) -> None:
        if chat_id == self.pane.chat_id:
            self.pane.view.viewport().update()

    def _suggest(self, prefix: str) -> list[User]:
        if self.pane.chat_id is None:
            return []
        return self.conversation.suggest(self.pane.chat_id, prefix, self.talk.my_id)

    # -- replies ---------------------------------------------------------------------------

    def start_reply(self, entry: Entry) -> None:
        if entry.seq is None or entry.deleted:
            return
        self.replying = entry
        text = " ".join(body(entry).split())
        label = (
            QCoreApplication.translate("Conversation", "Reply to %1: %2")
            .replace("%1", self.talk.sender(entry))
            .replace("%2", text)
        )
        metrics = self.reply_bar.label.fontMetrics()
        width = max(120, self.pane.width() - 80)
        self.reply_bar.label.setText(metrics.elidedText(label, Qt.TextElideMode.ElideRight, width))
        self.reply_bar.show()
        self.pane.composer.setFocus()

    def end_reply(self) -> None:
        self.replying = None
        self.reply_bar.hide()

    def take_reply(self) -> int | None:
        """The seq the message being sent answers (the bar closes)."""
        seq = self.replying.seq if self.replying is not None else None
        self.end_reply()
        return seq

    def _selected(self) -> Entry | None:
        index = self.pane.view.currentIndex()
        return self.pane.model.entry(index.row()) if index.isValid() else None

    def _target(self) -> Entry | None:
        """The selected message, else the newest one from someone else (what a key acts on)."""
        entry = self._selected()
        tl = self.pane.model.timeline
        if entry is None and tl is not None:
            others = (tl.row(i) for i in range(len(tl) - 1, max(-1, len(tl) - 200), -1))
            entry = next((e for e in others if not self.pane.services.is_mine(e.sender_id)), None)
        return entry

    def _reply_key(self) -> None:
        entry = self._target()
        if entry is not None:
            self.start_reply(entry)

    def _react_key(self) -> None:
        """Ctrl+E: the quick picker over the message it reacts to (arrows, Enter, Esc)."""
        entry = self._target()
        if entry is None or entry.seq is None or entry.deleted:
            return
        view = self.pane.view
        row = self.pane.model.row_of(entry)
        rect = view.visualRect(self.pane.model.index(row, 0)) if row is not None else None
        if rect is not None and view.viewport().rect().intersects(rect):
            at = view.viewport().mapToGlobal(rect.bottomLeft())
        else:
            at = view.viewport().mapToGlobal(view.viewport().rect().bottomLeft())
        if self.picker is not None:
            self.picker.deleteLater()  # one picker at a time, not one more per key press
        self.picker = react_picker.popup(view, at, entry, self.talk.my_id, self.react)

    def jump_to_seq(self, seq: int) -> None:
        self._run(self._jump(seq))

    async def _jump(self, seq: int) -> None:
        """Scroll to a quoted message, fetching older pages while it lies before them."""
        pane, chat_id = self.pane, self.pane.chat_id
        tl = pane.model.timeline
        if tl is None or chat_id is None:
            return
        for _ in range(MAX_PAGES_TO_QUOTE):
            oldest = tl.oldest_seq
            if tl.row_of_seq(seq) is not None or not tl.has_more_before or oldest is None:
                break
            if oldest < seq:
                break  # it is not there: deleted for good or never stored
            await pane.services.load_older(chat_id)
            if pane.chat_id != chat_id:
                return
        t = tl.row_of_seq(seq)
        if t is None:
            return
        row = pane.model.show_around(t)
        pane.view.doItemsLayout()
        index = pane.model.index(row)
        pane.view.scrollTo(index, QAbstractItemView.ScrollHint.PositionAtCenter)
        pane.view.setCurrentIndex(index)

    # -- reactions, copying, the menu ------------------------------------------------------

    def _toggle(self, entry: Entry, emoji: str) -> None:
        me = self.talk.my_id
        mine = me is not None and me in entry.reactions.get(emoji, [])
        self.react(entry, emoji, not mine)

    def react(self, entry: Entry, emoji: str, on: bool) -> None:
        if entry.seq is not None and not entry.deleted and self.pane.services.rest is not None:
            self._run(self._reacting.react(entry.chat_id, entry.seq, emoji, on))

    def copy(self, entry: Entry) -> None:
        clipboard = QGuiApplication.clipboard()
        if clipboard is not None and not entry.deleted:
            clipboard.setText(entry.text)

    def _copy_key(self) -> None:
        entry = self._selected()
        if entry is not None:
            self.copy(entry)

    def _menu(self, menu: QMenu, entry: Entry) -> None:
        if entry.deleted:
            return
        if entry.seq is not None:
            menu.addAction(
                QCoreApplication.translate("Conversation", "Reply"), lambda: self.start_reply(entry)
            )
        if entry.text:
            menu.addAction(
                QCoreApplication.translate("Conversation", "Copy text"), lambda: self.copy(entry)
            )
        if entry.seq is None:
            return
        react = menu.addMenu(QCoreApplication.translate("Conversation", "React"))
        react.menuAction().setObjectName("React")
        react_picker.fill(react, entry, self.talk.my_id, self.react)

    # -- the ↓ button ----------------------------------------------------------------------

    def go_newest(self) -> None:
        pane = self.pane
        pane.model.jump_to_newest()
        pane.view.scrollToBottom()
        pane.follow_bottom()
        self._update_down()

    def _update_down(self, *_args: object) -> None:
        pane, tl = self.pane, self.pane.model.timeline
        bar = pane.view.verticalScrollBar()
        scrolled_up = tl is not None and (
            bar.value() < bar.maximum() - 48 or not pane.model.at_newest
        )
        if not scrolled_up or tl is None:
            self._away_seq = None
            self.down.hide()
            return
        if self._away_seq is None:
            self._away_seq = tl.newest_seq
        chat = pane.services.chats.get(tl.chat_id)
        below = 0
        for i in range(len(tl) - 1, -1, -1):
            e = tl.row(i)
            if e.seq is not None and e.seq <= self._away_seq:
                break
            below += e.seq is not None and not pane.services.is_mine(e.sender_id)
        self.down.show_count(max(below, chat.unread if chat is not None else 0))
        self.down.show()
        self.down.raise_()


def install_conversation(
    pane: ChatPane, conversation: Conversation, reacting: Reacting, run: Runner
) -> ConversationUi:
    """Give the pane its conversation features; kept on the pane as `pane.conversation`."""
    ui = ConversationUi(pane, conversation, reacting, run)
    pane.conversation = ui
    return ui
