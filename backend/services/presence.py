"""Presence: who is online, announced to the chats they are in, kept alive by heartbeats.

A user is online while at least one of their sockets is connected to any replica. The first
socket announces `presence {online: true}` to the user's chats and the last one `online: false`;
the presence store (in-process or Redis) decides which is first and last across replicas, and a
replica that dies stops heartbeating, so its entries expire instead of staying online forever.

The product rule for big rooms: a chat of more than `room_limit` members gets no `presence`
frames. Announcing each of n joins to n members costs n² frames (4 million for a room of 2,000
coming online), and nobody reads a stream of online notices for a crowd. Such a chat's member
list (`GET /chats/{id}/members`, each row `online` and `last_seen_at`) gives its online count on
demand; someone who also shares a smaller chat with you (a direct chat, a team) is still announced
there, and the hub sends each socket one frame per change of a user, however many chats carry it.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Iterable, Sequence
from datetime import UTC, datetime

from backend.domain import events as ev
from backend.domain.errors import DomainError
from backend.domain.ports import EventBus, Presence

log = logging.getLogger(__name__)

# The (user_id, connection_id) of every socket this replica holds, asked at each heartbeat.
Connections = Callable[[], Sequence[tuple[str, str]]]
# Members per chat, for the chats asked (`ChatRepo.member_counts`).
Sizes = Callable[[Sequence[str]], Awaitable[dict[str, int]]]


class PresenceService:
    def __init__(
        self,
        presence: Presence,
        bus: EventBus,
        heartbeat_s: float,
        sizes: Sizes | None = None,
        room_limit: int = 0,
    ) -> None:
        """Without `sizes` every chat is announced to (the unit tests' replicas)."""
        self._presence = presence
        self._bus = bus
        self._heartbeat_s = heartbeat_s
        self._sizes = sizes
        self._room_limit = room_limit
        self._beat: asyncio.Task[None] | None = None

    def start(self, connections: Connections) -> None:
        self._beat = asyncio.create_task(self._heartbeats(connections), name="presence-heartbeat")

    async def close(self) -> None:
        if self._beat is not None:
            self._beat.cancel()
            await asyncio.gather(self._beat, return_exceptions=True)

    async def connected(self, user_id: str, conn_id: str, chat_ids: Iterable[str]) -> None:
        """A socket of `user_id` is ready; announce it if it is the user's first anywhere."""
        if await self._presence.connect(user_id, conn_id):
            await self._announce(user_id, True, chat_ids)

    async def disconnected(self, user_id: str, conn_id: str, chat_ids: Iterable[str]) -> None:
        """A socket went away; announce it if it was the user's last. Best effort: the entry
        expires anyway when the store cannot be reached."""
        try:
            if await self._presence.disconnect(user_id, conn_id):
                await self._announce(user_id, False, chat_ids)
        except Exception as exc:
            log.warning("presence disconnect failed: %s", exc)

    async def _announce(self, user_id: str, online: bool, chat_ids: Iterable[str]) -> None:
        data: dict[str, object] = {"user_id": user_id, "online": online}
        if not online:  # what "last seen" shows from now on (the same as the store's, near enough)
            data["last_seen_at"] = datetime.now(UTC).isoformat().replace("+00:00", "Z")
        try:
            chats = await self._small(list(chat_ids))
            if chats:
                await self._bus.publish([ev.to_chat(c, "presence", **data) for c in chats])
        except DomainError as exc:
            log.warning("presence publish failed: %s", exc)

    async def _small(self, chat_ids: list[str]) -> list[str]:
        """The chats small enough to hear this user come and go."""
        if self._sizes is None or not chat_ids:
            return chat_ids
        sizes = await self._sizes(chat_ids)
        return [c for c in chat_ids if sizes.get(c, 0) <= self._room_limit]

    async def _heartbeats(self, connections: Connections) -> None:
        while True:
            await asyncio.sleep(self._heartbeat_s)
            pairs = list(connections())
            if pairs:
                try:
                    await self._presence.heartbeat(pairs)
                except Exception as exc:
                    log.warning("presence heartbeat failed: %s", exc)
