"""Every server event routed to the service it changes, without Qt.

`LiveEvents` is the realtime client's `RealtimeHandler`: acknowledgements and refusals go to the
timelines, message/member/read events to the chat list and the timelines, presence and typing to
`Presence`, `call.*` frames to the call centre, and it keeps the resume positions. It holds no
state of its own beyond the notification order; the services it routes to own theirs.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import datetime

from desktop.core.calls import CallCenter
from desktop.core.chats import Chats
from desktop.core.conversation import Conversation
from desktop.core.errors import ApiError, ClientError, describe
from desktop.core.listener import AppListener
from desktop.core.people import People
from desktop.core.positions import SEQ_TYPES, Positions
from desktop.core.presence import Presence
from desktop.core.signed_in import Session
from desktop.core.tasks import TaskRegistry
from desktop.core.timeline import SendState
from desktop.core.timelines import Timelines
from desktop.core.wire import JSON, Chat, Message, User, parse_time

log = logging.getLogger(__name__)


class LiveEvents:
    """Routes the realtime client's reports to the chats, timelines, presence and calls."""

    def __init__(
        self,
        session: Session,
        people: People,
        chats: Chats,
        timelines: Timelines,
        presence: Presence,
        positions: Positions,
        calls: CallCenter,
        listener: AppListener,
        tasks: TaskRegistry,
        session_expired: Callable[[], None],
    ) -> None:
        self._session, self._people = session, people
        self._chats, self._timelines = chats, timelines
        self._presence, self.positions, self._calls = presence, positions, calls
        self._listener, self._tasks = listener, tasks
        self._session_expired = session_expired
        self._notify_lock = asyncio.Lock()
        # Reactions and others' read markers go here (desktop/core/conversation.py).
        self.conversation: Conversation | None = None

    def resume_cursor(self) -> list[JSON]:
        """Every known chat from the highest `seq` seen: the server sends what came after."""
        return [
            {"chat_id": chat_id, "last_seq": last}
            for chat_id in self._chats.chats
            if (last := self.positions.last(chat_id)) is not None
        ]

    async def _reread_limits(self) -> None:
        """A server restarted with other limits is quoted right; if the read fails, the limits
        read before stand (the server still refuses what is over its own)."""
        try:
            await self._session.read_limits()
        except ClientError as exc:
            log.info("could not read the server's limits again: %s", type(exc).__name__)

    def on_ready(self, ready: JSON) -> None:
        self._tasks.spawn(self._reread_limits(), "limits")
        if {str(c["chat_id"]) for c in ready.get("chats", [])} - set(self._chats.chats):
            self._chats.refresh_soon()

    def on_connection(self, online: bool) -> None:
        self._listener.connection_changed(online)

    def on_session_expired(self) -> None:
        self._session_expired()

    def on_ack(self, ack: JSON) -> None:
        chat_id = str(ack.get("chat_id", ""))
        seq = int(ack.get("seq", 0))
        self._timelines.timeline(chat_id).acknowledge(
            str(ack.get("client_msg_id")), seq, str(ack.get("id") or f"{chat_id}:{seq}")
        )
        chat = self._chats.chats.get(chat_id)
        if chat is not None and self._timelines.current_chat == chat_id:
            self._timelines.maybe_mark_read(chat_id)

    def on_send_failed(
        self, client_msg_id: str, code: str, detail: str, limit: int | None = None
    ) -> None:
        error = describe(ApiError(0, code, detail, "send", limit=limit))
        for tl in self._timelines.timelines.values():
            if tl.entry(client_msg_id) is not None:
                tl.set_state(client_msg_id, SendState.FAILED, error)
        self._listener.error(error)

    def on_event(self, frame: JSON) -> None:
        kind = str(frame.get("type", ""))
        chat_id = str(frame.get("chat_id", ""))
        chat = self._chats.chats.get(chat_id)
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
            self._chats.refresh_soon()
        elif kind == "presence":
            seen = frame.get("last_seen_at")  # going offline: when (the chat header shows it)
            last_seen = parse_time(seen) if isinstance(seen, str) and seen else None
            self._on_presence(str(frame.get("user_id")), bool(frame.get("online")), last_seen)
        elif kind == "typing":
            self._presence.started_typing(chat_id, str(frame.get("user_id", "")))
        elif kind == "read":
            self._on_read(chat_id, str(frame.get("user_id", "")), int(frame.get("seq", 0)))
            if self.conversation is not None:
                self.conversation.on_read(chat_id, str(frame.get("user_id", "")), int(frame["seq"]))
        elif kind in ("reaction.added", "reaction.removed") and self.conversation is not None:
            self.conversation.on_reaction(frame)
        elif kind == "resync":
            self._tasks.spawn(self._resync(chat_id), "resync")
        elif kind.startswith("call."):
            self._calls.on_frame(frame)

    def _on_presence(self, user_id: str, online: bool, last_seen: datetime | None = None) -> None:
        self._presence.set_online(user_id, online, last_seen)
        for chat in self._chats.chats.values():
            if chat.peer_id == user_id:
                self._listener.chat_changed(chat.id)
        if self.conversation is not None:  # groups: their header's "M online"
            for chat_id in self.conversation.chats_with(user_id):
                group = self._chats.chats.get(chat_id)
                if group is not None and group.peer_id != user_id:
                    self._listener.chat_changed(chat_id)

    def _on_message(self, kind: str, m: Message, fresh: bool | None = None) -> None:
        chat = self._chats.chats.get(m.chat_id)
        if chat is None:
            self._chats.refresh_soon()
            return
        tl = self._timelines.timelines.get(m.chat_id)
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
            if is_new and not self._people.is_mine(m.sender_id):
                self._arrived(chat, m)
        elif chat.last_message is not None and chat.last_message.seq == m.seq:
            chat.last_message = m
        self._listener.chat_changed(m.chat_id)

    def _arrived(self, chat: Chat, m: Message) -> None:
        """Someone else's new message: read at once if the chat is in front, else counted."""
        self._presence.stopped_typing(m.chat_id, m.sender_id)
        if self._timelines.in_front(m.chat_id):
            self._timelines.maybe_mark_read(m.chat_id)
        else:
            chat.unread += 1
            self._tasks.spawn(self._notify(chat, m), "notify")

    async def _notify(self, chat: Chat, m: Message) -> None:
        """A desktop notification; learns the sender's name first if it is new to us.

        Notifications leave in message order: the lock is taken first thing, and asyncio's
        locks are fair, so a later message never overtakes one still waiting for a name.
        """
        users = self._people.users
        async with self._notify_lock:
            rest = self._session.rest
            if rest is not None and users.get(m.sender_id) is None:
                await users.fetch_members(rest, chat.id, force=True)
                self._listener.chat_changed(chat.id)
            sender = users.label(m.sender_id)
            title = self._chats.chat_title(chat)
            self._listener.notify(chat.id, title, f"{sender}: {m.text[:200]}")

    def _on_member(self, kind: str, chat_id: str, user_id: str, frame: JSON) -> None:
        user = frame.get("user")
        if isinstance(user, dict):
            self._people.users.add(User.from_json(user))
        is_me = self._people.is_mine(user_id)
        talk = self.conversation
        if kind == "member.removed" and talk is not None:
            talk.on_member_removed(chat_id, user_id)
        elif talk is not None and talk.on_member_added(chat_id, user_id):
            self._tasks.spawn(talk.load_members(chat_id), "members")
        if kind == "member.removed" and is_me:
            self._chats.drop(chat_id)
        elif chat_id not in self._chats.chats or is_me:
            self._chats.refresh_soon()
        else:
            self._listener.chat_changed(chat_id)  # its header lists the members again

    def _on_read(self, chat_id: str, user_id: str, seq: int) -> None:
        chat = self._chats.chats.get(chat_id)
        if chat is None or not self._people.is_mine(user_id):
            return
        chat.last_read_seq = max(chat.last_read_seq, seq)
        if chat.last_message is None or seq >= chat.last_message.seq:
            chat.unread = 0
            self._listener.chat_changed(chat_id)

    async def _resync(self, chat_id: str) -> None:
        """Too far behind for a resume: reload the chat and start its seqs where the server is."""
        rest = self._session.rest
        assert rest is not None
        self.positions.forget(chat_id)
        tl = self._timelines.timelines.get(chat_id)
        if tl is not None and tl.loaded:
            messages, has_more = await rest.history(chat_id)
            tl.replace(messages, has_more)
        await self._chats.refresh()
