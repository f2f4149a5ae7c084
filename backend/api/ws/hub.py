"""This replica's connected sockets, and the bus bindings they need.

The hub binds `chat.<id>` while at least one local user is a member of that chat and `user.<id>`
while that user has a socket here, so the bus sends this replica only what its users may see.
Membership changes arrive as events and adjust the bindings: a removed member stops receiving at
once; a new member starts receiving after its `chat.created`. Each socket passes a chat's
numbered events through its own order (`backend.api.ws.order`); presence is the presence
service's, told when a user's socket comes and goes.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from typing import Any

from backend.api.ws.connection import CLOSE_RESTART, Connection, frame_json
from backend.api.ws.fastpath import WriteBatch
from backend.api.ws.order import Ordering, chat_seq
from backend.domain import events as ev
from backend.domain.events import Event
from backend.domain.ports import EventBus
from backend.services.presence import PresenceService


class Hub:
    def __init__(self, bus: EventBus, presence: PresenceService, ordering: Ordering) -> None:
        self._bus = bus
        self._presence = presence
        self.ordering = ordering
        self.by_user: dict[str, set[Connection]] = {}
        self.chat_users: dict[str, set[str]] = {}
        self.user_chats: dict[str, set[str]] = {}
        self.delivered = 0
        # Each chat's local sockets as one flat list, made on its first event and dropped on any
        # change of who is here or in which chat: a big room's pass is then one loop.
        self._sockets_of: dict[str, list[Connection]] = {}
        self.batch = WriteBatch()  # every socket's frames of one tick, written at its end
        self._cleanups: set[asyncio.Task[None]] = set()
        bus.on_event(self.on_event)

    def start(self) -> None:
        self._presence.start(lambda: [(c.user_id, c.id) for c in self.connections])

    async def close(self) -> None:
        await self._presence.close()
        await asyncio.gather(*self._cleanups, return_exceptions=True)

    @property
    def connections(self) -> list[Connection]:
        return [c for conns in self.by_user.values() for c in conns]

    async def attach(self, conn: Connection, chat_ids: Iterable[str]) -> None:
        """Subscribe first, then the caller reads positions: nothing falls in between."""
        uid = conn.user_id
        first = uid not in self.by_user
        self.by_user.setdefault(uid, set()).add(conn)
        self._sockets_of.clear()
        if first:
            self.user_chats[uid] = set()
            await self._bus.bind([ev.user_key(uid)])
            await self._join(uid, chat_ids)
        await self._presence.connected(uid, conn.id, set(self.user_chats.get(uid, ())))

    def release(self, conn: Connection) -> asyncio.Task[None]:
        """Detach in a task of its own: Sanic cancels a socket's handler when the peer goes away,
        and the unbinding and the offline notice must not be cut short by that."""

        async def run() -> None:
            await conn.stop()
            await self.detach(conn)

        task = asyncio.create_task(run(), name=f"ws-release-{conn.id}")
        self._cleanups.add(task)
        task.add_done_callback(self._cleanups.discard)
        return task

    async def detach(self, conn: Connection) -> None:
        uid = conn.user_id
        conns = self.by_user.get(uid)
        if conns is None or conn not in conns:
            return
        conns.discard(conn)
        self._sockets_of.clear()
        chats = set(self.user_chats.get(uid, ()))
        if not conns:
            del self.by_user[uid]
            self.user_chats.pop(uid, None)
            await self._leave(uid, chats)
            await self._bus.unbind([ev.user_key(uid)])
        await self._presence.disconnected(uid, conn.id, chats)

    async def _join(self, uid: str, chat_ids: Iterable[str]) -> None:
        new_keys = []
        self._sockets_of.clear()
        for chat_id in chat_ids:
            self.user_chats.setdefault(uid, set()).add(chat_id)
            users = self.chat_users.setdefault(chat_id, set())
            if not users:
                new_keys.append(ev.chat_key(chat_id))
            users.add(uid)
        if new_keys:
            await self._bus.bind(new_keys)

    async def _leave(self, uid: str, chat_ids: Iterable[str]) -> None:
        gone = []
        self._sockets_of.clear()
        for chat_id in chat_ids:
            self.user_chats.get(uid, set()).discard(chat_id)
            users = self.chat_users.get(chat_id)
            if users is None:
                continue
            users.discard(uid)
            if not users:
                del self.chat_users[chat_id]
                gone.append(ev.chat_key(chat_id))
        if gone:
            await self._bus.unbind(gone)

    async def on_event(self, event: Event) -> None:
        data = frame_json(event.frame())
        if event.key.startswith("chat."):
            self._to_chat(event, data)
        elif event.key.startswith("user."):
            await self._to_user(event, data)

    def _to_chat(self, event: Event, data: str) -> None:
        chat_id = str(event.body["chat_id"])
        subject = event.body.get("user_id")
        if event.type == "presence":
            self._presence_to_chat(chat_id, subject, bool(event.body.get("online")), data)
        else:
            self._fan_out(event, chat_id, data)
        if event.type == "member.removed" and isinstance(subject, str) and subject in self.by_user:
            task = asyncio.create_task(self._leave(subject, [chat_id]))
            self._cleanups.add(task)
            task.add_done_callback(self._cleanups.discard)

    def _fan_out(self, event: Event, chat_id: str, data: str) -> None:
        """One pass over the members' sockets, the hot loop of a big room: one flat list, no
        copies, no awaits, one call per socket (its order check and write queue inside)."""
        seq = chat_seq(event.type, event.body)
        conns = self._sockets_of.get(chat_id)
        if conns is None:
            by_user = self.by_user
            users = self.chat_users.get(chat_id, ())
            conns = self._sockets_of[chat_id] = [c for u in users for c in by_user.get(u, ())]
        if seq is not None:
            for conn in conns:
                conn.deliver(data, chat_id, seq)
            self.delivered += len(conns)
            return
        skip = event.body.get("user_id") if event.type == "typing" else None
        for conn in conns:
            if conn.user_id != skip:
                conn.push(data)
                self.delivered += 1

    def _presence_to_chat(self, chat_id: str, subject: Any, online: bool, data: str) -> None:
        """Only to sockets that saw this member the other way (or never), never to the member."""
        for uid in self.chat_users.get(chat_id, ()):
            if uid == subject:
                continue
            for conn in self.by_user.get(uid, ()):
                seen = conn.presence_seen
                if seen is None:
                    seen = conn.presence_seen = {}
                if seen.get(str(subject)) == online:
                    continue
                seen[str(subject)] = online
                conn.push(data)
                self.delivered += 1

    async def _to_user(self, event: Event, data: str) -> None:
        uid = event.key.removeprefix("user.")
        joined = str(event.body["chat_id"]) if event.type == "chat.created" else None
        if joined is not None and uid in self.by_user:
            await self._join(uid, [joined])
        for conn in list(self.by_user.get(uid, ())):
            if joined is not None:
                # (Re)joined: the chat starts at its next event here, and the time away is
                # never read from the log for this socket.
                conn.order.forget(joined)
            conn.push(data)
            self.delivered += 1

    def broadcast(self, frame: dict[str, Any]) -> None:
        data = frame_json(frame)
        for conn in self.connections:
            conn.push(data)

    async def close_all(self, reason: str) -> None:
        await asyncio.gather(
            *(c.finish(CLOSE_RESTART, reason) for c in self.connections), return_exceptions=True
        )
