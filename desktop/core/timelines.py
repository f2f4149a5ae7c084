"""The per-chat timelines, without Qt: opening a chat, older pages, and read markers.

`Timelines` keeps what has been loaded of each chat, which chat is in front, and how far the
reader has read (sending the read marker when it moves). It reads the chat list
(`desktop.core.chats.Chats`) for last positions and unread counts, and forgets a chat's timeline
when the list drops it. The open-chat pane and search receive it as
`desktop.core.services.ChatServices` / `Searchable`.
"""

from __future__ import annotations

import asyncio

from desktop.core.chats import Chats
from desktop.core.listener import AppListener
from desktop.core.presence import Presence
from desktop.core.rest import RestClient
from desktop.core.signed_in import Session
from desktop.core.tasks import TaskRegistry
from desktop.core.timeline import Timeline
from desktop.core.users import Directory
from desktop.core.wire import Chat, User


class Timelines:
    """Reading chats: one `Timeline` per chat, the chat in front, and the read markers."""

    def __init__(
        self, session: Session, chats: Chats, listener: AppListener, tasks: TaskRegistry
    ) -> None:
        self._session, self._chats = session, chats
        self._listener, self._tasks = listener, tasks
        self.timelines: dict[str, Timeline] = {}
        self.current_chat: str | None = None
        self.window_active = True
        self._read_sent: dict[str, int] = {}
        # Chats opened at their first unread message: read only up to what the reader has seen.
        self.read_limit: dict[str, int] = {}
        self._older: dict[str, asyncio.Future[int]] = {}
        chats.dropped.append(self.forget)

    # -- what the reader sees of the chat list (`ChatList`) ---------------------------------

    @property
    def rest(self) -> RestClient | None:
        return self._session.rest

    @property
    def chats(self) -> dict[str, Chat]:
        return self._chats.chats

    @property
    def presence(self) -> Presence:
        return self._chats.presence

    @property
    def unread_total(self) -> int:
        return self._chats.unread_total

    @property
    def me(self) -> User | None:
        return self._chats.me

    @property
    def users(self) -> Directory:
        return self._chats.users

    def is_mine(self, sender_id: str) -> bool:
        return self._chats.is_mine(sender_id)

    def chat_title(self, chat: Chat) -> str:
        return self._chats.chat_title(chat)

    # -- timelines --------------------------------------------------------------------------

    def timeline(self, chat_id: str) -> Timeline:
        tl = self.timelines.get(chat_id)
        if tl is None:
            tl = self.timelines[chat_id] = Timeline(chat_id)
        return tl

    async def open_chat(self, chat_id: str) -> Timeline:
        """Make a chat current; loads its latest page the first time.

        The members' names come with the conversation's listing, which the pane asks for on
        every opening (it carries presence and read markers too): fetching them here as well
        was a second `GET /members` per first opening.
        """
        self.current_chat = chat_id
        tl = self.timeline(chat_id)
        if not tl.loaded:
            rest = self._session.rest
            assert rest is not None
            messages, has_more = await rest.history(chat_id)
            tl.replace(messages, has_more)
        self.maybe_mark_read(chat_id)
        return tl

    async def load_older(self, chat_id: str, limit: int = 100) -> int:
        """Fetch the page before the oldest loaded message; returns how many arrived.

        Concurrent calls for one chat (scrolling fires often) share the one request in flight.
        """
        running = self._older.get(chat_id)
        if running is None or running.done():
            running = asyncio.ensure_future(self._load_older(chat_id, limit))
            self._older[chat_id] = running
        return await asyncio.shield(running)

    async def _load_older(self, chat_id: str, limit: int) -> int:
        rest = self._session.rest
        assert rest is not None
        tl = self.timeline(chat_id)
        if not tl.has_more_before or tl.oldest_seq is None:
            return 0
        messages, has_more = await rest.history(chat_id, before=tl.oldest_seq, limit=limit)
        tl.has_more_before = has_more
        tl.merge(messages)
        return len(messages)

    def forget(self, chat_id: str) -> None:
        self.timelines.pop(chat_id, None)
        if self.current_chat == chat_id:
            self.current_chat = None

    def clear(self) -> None:
        self.timelines.clear()
        self.current_chat = None

    # -- read markers -----------------------------------------------------------------------

    def set_focus(self, chat_id: str | None, window_active: bool) -> None:
        self.current_chat = chat_id
        self.window_active = window_active
        if chat_id is not None:
            self.maybe_mark_read(chat_id)

    def in_front(self, chat_id: str) -> bool:
        """The chat is open in the active window: its new messages are read as they arrive."""
        return self.current_chat == chat_id and self.window_active

    def maybe_mark_read(self, chat_id: str) -> None:
        chat = self._chats.chats.get(chat_id)
        if chat is None or not self.in_front(chat_id):
            return
        if self._session.rest is None:
            return  # reading cached chats offline: the server learns it later
        tl = self.timeline(chat_id)
        seq = max(chat.last_seq, tl.newest_seq)
        limit = self.read_limit.get(chat_id)
        if limit is not None and limit < seq:
            seq = limit
            left = self._unread_after(tl, limit)
            if left < chat.unread:
                chat.unread = left
                self._listener.chat_changed(chat_id)
        elif chat.unread:
            self.read_limit.pop(chat_id, None)
            chat.unread = 0
            self._listener.chat_changed(chat_id)
        if seq > self._read_sent.get(chat_id, 0) and seq > chat.last_read_seq:
            self._read_sent[chat_id] = seq
            self._tasks.spawn(self._send_read(chat_id, seq), "read")

    def _unread_after(self, tl: Timeline, seq: int) -> int:
        """Others' messages after `seq`, counted from the newest back."""
        count = 0
        for i in range(len(tl) - 1, -1, -1):
            entry = tl.row(i)
            if entry.seq is not None and entry.seq <= seq:
                break
            count += not self.is_mine(entry.sender_id)
        return count

    def seen(self, chat_id: str, seq: int) -> None:
        """The reader has seen up to `seq` in a chat opened at its first unread message."""
        if chat_id in self.read_limit:
            self.read_limit[chat_id] = max(self.read_limit[chat_id], seq)
            self.maybe_mark_read(chat_id)

    async def _send_read(self, chat_id: str, seq: int) -> None:
        rest = self._session.rest
        assert rest is not None
        await rest.mark_read(chat_id, seq)
        chat = self._chats.chats.get(chat_id)
        if chat is not None:
            chat.last_read_seq = max(chat.last_read_seq, seq)
