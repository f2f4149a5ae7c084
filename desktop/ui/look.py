"""Installs the look of the main window: avatars in the chat list, the chat header, the emoji
button, the shortcuts overlay. One call from the composition root (`desktop/ui/app.py`), so the
window's own module needs no edits for any of them."""

from __future__ import annotations

from desktop.ui import chat_header, emoji, retranslate
from desktop.ui.chat_row import ChatRowDelegate
from desktop.ui.main_window import MainWindow


def install(window: MainWindow) -> None:
    messenger = window.messenger

    def avatar_key(chat_id: str) -> str:
        chat = messenger.chats.get(chat_id)
        return chat.peer_id if chat is not None and chat.is_direct and chat.peer_id else chat_id

    window.chat_list.setItemDelegate(ChatRowDelegate(avatar_key, window.chat_list))
    header = chat_header.install(window.pane, messenger, messenger.presence, window.run)
    window.bridge.chat_was_changed.connect(header.chat_changed)  # ends with the header
    emoji.install(window.pane.composer)
    retranslate.also(window, header.refresh)
