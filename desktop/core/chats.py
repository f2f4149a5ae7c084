"""The signed-in user's chat list, without Qt: chats, unread counts, creating, inviting, leaving.

`Chats` owns the list as the server last sent it, corrected by the events that overtook it, and
the use cases that change membership. The timelines (`desktop.core.timelines.Timelines`) hear of
a chat that is gone through `dropped`, so this module never reaches into them.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from desktop.core.listener import AppListener
from desktop.core.people import People
from desktop.core.positions import Positions
from desktop.core.presence import Presence
from desktop.core.signed_in import Session
from desktop.core.tasks import TaskRegistry
from desktop.core.users import Directory
from desktop.core.wire import Chat, User


class Chats:
    """The chat list service (`desktop.core.services.ChatList` and `ChatManagement`)."""

    def __init__(
        self,
        session: Session,
        people: People,
        presence: Presence,
        positions: Positions,
        listener: AppListener,
        tasks: TaskRegistry,
    ) -> None:
        self._session, self._people = session, people
        self.presence, self._positions = presence, positions
        self._listener, self._tasks = listener, tasks
        self.chats: dict[str, Chat] = {}
        self.dropped: list[Callable[[str], None]] = []  # told of every chat removed from the list
        self._refresh: asyncio.Task[None] | None = None

    # -- reading ----------------------------------------------------------------------------

    @property
    def me(self) -> User | None:
        return self._people.me

    @property
    def users(self) -> Directory:
        return self._people.users

    def is_mine(self, sender_id: str) -> bool:
        return self._people.is_mine(sender_id)

    def sorted_chats(self) -> list[Chat]:
        return sorted(self.chats.values(), key=lambda c: c.activity, reverse=True)

    def chat_title(self, chat: Chat) -> str:
        if chat.title:
            return chat.title
        if chat.peer_id:
            return self.users.label(chat.peer_id)
        return "Untitled chat"

    @property
    def unread_total(self) -> int:
        return sum(c.unread for c in self.chats.values())

    # -- the list from the server -----------------------------------------------------------

    async def refresh(self) -> None:
        rest = self._session.rest
        assert rest is not None
        chats = await rest.chats()
        fresh = {c.id: c for c in chats}
        for chat_id, chat in fresh.items():
            old = self.chats.get(chat_id)
            if old is not None and old.last_seq > chat.last_seq:
                chat.last_seq = old.last_seq  # events overtook the list
        self.chats = fresh
        for chat in chats:
            self._positions.start(chat.id, chat.last_seq)
            if chat.peer is not None:
                self.users.add(chat.peer)
                self.presence.set_online(chat.peer.id, chat.online)
        self._listener.chats_reset()
        self._tasks.spawn(self._learn_senders(chats), "learn-senders")

    def refresh_soon(self) -> None:
        if self._refresh is None or self._refresh.done():
            self._refresh = self._tasks.spawn(self.refresh(), "refresh-chats")

    async def _learn_senders(self, chats: list[Chat]) -> None:
        """After the list is shown: names of last-message senders we do not know yet."""
        rest = self._session.rest
        assert rest is not None
        for chat in chats:
            last = chat.last_message
            if last is not None and self.users.get(last.sender_id) is None:
                await self.users.fetch_members(rest, chat.id, force=True)
                self._listener.chat_changed(chat.id)

    # -- membership -------------------------------------------------------------------------

    async def create_group(self, title: str, usernames: list[str]) -> Chat:
        rest = self._session.rest
        assert rest is not None
        chat = await rest.create_chat(title, [])
        for name in usernames:
            await rest.invite(chat.id, name)
        self._add(chat)
        return chat

    async def direct_with(self, user: User) -> Chat:
        rest = self._session.rest
        assert rest is not None
        self.users.add(user)
        chat = await rest.direct_chat(user.id)
        if not chat.peer_id:
            chat.peer_id = user.id
        self._add(chat)
        return chat

    def _add(self, chat: Chat) -> None:
        known = self.chats.get(chat.id)
        if known is not None:
            chat.unread, chat.last_message = known.unread, known.last_message
            chat.last_seq = max(known.last_seq, chat.last_seq)
        self.chats[chat.id] = chat
        self._positions.start(chat.id, chat.last_seq)
        self._listener.chats_reset()

    async def invite(self, chat_id: str, username: str) -> None:
        rest = self._session.rest
        assert rest is not None
        await rest.invite(chat_id, username.strip().lstrip("@"))

    async def leave(self, chat_id: str) -> None:
        rest, me = self._session.rest, self.me
        assert rest is not None and me is not None
        await rest.leave(chat_id, me.id)
        self.drop(chat_id)

    def drop(self, chat_id: str) -> None:
        """The chat is no longer mine (I left, or was removed)."""
        self.chats.pop(chat_id, None)
        self._positions.forget(chat_id)
        for forget in self.dropped:
            forget(chat_id)
        self._listener.chats_reset()

    def clear(self) -> None:
        self.chats.clear()
