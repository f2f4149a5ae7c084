"""Installs the look of the main window: avatars in the chat list, the chat header, the emoji
button, the shortcuts overlay. One call from the composition root (`desktop/ui/app.py`), so the
window's own module needs no edits for any of them."""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication

from desktop.core.conversation import Conversation
from desktop.core.presence import Presence
from desktop.ui import chat_header, emoji, retranslate
from desktop.ui.chat_row import ChatRowDelegate
from desktop.ui.delegates import MessageDelegate
from desktop.ui.main_window import MainWindow
from desktop.ui.message_avatars import MessageAvatars


def install(window: MainWindow, presence: Presence, conversation: Conversation) -> None:
    chats = window.reading  # the chat list, names and the REST client

    def avatar_key(chat_id: str) -> str:
        chat = chats.chats.get(chat_id)
        return chat.peer_id if chat is not None and chat.is_direct and chat.peer_id else chat_id

    window.chat_list.setItemDelegate(ChatRowDelegate(avatar_key, window.chat_list))
    header = chat_header.install(window.pane, chats, presence, conversation)
    window.bridge.chat_was_changed.connect(header.chat_changed)  # ends with the header
    emoji.install(window.pane.composer)
    MessageAvatars(window.pane, chats)
    retranslate.also(window, lambda: _retranslate_marker(window))
    retranslate.also(window, header.refresh)


def _retranslate_marker(window: MainWindow) -> None:
    """The painter's "New messages" line is a string it keeps, not a widget's text."""
    delegate = window.pane.view.itemDelegate()
    if isinstance(delegate, MessageDelegate):
        delegate.marker_text = QCoreApplication.translate("MessageDelegate", "New messages")
        window.pane.view.viewport().update()
