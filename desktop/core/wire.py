"""Wire types of the Parley API as the desktop app reads them.

A small, dependency-free copy of the contract in DESIGN.md: the desktop never imports `backend`,
so the bundle stays small. Parsing is tolerant of extra fields and strict about the ones we use.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

JSON = dict[str, Any]


def parse_time(raw: object) -> datetime:
    """An RFC 3339 timestamp as an aware UTC datetime (now, if the field is missing)."""
    if not isinstance(raw, str) or not raw:
        return datetime.now(UTC)
    text = raw.replace("Z", "+00:00")
    value = datetime.fromisoformat(text)
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def _opt_time(raw: object) -> datetime | None:
    return parse_time(raw) if isinstance(raw, str) and raw else None


@dataclass(frozen=True, slots=True)
class User:
    id: str
    username: str
    display_name: str
    email: str = ""

    @property
    def label(self) -> str:
        return self.display_name or self.username

    @classmethod
    def from_json(cls, data: JSON) -> User:
        return cls(
            id=str(data["id"]),
            username=str(data.get("username", "")),
            display_name=str(data.get("display_name") or ""),
            email=str(data.get("email") or ""),
        )


@dataclass(frozen=True, slots=True)
class Message:
    """A stored message as the server sent it; a deleted one is a tombstone without text."""

    id: str
    chat_id: str
    seq: int
    sender_id: str
    text: str
    created_at: datetime
    edited_at: datetime | None = None
    deleted: bool = False
    client_msg_id: str | None = None
    attachments: tuple[JSON, ...] = ()  # `file` records (desktop.core.files.RemoteFile.from_json)
    reply_to_seq: int | None = None
    # emoji -> user ids; None when the message came without them (pushed messages never carry
    # them: the `reaction.*` events change them), so what the app knows is kept
    reactions: dict[str, tuple[str, ...]] | None = None

    @classmethod
    def from_json(cls, data: JSON) -> Message:
        chat_id = str(data["chat_id"])
        seq = int(data["seq"])
        return cls(
            id=str(data.get("id") or f"{chat_id}:{seq}"),
            chat_id=chat_id,
            seq=seq,
            sender_id=str(data.get("sender_id") or ""),
            text=str(data.get("text") or ""),
            created_at=parse_time(data.get("created_at")),
            edited_at=_opt_time(data.get("edited_at")),
            deleted=bool(data.get("deleted", False)),
            client_msg_id=data.get("client_msg_id") or None,
            attachments=tuple(a for a in data.get("attachments") or () if isinstance(a, dict)),
            reply_to_seq=_opt_int(data.get("reply_to_seq")),
            reactions=_reactions(data.get("reactions")),
        )


def _opt_int(raw: object) -> int | None:
    return raw if isinstance(raw, int) and not isinstance(raw, bool) else None


def _reactions(raw: object) -> dict[str, tuple[str, ...]] | None:
    if not isinstance(raw, dict):
        return None
    return {
        str(emoji): tuple(str(u) for u in users)
        for emoji, users in raw.items()
        if isinstance(users, list) and users
    }


@dataclass(slots=True)
class Chat:
    """A row of the chat list: mutable, the app updates it as events arrive."""

    id: str
    kind: str
    title: str
    last_seq: int = 0
    unread: int = 0
    last_message: Message | None = None
    peer_id: str | None = None
    last_read_seq: int = 0
    activity: datetime = field(default_factory=lambda: datetime.now(UTC))
    peer: User | None = None
    online: bool = False

    @property
    def is_direct(self) -> bool:
        return self.kind == "direct"

    @classmethod
    def from_json(cls, data: JSON) -> Chat:
        """Accepts `{chat}` bodies and the rows of `GET /chats` (chat fields plus summary ones)."""
        inner = data.get("chat")
        base: JSON = inner if isinstance(inner, dict) else data
        last_raw = data.get("last_message")
        last = Message.from_json(last_raw) if isinstance(last_raw, dict) else None
        member = data.get("member") if isinstance(data.get("member"), dict) else {}
        assert isinstance(member, dict)
        unread = data.get("unread", data.get("unread_count", 0))
        created = parse_time(base.get("created_at"))
        return cls(
            id=str(base["id"]),
            kind=str(base.get("kind", "group")),
            title=str(base.get("title") or ""),
            last_seq=int(base.get("last_seq", 0) or 0),
            unread=int(unread or 0),
            last_message=last,
            peer_id=_peer(data, base),
            last_read_seq=int(data.get("last_read_seq", member.get("last_read_seq", 0)) or 0),
            activity=last.created_at if last else created,
            peer=User.from_json(peer) if isinstance(peer := data.get("peer"), dict) else None,
            online=bool(data.get("online", False)),
        )


def _peer(data: JSON, base: JSON) -> str | None:
    for source in (data, base):
        raw = source.get("peer_id")
        if raw:
            return str(raw)
        peer = source.get("peer")
        if isinstance(peer, dict) and peer.get("id"):
            return str(peer["id"])
    return None


@dataclass(frozen=True, slots=True)
class Tokens:
    access_token: str = field(repr=False)
    refresh_token: str = field(repr=False)
    expires_in: float

    @classmethod
    def from_json(cls, data: JSON) -> Tokens:
        return cls(
            access_token=str(data["access_token"]),
            refresh_token=str(data["refresh_token"]),
            expires_in=float(data.get("expires_in", 900)),
        )
