"""The JSON shapes the API gives out for what the services return (one function per shape).

Services return domain objects and views; turning them into the contract's JSON happens here,
in the API. The message, user and chat shapes that pushed events carry are still built by the
services (`backend.services.wire`) and re-exported here, so a handler imports one module.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from backend.domain.events import Event
from backend.domain.models import Chat
from backend.services.chats import ChatView, MemberView
from backend.services.wire import chat, message, ts, user

__all__ = ["chat", "frame", "member", "message", "positions", "summary", "ts", "user"]


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
    }


def positions(chats: Sequence[Chat]) -> list[dict[str, Any]]:
    """The `ready` frame's list: where each chat stands."""
    return [{"chat_id": c.id, "last_seq": c.last_seq} for c in chats]


def frame(event: Event) -> dict[str, Any]:
    """The socket frame of an event: its wire type plus its body's fields."""
    return event.frame()
