"""Plain data the services pass around; no framework types."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any


class ChatKind(StrEnum):
    GROUP = "group"
    DIRECT = "direct"


class Role(StrEnum):
    OWNER = "owner"
    ADMIN = "admin"
    MEMBER = "member"


class EventType(StrEnum):
    """What a chat `seq` numbers: every change of a chat takes the next one."""

    MESSAGE_CREATED = "message.created"
    MESSAGE_UPDATED = "message.updated"
    MESSAGE_DELETED = "message.deleted"
    MEMBER_ADDED = "member.added"
    MEMBER_REMOVED = "member.removed"
    REACTION_ADDED = "reaction.added"
    REACTION_REMOVED = "reaction.removed"


@dataclass(frozen=True, slots=True)
class User:
    id: str
    username: str
    email: str
    display_name: str
    created_at: datetime
    password_hash: str = field(repr=False, default="")


@dataclass(frozen=True, slots=True)
class Chat:
    id: str
    kind: ChatKind
    title: str
    created_at: datetime
    last_seq: int
    last_message_seq: int


@dataclass(frozen=True, slots=True)
class Member:
    chat_id: str
    user_id: str
    role: Role
    joined_at: datetime
    last_read_seq: int


def message_id(chat_id: str, seq: int) -> str:
    """A message's id: deterministic, so a retried store write overwrites instead of
    duplicating. The one definition; the stores key their rows and documents by it."""
    return f"{chat_id}:{seq}"


@dataclass(frozen=True, slots=True)
class Attachment:
    """A file as the message that carries it saw it when sent: a snapshot, so a message reads
    the same from either store and on every replica without asking the file table."""

    id: str
    name: str
    size: int
    content_type: str
    sha256: str
    width: int | None = None
    height: int | None = None
    has_thumbnail: bool = False
    placeholder: str | None = None


@dataclass(frozen=True, slots=True)
class Message:
    """The current state of a message; a deleted one is a tombstone without text."""

    chat_id: str
    seq: int
    sender_id: str
    text: str | None
    created_at: datetime
    client_msg_id: str | None
    edited_at: datetime | None = None
    deleted: bool = False
    attachments: tuple[Attachment, ...] = ()
    reply_to_seq: int | None = None
    # The `seq` of the chat event that produced this state (0: its creation, `seq` itself). A
    # store applies a write only over an older version, so writes landing out of order across
    # replicas never resurrect a deleted message or undo a newer edit. Bookkeeping, not content:
    # left out of equality.
    version: int = field(default=0, compare=False)
    # emoji -> the ids of the members who reacted with it, oldest first; the message stores
    # never hold these (see `ChatRepo.reactions`), the services attach them on the way out
    reactions: dict[str, tuple[str, ...]] = field(default_factory=dict)

    @property
    def id(self) -> str:
        return message_id(self.chat_id, self.seq)

    @property
    def revision(self) -> int:
        """The version a store compares: at least the creating event's `seq`."""
        return max(self.version, self.seq)


def newest_states(messages: Iterable[Message]) -> dict[str, Message]:
    """Per message id, the state of the highest version (the later one on a tie)."""
    out: dict[str, Message] = {}
    for m in messages:
        held = out.get(m.id)
        if held is None or m.revision >= held.revision:
            out[m.id] = m
    return out


@dataclass(frozen=True, slots=True)
class ChatEvent:
    """One numbered change of a chat, as the relational store records it.

    `target_seq` names the message an edit or deletion changed; `data` carries member events' user.
    """

    chat_id: str
    seq: int
    type: EventType
    actor_id: str
    created_at: datetime
    target_seq: int | None = None
    data: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Session:
    """A refresh token's record; the token itself is never stored, only its hash."""

    id: str
    family_id: str
    user_id: str
    token_hash: str
    device_name: str
    created_at: datetime
    expires_at: datetime
    rotated_at: datetime | None = None
    revoked_at: datetime | None = None
    replaced_by: str | None = None


@dataclass(frozen=True, slots=True)
class ChatSummary:
    """A row of the chat list: the chat, the caller's membership, its last message, unread count."""

    chat: Chat
    member: Member
    last_message: Message | None
    unread: int
    peer_id: str | None = None


@dataclass(frozen=True, slots=True)
class AccessClaims:
    """What a verified access token says: who, which session (refresh-token family), until when."""

    user_id: str
    session_id: str
    expires_at: float  # seconds since the epoch


@dataclass(frozen=True, slots=True)
class SessionInfo:
    """A signed-in device as its owner sees it: one refresh-token family."""

    id: str
    device_name: str
    created_at: datetime
    last_used_at: datetime


@dataclass(frozen=True, slots=True)
class UploadSession:
    """A resumable upload: `size` bytes were announced, `received` are in, as the parts of one
    object under `key` that the blob store is writing (`handle` names it there; `tags` are the
    parts' tags in order). The running hash and the markup scan go on from chunk to chunk:
    `hash_state` is a saved SHA-256 state, `tail` the hex of the last bytes scanned."""

    id: str
    key: str
    chat_id: str
    uploader_id: str
    name: str
    size: int
    created_at: datetime
    received: int = 0
    handle: str = ""
    tags: tuple[str, ...] = ()
    hash_state: str = ""
    markup: bool = False
    tail: str = ""


@dataclass(frozen=True, slots=True)
class StoredFile:
    """An uploaded file's record. `key` is random (never the name); `name` is for display only.

    A file belongs to the chat it was uploaded for; it is attached to at most one message
    (`message_seq`), claimed first under the sender's `client_msg_id` so a retried send finds it.
    """

    id: str
    key: str
    chat_id: str
    uploader_id: str
    name: str
    size: int
    content_type: str
    sha256: str
    created_at: datetime
    width: int | None = None
    height: int | None = None
    has_thumbnail: bool = False
    placeholder: str | None = None  # a tiny data: URI preview, shown while the thumbnail loads
    inline: bool = False  # an allow-listed raster image that decoded cleanly and holds no markup
    claim: str | None = None  # the client_msg_id of the send that claimed it
    message_seq: int | None = None
    deleted: bool = False

    def attachment(self) -> Attachment:
        """What a message that attaches this file keeps of it."""
        return Attachment(
            self.id,
            self.name,
            self.size,
            self.content_type,
            self.sha256,
            self.width,
            self.height,
            self.has_thumbnail,
            self.placeholder,
        )
