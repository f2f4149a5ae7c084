"""The narrow services widgets receive instead of the whole `Messenger` (STYLE.md rule 12).

Each protocol is the part of the signed-in app one kind of widget actually uses, so a widget's
constructor says what it depends on and mypy refuses a widget that reaches further. The objects
behind them: the chat list (`desktop.core.chats.Chats`: `ChatList`, `ChatManagement`), the
timelines (`desktop.core.timelines.Timelines`: `ChatServices`, `Searchable`, `Reading`), names
and the profile (`desktop.core.people.People`: `People`, `Profile`), writing
(`desktop.core.outbox.Outbox`), presence and typing (`desktop.core.presence.Presence`), and the
session's lifecycle (`desktop.core.app.Messenger`: `Account`, the only one it satisfies).
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from desktop.core.conversation import Conversation
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
    """Writing (`desktop.core.outbox.Outbox`): sending (with uploaded files), retrying or
    discarding a failed message, editing, deleting, typing notices."""

    async def send(
        self,
        chat_id: str,
        text: str,
        files: tuple[JSON, ...] = (),
        client_msg_id: str = "",
        reply_to_seq: int | None = None,
    ) -> str: ...

    async def react(self, chat_id: str, seq: int, emoji: str, on: bool) -> None: ...

    async def retry(self, chat_id: str, client_msg_id: str) -> None: ...

    async def discard(self, chat_id: str, client_msg_id: str) -> None: ...

    def begin_files(
        self, chat_id: str, text: str, paths: list[Path], reply_to_seq: int | None = None
    ) -> PendingSend | None: ...

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


class Reading(ChatServices, Protocol):
    """What the main window tells the timelines: which chat is in front, and whether the window
    is active (messages arriving there are read)."""

    def set_focus(self, chat_id: str | None, window_active: bool) -> None: ...


class ChatManagement(ChatList, Protocol):
    """What the main window does to the chat list: new chats, invitations, leaving."""

    async def create_group(self, title: str, usernames: list[str]) -> Chat: ...

    async def direct_with(self, user: User) -> Chat: ...

    async def invite(self, chat_id: str, username: str) -> None: ...

    async def leave(self, chat_id: str) -> None: ...


class Profile(People, Protocol):
    """My profile and finding people to write to (`desktop.core.people.People`)."""

    async def search_users(self, prefix: str) -> list[User]: ...

    async def update_profile(self, display_name: str, email: str) -> User: ...

    async def change_password(self, current: str, new: str) -> None: ...


class Account(Protocol):
    """Signing up, in and out, and asking the socket to reconnect now (the offline banner)."""

    async def sign_up(
        self, server_url: str, username: str, email: str, password: str, display_name: str
    ) -> User: ...

    async def sign_in(self, server_url: str, login: str, password: str) -> User: ...

    async def sign_out(self, reason: str = "") -> None: ...

    def reconnect_now(self) -> None: ...


class CallServices(Protocol):
    """What the call controls use of the chats: their list and the names of callers."""

    @property
    def chats(self) -> dict[str, Chat]: ...

    @property
    def users(self) -> Directory: ...


Spawn = Callable[[Coroutine[Any, Any, Any]], object]


@dataclass(frozen=True)
class WindowServices:
    """What the main window is given: one narrow service per kind of widget it builds, and the
    one place its coroutines are started (their failures end in the error banner)."""

    account: Account
    chats: ChatManagement
    reading: Reading
    people: Profile
    outbox: Outbox
    typing: Typing
    spawn: Spawn
    conversation: Conversation | None = None  # replies, reactions, mentions, read ticks
