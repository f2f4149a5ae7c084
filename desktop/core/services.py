"""The narrow services widgets receive instead of the whole `Messenger` (STYLE.md rule 12).

Each protocol is the part of the signed-in app one kind of widget actually uses, so a widget's
constructor says what it depends on and mypy refuses a widget that reaches further. Writing
(`desktop.core.outbox.Outbox`), presence and typing (`desktop.core.presence.Presence`) and the
clients (`desktop.core.signed_in.Session`) are objects of their own; `Messenger` satisfies the
reading protocols itself.
"""

from __future__ import annotations

from pathlib import Path
from typing import Protocol

from desktop.core.calls import CallCenter
from desktop.core.file_sends import PendingSend
from desktop.core.rest import RestClient
from desktop.core.timeline import Timeline
from desktop.core.users import Directory
from desktop.core.wire import JSON, Chat, User


class Online(Protocol):
    """Whether a user is online (`desktop.core.presence.Presence`)."""

    def is_online(self, user_id: str) -> bool: ...


class People(Protocol):
    """Who is signed in and what everyone is called: all a message list needs."""

    @property
    def me(self) -> User | None: ...

    @property
    def users(self) -> Directory: ...

    def is_mine(self, sender_id: str) -> bool: ...


class ChatList(People, Protocol):
    """The signed-in user's chats as the chat list shows them."""

    @property
    def chats(self) -> dict[str, Chat]: ...

    @property
    def presence(self) -> Online: ...

    @property
    def unread_total(self) -> int: ...

    def chat_title(self, chat: Chat) -> str: ...


class Timelines(ChatList, Protocol):
    """Reading chats: their timelines, older pages and how far the reader has read."""

    @property
    def read_limit(self) -> dict[str, int]: ...

    def timeline(self, chat_id: str) -> Timeline: ...

    async def open_chat(self, chat_id: str) -> Timeline: ...

    async def load_older(self, chat_id: str, limit: int = 100) -> int: ...

    def seen(self, chat_id: str, seq: int) -> None: ...


class Connection(Protocol):
    """The REST client while signed in and online; None offline (reading the cache)."""

    @property
    def rest(self) -> RestClient | None: ...


class Outbox(Connection, Protocol):
    """Writing (`desktop.core.outbox.Outbox`): sending (with uploaded files), retrying, editing,
    deleting, typing notices."""

    async def send(
        self, chat_id: str, text: str, files: tuple[JSON, ...] = (), client_msg_id: str = ""
    ) -> str: ...

    async def retry(self, chat_id: str, client_msg_id: str) -> None: ...

    def begin_files(self, chat_id: str, text: str, paths: list[Path]) -> PendingSend | None: ...

    async def edit_message(self, chat_id: str, seq: int, text: str) -> None: ...

    async def delete_message(self, chat_id: str, seq: int) -> None: ...

    async def typed(self, chat_id: str) -> None: ...


class Typing(Protocol):
    """Who is typing in a chat, as names to show (`desktop.core.presence.Presence`)."""

    def typing_users(self, chat_id: str) -> list[str]: ...


class ChatServices(Timelines, Connection, Protocol):
    """What the open-chat pane reads: timelines; no sign-in, chat management or calls (writing
    goes through its `Outbox`, the typing line comes from `Typing`)."""


class Searchable(Timelines, Connection, Protocol):
    """What message search uses: the REST client, names and titles, and opening a chat."""


class CallServices(Protocol):
    """What the call controls use: the call centre, the chats and names of callers."""

    @property
    def calls(self) -> CallCenter: ...

    @property
    def chats(self) -> dict[str, Chat]: ...

    @property
    def users(self) -> Directory: ...
