"""Chats and membership: group and direct chats, the chat list, adding and removing members."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from backend.domain import events as ev
from backend.domain import rules
from backend.domain.errors import Forbidden, InvalidInput, NotFound
from backend.domain.events import Event
from backend.domain.models import (
    Chat,
    ChatEvent,
    ChatKind,
    ChatSummary,
    EventType,
    Member,
    Message,
    Role,
    User,
)
from backend.domain.ports import (
    ChatRepo,
    Clock,
    EventBus,
    EventRequest,
    MessageStore,
    Presence,
    UserRepo,
)
from backend.services.auth import new_id
from backend.services.pipeline import Pipeline, publish_after_commit

MAX_GROUP_MEMBERS = 1000


@dataclass(frozen=True, slots=True)
class ChatView:
    """A chat as its member sees it: the list row, and for a direct chat the peer and whether
    the peer is online (`online` is None for a group)."""

    summary: ChatSummary
    peer: User | None = None
    online: bool | None = None


@dataclass(frozen=True, slots=True)
class MemberView:
    """A membership with its user's profile (None when the account is gone)."""

    member: Member
    user: User | None
    online: bool = False
    last_seen: datetime | None = None  # when an offline member was last connected, if known


class ChatService:
    def __init__(
        self,
        chats: ChatRepo,
        users: UserRepo,
        store: MessageStore,
        bus: EventBus,
        presence: Presence,
        pipeline: Pipeline,
        clock: Clock,
    ) -> None:
        self._chats = chats
        self._users = users
        self._store = store
        self._bus = bus
        self._presence = presence
        self._pipeline = pipeline
        self._clock = clock

    async def require_member(self, user_id: str, chat_id: str) -> Member:
        """Every access to a chat goes through here: a non-member sees a 404, not a 403."""
        member = await self._chats.member(chat_id, user_id)
        if member is None:
            raise NotFound("No such chat.", code="chat_not_found")
        return member

    async def create_group(self, owner_id: str, title: str, member_ids: Sequence[str]) -> ChatView:
        rules.check_name(title, "title")
        ids = list(dict.fromkeys([owner_id, *member_ids]))
        if len(ids) > MAX_GROUP_MEMBERS:
            raise InvalidInput(
                f"A chat has at most {MAX_GROUP_MEMBERS} members.", code="too_many_members"
            )
        found = await self._users.by_ids(ids)
        if len(found) != len(ids):
            raise InvalidInput("Some member_ids are not users.", code="unknown_user")
        now = self._clock.now()
        chat = Chat(new_id(), ChatKind.GROUP, title, now, 0, 0)
        members = [
            Member(chat.id, uid, Role.OWNER if uid == owner_id else Role.MEMBER, now, 0)
            for uid in ids
        ]
        await self._chats.create(chat, members)
        await self._announce(chat, members)
        return await self.get(owner_id, chat.id)

    async def open_direct(self, user_id: str, peer_id: str) -> tuple[ChatView, bool]:
        if peer_id == user_id:
            raise InvalidInput("A direct chat needs another user.", code="direct_self")
        if await self._users.by_id(peer_id) is None:
            raise NotFound("No such user.", code="user_not_found")
        a, b = sorted((user_id, peer_id))
        now = self._clock.now()
        candidate = Chat(new_id(), ChatKind.DIRECT, "", now, 0, 0)
        members = [
            Member(candidate.id, a, Role.MEMBER, now, 0),
            Member(candidate.id, b, Role.MEMBER, now, 0),
        ]
        chat = await self._chats.create_direct(candidate, members, f"{a}:{b}")
        created = chat.id == candidate.id
        if created:
            await self._announce(chat, members)
        return await self.get(user_id, chat.id), created

    async def _announce(self, chat: Chat, members: Sequence[Member]) -> None:
        events = [
            ev.to_user(m.user_id, "chat.created", chat_id=chat.id, chat=chat) for m in members
        ]
        await publish_after_commit(self._bus, events)

    async def summaries(self, user_id: str, only: str | None = None) -> list[ChatView]:
        pairs = await self._chats.memberships(user_id)
        if only is not None:
            pairs = [(c, m) for c, m in pairs if c.id == only]
        last = await self._store.get(
            [(c.id, c.last_message_seq) for c, _ in pairs if c.last_message_seq]
        )
        unread = await self._chats.unread_counts(
            user_id, [(c.id, m.last_read_seq) for c, m in pairs]
        )
        direct = [c.id for c, _ in pairs if c.kind is ChatKind.DIRECT]
        peers = await self._chats.direct_peers(user_id, direct)
        peer_users = await self._users.by_ids(peers.values())
        online = await self._presence.online(peers.values()) if peers else set()
        out = []
        for chat, member in pairs:
            summary = ChatSummary(
                chat, member, last.get((chat.id, chat.last_message_seq)), unread.get(chat.id, 0)
            )
            peer = peer_users.get(peers.get(chat.id, ""))
            out.append(ChatView(summary, peer, peer.id in online if peer else None))
        out.sort(key=_activity, reverse=True)
        return out

    async def get(self, user_id: str, chat_id: str) -> ChatView:
        found = await self.summaries(user_id, only=chat_id)
        if not found:
            raise NotFound("No such chat.", code="chat_not_found")
        return found[0]

    async def positions(self, user_id: str) -> list[Chat]:
        """For the WebSocket `ready` frame: each chat (with its last `seq`)."""
        return [c for c, _ in await self._chats.memberships(user_id)]

    async def member_counts(self, chat_ids: Sequence[str]) -> dict[str, int]:
        """Room sizes, for the presence rule (no access check: the server asks, not a user)."""
        return await self._chats.member_counts(chat_ids)

    async def members(self, user_id: str, chat_id: str) -> list[MemberView]:
        await self.require_member(user_id, chat_id)
        members = await self._chats.members(chat_id)
        ids = [m.user_id for m in members]
        users = await self._users.by_ids(ids)
        online = await self._presence.online(ids)
        seen = await self._presence.last_seen(u for u in ids if u not in online)
        return [
            MemberView(m, users.get(m.user_id), m.user_id in online, _unix(seen.get(m.user_id)))
            for m in members
        ]

    async def add_member(
        self, actor_id: str, chat_id: str, *, user_id: str | None, username: str | None
    ) -> MemberView:
        await self.require_member(actor_id, chat_id)
        target = await (
            self._users.by_id(user_id) if user_id else self._users.by_login(username or "")
        )
        if target is None:
            raise NotFound("No such user.", code="user_not_found")
        request = EventRequest(
            chat_id,
            EventType.MEMBER_ADDED,
            actor_id,
            self._clock.now(),
            data={"user_id": target.id, "role": Role.MEMBER.value},
        )

        def publish(event: ChatEvent, _: Message | None) -> list[Event]:
            body = {
                "seq": event.seq,
                "user_id": target.id,
                "actor_id": actor_id,
                "user": target,
            }
            return [
                ev.to_chat(chat_id, "member.added", **body),
                ev.to_user(
                    target.id,
                    "chat.created",
                    chat_id=chat_id,
                    chat={"id": chat_id, "last_seq": event.seq},
                ),
            ]

        result, _ = await self._pipeline.submit(request, lambda _e: None, publish)
        if result.error is not None:
            raise result.error
        member = await self._chats.member(chat_id, target.id)
        assert member is not None
        return MemberView(member, target)

    async def set_role(self, actor_id: str, chat_id: str, user_id: str, role: Role) -> MemberView:
        """Only the owner appoints or demotes admins; the owner's own role does not change."""
        actor = await self.require_member(actor_id, chat_id)
        target = await self._chats.member(chat_id, user_id)
        if target is None:
            raise NotFound("Not a member of this chat.", code="member_not_found")
        if actor.role is not Role.OWNER:
            raise Forbidden("Only the owner can change roles.", code="not_owner")
        if role is Role.OWNER or target.role is Role.OWNER:
            raise InvalidInput("The owner's role cannot be given or taken.", code="owner_role")
        await self._chats.set_role(chat_id, user_id, role)
        event = ev.to_chat(chat_id, "member.updated", user_id=user_id, role=role.value)
        await publish_after_commit(self._bus, [event])
        updated = await self._chats.member(chat_id, user_id)
        assert updated is not None
        return MemberView(updated, await self._users.by_id(user_id))

    async def remove_member(self, actor_id: str, chat_id: str, user_id: str) -> None:
        actor = await self.require_member(actor_id, chat_id)
        if user_id != actor_id:
            target = await self._chats.member(chat_id, user_id)
            if target is None:
                raise NotFound("Not a member of this chat.", code="member_not_found")
            if actor.role is Role.MEMBER or target.role is Role.OWNER:
                raise Forbidden("Only the owner or an admin can remove others.", code="not_admin")
        elif actor.role is Role.OWNER:
            await self._hand_over(chat_id, actor_id)
        request = EventRequest(
            chat_id,
            EventType.MEMBER_REMOVED,
            actor_id,
            self._clock.now(),
            data={"user_id": user_id},
        )

        def publish(event: ChatEvent, _: Message | None) -> list[Event]:
            return [
                ev.to_chat(
                    chat_id, "member.removed", seq=event.seq, user_id=user_id, actor_id=actor_id
                )
            ]

        result, _ = await self._pipeline.submit(request, lambda _e: None, publish)
        if result.error is not None:
            raise result.error

    async def _hand_over(self, chat_id: str, owner_id: str) -> None:
        """An owner who leaves passes ownership on (to the longest-standing admin, else member),
        so a group is never left without an owner."""
        others = [m for m in await self._chats.members(chat_id) if m.user_id != owner_id]
        if not others:
            return
        admins = [m for m in others if m.role is Role.ADMIN]
        successor = (admins or others)[0]
        await self._chats.set_role(chat_id, successor.user_id, Role.OWNER)
        event = ev.to_chat(
            chat_id, "member.updated", user_id=successor.user_id, role=Role.OWNER.value
        )
        await publish_after_commit(self._bus, [event])


def _activity(view: ChatView) -> datetime:
    """The list's order: the latest message first, a chat without one by its creation."""
    last = view.summary.last_message
    return _utc(last.created_at if last else view.summary.chat.created_at)


def _utc(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _unix(value: float | None) -> datetime | None:
    return datetime.fromtimestamp(value, UTC) if value is not None else None
