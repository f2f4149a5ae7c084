"""The realtime half of `Messenger`: every server event applied to the app's state.

`LiveEvents` implements `RealtimeHandler` for the realtime client: acknowledgements, refusals,
message/member/presence/typing/read events, resume positions and resyncs. It is a mixin of
`Messenger` (which owns the state and the use cases) so each file stays about one thing.
"""

from __future__ import annotations

import asyncio
import logging

from desktop.core.calls import CallCenter
from desktop.core.errors import ApiError, describe
from desktop.core.listener import AppListener
from desktop.core.positions import SEQ_TYPES, Positions
from desktop.core.presence import Presence
from desktop.core.rest import RestClient
from desktop.core.tasks import TaskRegistry
from desktop.core.timeline import SendState, Timeline
from desktop.core.users import Directory
from desktop.core.wire import JSON, Chat, Message, User

log = logging.getLogger(__name__)


class LiveEvents:
    """Needs the state below; `Messenger` provides it and the few helpers declared at the end."""

    listener: AppListener
    tasks: TaskRegistry
    me: User | None
    chats: dict[str, Chat]
    timelines: dict[str, Timeline]
    users: Directory
    presence: Presence
    current_chat: str | None
    window_active: bool
    _notify_lock: asyncio.Lock
    positions: Positions
    calls: CallCenter

    def resume_cursor(self) -> list[JSON]:
        """Every known chat from the highest `seq` seen: the server sends what came after."""
        return [
            {"chat_id": chat_id, "last_seq": last}
            for chat_id in self.chats
            if (last := self.positions.last(chat_id)) is not None
        ]

    def on_ready(self, ready: JSON) -> None:
        if {str(c["chat_id"]) for c in ready.get("chats", [])} - set(self.chats):
            self._refresh_chats_soon()

    def on_connection(self, online: bool) -> None:
        self.listener.connection_changed(online)

    def on_session_expired(self) -> None:
        self.tasks.spawn(self.sign_out("Your session has ended. Please sign in again."))

    def on_ack(self, ack: JSON) -> None:
        chat_id = str(ack.get("chat_id", ""))
        seq = int(ack.get("seq", 0))
        self.timeline(chat_id).acknowledge(
            str(ack.get("client_msg_id")), seq, str(ack.get("id") or f"{chat_id}:{seq}")
        )
        chat = self.chats.get(chat_id)
        if chat is not None and self.current_chat == chat_id:
            self._maybe_mark_read(chat_id)

    def on_send_failed(self, client_msg_id: str, code: str, detail: str) -> None:
        error = describe(ApiError(0, code, detail, "send"))
        for tl in self.timelines.values():
            if tl.entry(client_msg_id) is not None:
                tl.set_state(client_msg_id, SendState.FAILED, error)
        self.listener.error(error)

    def on_event(self, frame: JSON) -> None:
        kind = str(frame.get("type", ""))
        chat_id = str(frame.get("chat_id", ""))
        chat = self.chats.get(chat_id)
        fresh: bool | None = None  # whether this seq is new to us; None: not tracked
        if kind in SEQ_TYPES and chat is not None and "seq" in frame:
            seq = int(frame["seq"])
            chat.last_seq = max(chat.last_seq, seq)
            fresh = self.positions.record(chat_id, seq)
        if kind.startswith("message.") and isinstance(frame.get("message"), dict):
            self._on_message(kind, Message.from_json(frame["message"]), fresh)
        elif kind in ("member.added", "member.removed"):
            self._on_member(kind, chat_id, str(frame.get("user_id", "")), frame)
        elif kind == "chat.created":
            self._refresh_chats_soon()
        elif kind == "presence":
            user_id = str(frame.get("user_id"))
            self.presence.set_online(user_id, bool(frame.get("online")))
            for chat in self.chats.values():
                if chat.peer_id == user_id:
                    self.listener.chat_changed(chat.id)
        elif kind == "typing":
            self.presence.started_typing(chat_id, str(frame.get("user_id", "")))
        elif kind == "read":
            self._on_read(chat_id, str(frame.get("user_id", "")), int(frame.get("seq", 0)))
        elif kind == "resync":
            self.tasks.spawn(self._resync(chat_id), "resync")
        elif kind.startswith("call."):
            self.calls.on_frame(frame)

    def _on_message(self, kind: str, m: Message, fresh: bool | None = None) -> None:
        chat = self.chats.get(m.chat_id)
        if chat is None:
            self._refresh_chats_soon()
            return
        tl = self.timelines.get(m.chat_id)
        if tl is not None and tl.loaded:
            is_new = tl.row_of_seq(m.seq) is None
        elif fresh is not None:
            is_new = fresh  # out of order or replayed after a resume: the seq record knows
        else:
            is_new = m.seq > (chat.last_message.seq if chat.last_message else 0)
        if tl is not None and tl.loaded:
            tl.upsert(m)
        elif tl is not None:
            tl.early.append(m)  # the first page is loading; applied on top of it
        if kind == "message.created":
            if chat.last_message is None or m.seq >= chat.last_message.seq:
                chat.last_message = m
                chat.activity = m.created_at
            mine = self.me is not None and m.sender_id == self.me.id
            if is_new and not mine:
                self.presence.stopped_typing(m.chat_id, m.sender_id)
                in_front = self.current_chat == m.chat_id and self.window_active
                if in_front:
                    self._maybe_mark_read(m.chat_id)
                else:
                    chat.unread += 1
                    self.tasks.spawn(self._notify(chat, m), "notify")
        elif chat.last_message is not None and chat.last_message.seq == m.seq:
            chat.last_message = m
        self.listener.chat_changed(m.chat_id)

    async def _notify(self, chat: Chat, m: Message) -> None:
        """A desktop notification; learns the sender's name first if it is new to us.

        Notifications leave in message order: the lock is taken first thing, and asyncio's
        locks are fair, so a later message never overtakes one still waiting for a name.
        """
        async with self._notify_lock:
            if self.rest is not None and self.users.get(m.sender_id) is None:
                await self.users.fetch_members(self.rest, chat.id, force=True)
                self.listener.chat_changed(chat.id)
            sender = self.users.label(m.sender_id)
            self.listener.notify(chat.id, self.chat_title(chat), f"{sender}: {m.text[:200]}")

    async def _learn_senders(self, chats: list[Chat]) -> None:
        """After the list is shown: names of last-message senders we do not know yet."""
        assert self.rest is not None
        for chat in chats:
            last = chat.last_message
            if last is not None and self.users.get(last.sender_id) is None:
                await self.users.fetch_members(self.rest, chat.id, force=True)
                self.listener.chat_changed(chat.id)

    def _on_member(self, kind: str, chat_id: str, user_id: str, frame: JSON) -> None:
        user = frame.get("user")
        if isinstance(user, dict):
            self.users.add(User.from_json(user))
        is_me = self.me is not None and user_id == self.me.id
        if kind == "member.removed" and is_me:
            self._drop_chat(chat_id)
        elif chat_id not in self.chats or is_me:
            self._refresh_chats_soon()

    def _on_read(self, chat_id: str, user_id: str, seq: int) -> None:
        chat = self.chats.get(chat_id)
        if chat is None or self.me is None or user_id != self.me.id:
            return
        chat.last_read_seq = max(chat.last_read_seq, seq)
        if chat.last_message is None or seq >= chat.last_message.seq:
            chat.unread = 0
            self.listener.chat_changed(chat_id)

    async def _resync(self, chat_id: str) -> None:
        """Too far behind for a resume: reload the chat and start its seqs where the server is."""
        assert self.rest is not None
        self.positions.forget(chat_id)
        tl = self.timelines.get(chat_id)
        if tl is not None and tl.loaded:
            messages, has_more = await self.rest.history(chat_id)
            tl.replace(messages, has_more)
        await self.refresh_chats()

    # -- provided by Messenger --------------------------------------------------------------

    @property
    def rest(self) -> RestClient | None:
        raise NotImplementedError

    def timeline(self, chat_id: str) -> Timeline:
        raise NotImplementedError

    def chat_title(self, chat: Chat) -> str:
        raise NotImplementedError

    def _refresh_chats_soon(self) -> None:
        raise NotImplementedError

    def _maybe_mark_read(self, chat_id: str) -> None:
        raise NotImplementedError

    def _drop_chat(self, chat_id: str) -> None:
        raise NotImplementedError

    async def refresh_chats(self) -> None:
        raise NotImplementedError

    async def sign_out(self, reason: str = "") -> None:
        raise NotImplementedError
