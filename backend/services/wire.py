"""The JSON shapes of the contract, built in one place for REST responses and pushed events."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from backend.domain.models import Chat, Message, User


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


def message(m: Message) -> dict[str, Any]:
    return {
        "id": m.id,
        "chat_id": m.chat_id,
        "seq": m.seq,
        "sender_id": m.sender_id,
        "text": None if m.deleted else m.text,
        "attachments": [] if m.deleted else list(m.attachments),
        "reply_to_seq": m.reply_to_seq,
        "created_at": ts(m.created_at),
        "edited_at": ts(m.edited_at),
        "deleted": m.deleted,
        "client_msg_id": m.client_msg_id,
    }


def chat(c: Chat) -> dict[str, Any]:
    return {
        "id": c.id,
        "kind": c.kind.value,
        "title": c.title,
        "created_at": ts(c.created_at),
        "last_seq": c.last_seq,
    }
