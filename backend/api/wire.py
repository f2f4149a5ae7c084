"""The JSON shapes of the contract, built in one place for REST responses, socket frames and the
bodies of pushed events.

Services return domain objects and views, and put domain objects (a `Message`, `User`, `Chat`,
`Call`) into the bodies of the events they publish; turning them into the contract's JSON happens
here. Events take their JSON form on the way onto the bus (`WireBus`, which bootstrap hands to
the services), because the bus carries JSON between replicas.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from typing import Any

from backend.domain.calls import Call
from backend.domain.events import Event
from backend.domain.models import Attachment, Chat, Message, UploadSession, User
from backend.domain.ports import EventBus, EventHandler
from backend.services.chats import ChatView, MemberView
from backend.services.search import Hit


def ts(value: datetime | None) -> str | None:
    """RFC 3339 UTC with a `Z`, as the contract promises."""
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


def user(u: User, *, private: bool = False) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": u.id,
        "username": u.username,
        "display_name": u.display_name,
        "created_at": ts(u.created_at),
    }
    if private:
        out["email"] = u.email
    return out


def message(m: Message, *, reactions: bool = False) -> dict[str, Any]:
    """`reactions` only where they were read (REST answers); a pushed message never carries
    them, so a client keeps the ones it has and changes them by the `reaction.*` events alone."""
    out: dict[str, Any] = {
        "id": m.id,
        "chat_id": m.chat_id,
        "seq": m.seq,
        "sender_id": m.sender_id,
        "text": None if m.deleted else m.text,
        "attachments": [] if m.deleted else [attachment(a) for a in m.attachments],
        "reply_to_seq": m.reply_to_seq,
        "created_at": ts(m.created_at),
        "edited_at": ts(m.edited_at),
        "deleted": m.deleted,
        "client_msg_id": m.client_msg_id,
    }
    if reactions:
        out["reactions"] = {} if m.deleted else {e: list(u) for e, u in m.reactions.items()}
    return out


def upload(u: UploadSession) -> dict[str, Any]:
    """A resumable upload as its owner sees it: `offset` is where the next chunk starts."""
    return {"id": u.id, "name": u.name, "size": u.size, "offset": u.received}


def attachment(a: Attachment) -> dict[str, Any]:
    """A file as a message carries it; also the answer to an upload."""
    return {
        "id": a.id,
        "name": a.name,
        "size": a.size,
        "content_type": a.content_type,
        "sha256": a.sha256,
        "width": a.width,
        "height": a.height,
        "has_thumbnail": a.has_thumbnail,
        "placeholder": a.placeholder,
    }


def chat(c: Chat) -> dict[str, Any]:
    return {
        "id": c.id,
        "kind": c.kind.value,
        "title": c.title,
        "created_at": ts(c.created_at),
        "last_seq": c.last_seq,
    }


def summary(view: ChatView) -> dict[str, Any]:
    """A chat list row; a direct chat is titled after its peer and says whether the peer is on."""
    s = view.summary
    out = chat(s.chat)
    out.update(
        role=s.member.role.value,
        last_read_seq=s.member.last_read_seq,
        unread_count=s.unread,
        last_message=message(s.last_message) if s.last_message else None,
    )
    if view.peer is not None:
        out["peer"] = user(view.peer)
        out["title"] = view.peer.display_name
        out["online"] = bool(view.online)
    return out


def member(view: MemberView) -> dict[str, Any]:
    m = view.member
    return {
        "user_id": m.user_id,
        "role": m.role.value,
        "joined_at": ts(m.joined_at),
        "last_read_seq": m.last_read_seq,
        "user": user(view.user) if view.user else None,
        "online": view.online,
        "last_seen_at": ts(view.last_seen),
    }


def call(c: Call) -> dict[str, Any]:
    return {
        "id": c.id,
        "chat_id": c.chat_id,
        "kind": c.kind.value,
        "state": c.state.value,
        "started_by": c.started_by,
        "participants": list(c.participants),
        "created_at": ts(c.created_at),
        "answered_at": ts(c.answered_at),
        "ended_at": ts(c.ended_at),
        "end_reason": c.end_reason,
    }


def hit(h: Hit) -> dict[str, Any]:
    return {
        "chat_id": h.message.chat_id,
        "seq": h.message.seq,
        "message": message(h.message),
        "highlights": [list(span) for span in h.highlights],
    }


def positions(chats: Sequence[Chat]) -> list[dict[str, Any]]:
    """The `ready` frame's list: where each chat stands."""
    return [{"chat_id": c.id, "last_seq": c.last_seq} for c in chats]


def _value(value: Any) -> Any:
    """A body field as JSON: domain objects take their contract shape, the rest stays."""
    if isinstance(value, Message):
        return message(value)
    if isinstance(value, User):
        return user(value)
    if isinstance(value, Chat):
        return chat(value)
    if isinstance(value, Call):
        return call(value)
    return value


def encoded(event: Event) -> Event:
    """The event with a JSON body, as the bus carries it and the socket pushes it."""
    return Event(event.key, event.type, {k: _value(v) for k, v in event.body.items()})


def frame(event: Event) -> dict[str, Any]:
    """The socket frame of an event: its wire type plus its body's fields."""
    return encoded(event).frame()


class WireBus:
    """The bus as the services see it: events leave with JSON bodies. Receiving is the inner
    bus's own (what arrives is already JSON)."""

    def __init__(self, inner: EventBus) -> None:
        self._inner = inner

    async def publish(self, events: Sequence[Event]) -> None:
        await self._inner.publish([encoded(e) for e in events])

    async def bind(self, keys: Iterable[str]) -> None:
        await self._inner.bind(keys)

    async def unbind(self, keys: Iterable[str]) -> None:
        await self._inner.unbind(keys)

    def on_event(self, handler: EventHandler) -> None:
        self._inner.on_event(handler)
