"""The chats and timelines of the signed-in user, without Qt, on top of its session.

`Messenger` keeps what the user sees (chats, timelines, read positions), applies every server
event to it, and tells an `AppListener` (the Qt bridge) what changed. Sign-in, tokens and the two
clients belong to its `Session` (`desktop.core.signed_in`), writing to its `Outbox`, online and
typing state to its `Presence`. Widgets never receive it whole: each gets the narrow service it
uses (`desktop.core.services`). UI-triggered coroutines raise `ClientError`s; the UI reports them
through its one error handler.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

from desktop.core.backoff import Backoff
from desktop.core.calls import CallCenter, MessengerTransport
from desktop.core.errors import (
    ClientError,
    describe,
)
from desktop.core.listener import AppListener
from desktop.core.live import LiveEvents
from desktop.core.outbox import Outbox
from desktop.core.positions import Positions
from desktop.core.presence import Presence
from desktop.core.realtime import RealtimeClient
from desktop.core.rest import RestClient
from desktop.core.session import SavedSession, SessionStore
from desktop.core.signed_in import Session
from desktop.core.tasks import TaskRegistry
from desktop.core.timeline import Timeline
from desktop.core.users import Directory
from desktop.core.wire import Chat, User

log = logging.getLogger(__name__)


class Messenger(LiveEvents):
    """What the signed-in user sees, and the use cases on it. One instance per app."""

    def __init__(
        self,
        sessions: SessionStore,
        listener: AppListener,
        *,
        backoff: Callable[[], Backoff] = Backoff,
    ) -> None:
        self.session = Session(sessions, backoff)
        self.listener = listener
        self.tasks = TaskRegistry(self._report)
        self.me: User | None = None
        self.chats: dict[str, Chat] = {}
        self.timelines: dict[str, Timeline] = {}
        self.users = Directory()
        self.current_chat: str | None = None
        self.window_active = True
        self._read_sent: dict[str, int] = {}
        # Chats opened at their first unread message: read only up to what the reader has seen.
        self.read_limit: dict[str, int] = {}
        self._chats_refresh: asyncio.Task[None] | None = None
        self._older: dict[str, asyncio.Future[int]] = {}
        self._notify_lock = asyncio.Lock()
        self.positions = Positions()
        self.calls = CallCenter(MessengerTransport(self), self._my_id, self._my_name)
        self.outbox = Outbox(self)
        self.presence = Presence(self.users, listener, self._my_id)

    def _my_id(self) -> str:
        return self.me.id if self.me else ""

    def _my_name(self) -> str:
        return (self.me.display_name or self.me.username) if self.me else ""

    # -- errors -----------------------------------------------------------------------------

    def _report(self, exc: BaseException) -> None:
        if isinstance(exc, ClientError):
            self.listener.error(describe(exc))
        else:
            log.error("unexpected failure", exc_info=exc)
            self.listener.error(describe(exc))

    # -- session ----------------------------------------------------------------------------

    @property
    def sessions(self) -> SessionStore:
        return self.session.store

    @property
    def rest(self) -> RestClient | None:
        return self.session.rest

    @property
    def realtime(self) -> RealtimeClient | None:
        return self.session.realtime

    @property
    def saved(self) -> SavedSession | None:
        return self.session.saved

    async def sign_up(
        self, server_url: str, username: str, email: str, password: str, display_name: str
    ) -> User:
        await self.session.register(server_url, username, email, password, display_name)
        return await self.sign_in(server_url, username, password)

    async def sign_in(self, server_url: str, login: str, password: str) -> User:
        rest, me = await self.session.sign_in(server_url, login, password)
        await self._start(rest, me)
        return me

    async def restore(self) -> bool:
        """Resume the saved session, if any; False (and nothing shown) when there is none."""
        restored = await self.session.restore()
        if restored is None:
            return False
        await self._start(*restored)
        return True

    async def _start(self, rest: RestClient, me: User) -> None:
        self.session.attach(rest)
        self.me = me
        self.users.add(me)
        self.listener.signed_in(me)
        await self.refresh_chats()
        self.tasks.spawn(self.session.start_realtime(self).run(), "realtime")
        self.tasks.spawn(self.outbox.resume_uploads(), "resume-uploads")

    async def sign_out(self, reason: str = "") -> None:
        rest, saved = self.rest, self.saved
        await self.shutdown()
        await self.session.sign_out(rest, saved)
        self.listener.signed_out(reason)

    async def shutdown(self) -> None:
        """Stop the realtime client and every task; keep the saved session (app quit)."""
        await self.session.stop_realtime()
        await self.tasks.cancel_all()
        await self.session.release()
        self.me = None
        self.chats.clear()
        self.timelines.clear()
        self.positions.clear()
        self.current_chat = None
        self.listener.chats_reset()

    async def close(self) -> None:
        """App quit: stop everything and close the HTTP client."""
        await self.shutdown()
        await self.session.close()

    # -- chats ------------------------------------------------------------------------------

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

    async def refresh_chats(self) -> None:
        assert self.rest is not None
        chats = await self.rest.chats()
        fresh = {c.id: c for c in chats}
        for chat_id, chat in fresh.items():
            old = self.chats.get(chat_id)
            if old is not None and old.last_seq > chat.last_seq:
                chat.last_seq = old.last_seq  # events overtook the list
        self.chats = fresh
        for chat in chats:
            self.positions.start(chat.id, chat.last_seq)
            if chat.peer is not None:
                self.users.add(chat.peer)
                self.presence.set_online(chat.peer.id, chat.online)
        self.listener.chats_reset()
        self.tasks.spawn(self._learn_senders(chats), "learn-senders")

    def _refresh_chats_soon(self) -> None:
        if self._chats_refresh is None or self._chats_refresh.done():
            self._chats_refresh = self.tasks.spawn(self.refresh_chats(), "refresh-chats")

    def timeline(self, chat_id: str) -> Timeline:
        tl = self.timelines.get(chat_id)
        if tl is None:
            tl = self.timelines[chat_id] = Timeline(chat_id)
        return tl

    async def open_chat(self, chat_id: str) -> Timeline:
        """Make a chat current; loads its latest page the first time."""
        self.current_chat = chat_id
        tl = self.timeline(chat_id)
        if not tl.loaded:
            assert self.rest is not None
            messages, has_more = await self.rest.history(chat_id)
            tl.replace(messages, has_more)
            self.tasks.spawn(self.users.fetch_members(self.rest, chat_id), "members")
        self._maybe_mark_read(chat_id)
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
        assert self.rest is not None
        tl = self.timeline(chat_id)
        if not tl.has_more_before or tl.oldest_seq is None:
            return 0
        messages, has_more = await self.rest.history(chat_id, before=tl.oldest_seq, limit=limit)
        tl.has_more_before = has_more
        tl.merge(messages)
        return len(messages)

    def set_focus(self, chat_id: str | None, window_active: bool) -> None:
        self.current_chat = chat_id
        self.window_active = window_active
        if chat_id is not None:
            self._maybe_mark_read(chat_id)

    def _maybe_mark_read(self, chat_id: str) -> None:
        chat = self.chats.get(chat_id)
        if chat is None or not self.window_active or self.current_chat != chat_id:
            return
        if self.rest is None:
            return  # reading cached chats offline: the server learns it later
        tl = self.timeline(chat_id)
        seq = max(chat.last_seq, tl.newest_seq)
        limit = self.read_limit.get(chat_id)
        if limit is not None and limit < seq:
            seq = limit
            left = self._unread_after(tl, limit)
            if left < chat.unread:
                chat.unread = left
                self.listener.chat_changed(chat_id)
        elif chat.unread:
            self.read_limit.pop(chat_id, None)
            chat.unread = 0
            self.listener.chat_changed(chat_id)
        if seq > self._read_sent.get(chat_id, 0) and seq > chat.last_read_seq:
            self._read_sent[chat_id] = seq
            self.tasks.spawn(self._send_read(chat_id, seq), "read")

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
            self._maybe_mark_read(chat_id)

    async def _send_read(self, chat_id: str, seq: int) -> None:
        assert self.rest is not None
        await self.rest.mark_read(chat_id, seq)
        chat = self.chats.get(chat_id)
        if chat is not None:
            chat.last_read_seq = max(chat.last_read_seq, seq)

    async def create_group(self, title: str, usernames: list[str]) -> Chat:
        assert self.rest is not None
        chat = await self.rest.create_chat(title, [])
        for name in usernames:
            await self.rest.invite(chat.id, name)
        self._add_chat(chat)
        return chat

    async def direct_with(self, user: User) -> Chat:
        assert self.rest is not None
        self.users.add(user)
        chat = await self.rest.direct_chat(user.id)
        if not chat.peer_id:
            chat.peer_id = user.id
        self._add_chat(chat)
        return chat

    def _add_chat(self, chat: Chat) -> None:
        known = self.chats.get(chat.id)
        if known is not None:
            chat.unread, chat.last_message = known.unread, known.last_message
            chat.last_seq = max(known.last_seq, chat.last_seq)
        self.chats[chat.id] = chat
        self.positions.start(chat.id, chat.last_seq)
        self.listener.chats_reset()

    async def invite(self, chat_id: str, username: str) -> None:
        assert self.rest is not None
        await self.rest.invite(chat_id, username.strip().lstrip("@"))

    async def leave(self, chat_id: str) -> None:
        assert self.rest is not None and self.me is not None
        await self.rest.leave(chat_id, self.me.id)
        self._drop_chat(chat_id)

    def _drop_chat(self, chat_id: str) -> None:
        self.chats.pop(chat_id, None)
        self.timelines.pop(chat_id, None)
        self.positions.forget(chat_id)
        if self.current_chat == chat_id:
            self.current_chat = None
        self.listener.chats_reset()

    async def search_users(self, prefix: str) -> list[User]:
        assert self.rest is not None
        users = await self.rest.search_users(prefix)
        for u in users:
            self.users.add(u)
        return [u for u in users if self.me is None or u.id != self.me.id]

    async def update_profile(self, display_name: str, email: str) -> User:
        assert self.rest is not None
        me = await self.rest.update_me(display_name=display_name, email=email)
        self.me = me
        self.users.add(me)
        return me

    async def change_password(self, current: str, new: str) -> None:
        assert self.rest is not None
        await self.rest.change_password(current, new)

    def is_mine(self, sender_id: str) -> bool:
        return self.me is not None and sender_id == self.me.id
