"""Tortoise models: the relational schema, the same on SQLite and MySQL.

No foreign keys: rows reference each other by opaque string ids, which keeps migrations
expand/contract-friendly and lets old and new replicas share a schema.
"""

from __future__ import annotations

from typing import Any

from tortoise import fields
from tortoise.models import Model

from backend.domain.limits import CLIENT_MSG_ID_MAX_CHARS, ID_MAX_CHARS
from backend.domain.rules import EMOJI_MAX_CODE_POINTS

# Up to 6 hex digits per code point, joined by dashes.
EMOJI_KEY_MAX_CHARS = EMOJI_MAX_CODE_POINTS * 7


class UserRow(Model):
    id = fields.CharField(max_length=ID_MAX_CHARS, primary_key=True)
    username = fields.CharField(max_length=32)
    username_key = fields.CharField(max_length=32, unique=True)
    email = fields.CharField(max_length=254)
    email_key = fields.CharField(max_length=254, unique=True)
    display_name = fields.CharField(max_length=64)
    password_hash = fields.CharField(max_length=255)
    created_at = fields.DatetimeField()

    class Meta:
        table = "users"


class SessionRow(Model):
    id = fields.CharField(max_length=ID_MAX_CHARS, primary_key=True)
    family_id = fields.CharField(max_length=ID_MAX_CHARS, db_index=True)
    user_id = fields.CharField(max_length=ID_MAX_CHARS, db_index=True)
    token_hash = fields.CharField(max_length=64, unique=True)
    device_name = fields.CharField(max_length=64)
    created_at = fields.DatetimeField()
    expires_at = fields.DatetimeField()
    rotated_at = fields.DatetimeField(null=True)
    revoked_at = fields.DatetimeField(null=True)
    replaced_by = fields.CharField(max_length=ID_MAX_CHARS, null=True)

    class Meta:
        table = "sessions"


class ChatRow(Model):
    id = fields.CharField(max_length=ID_MAX_CHARS, primary_key=True)
    kind = fields.CharField(max_length=8)
    title = fields.CharField(max_length=128)
    created_at = fields.DatetimeField()
    last_seq = fields.BigIntField(default=0)
    last_message_seq = fields.BigIntField(default=0)
    direct_key = fields.CharField(max_length=65, unique=True, null=True)

    class Meta:
        table = "chats"


class MemberRow(Model):
    id = fields.BigIntField(primary_key=True)
    chat_id = fields.CharField(max_length=ID_MAX_CHARS)
    user_id = fields.CharField(max_length=ID_MAX_CHARS, db_index=True)
    role = fields.CharField(max_length=8)
    joined_at = fields.DatetimeField()
    last_read_seq = fields.BigIntField(default=0)

    class Meta:
        table = "members"
        unique_together = (("chat_id", "user_id"),)


class EventRow(Model):
    """The per-chat event log: one row per `seq`, committed with the chat's `last_seq`."""

    id = fields.BigIntField(primary_key=True)
    chat_id = fields.CharField(max_length=ID_MAX_CHARS)
    seq = fields.BigIntField()
    type = fields.CharField(max_length=24)
    actor_id = fields.CharField(max_length=ID_MAX_CHARS)
    created_at = fields.DatetimeField()
    target_seq = fields.BigIntField(null=True)
    client_msg_id = fields.CharField(max_length=CLIENT_MSG_ID_MAX_CHARS, null=True)
    content_hash = fields.CharField(max_length=64, null=True)
    data: dict[str, Any] = fields.JSONField(default=dict)

    class Meta:
        table = "chat_events"
        unique_together = (("chat_id", "seq"), ("actor_id", "client_msg_id"))


class MessageRow(Model):
    """Message contents for the embedded SQL message store (Elasticsearch holds them otherwise)."""

    id = fields.CharField(max_length=48, primary_key=True)
    chat_id = fields.CharField(max_length=ID_MAX_CHARS)
    seq = fields.BigIntField()
    sender_id = fields.CharField(max_length=ID_MAX_CHARS)
    text = fields.TextField(null=True)
    created_at = fields.DatetimeField()
    edited_at = fields.DatetimeField(null=True)
    deleted = fields.BooleanField(default=False)
    client_msg_id = fields.CharField(max_length=CLIENT_MSG_ID_MAX_CHARS, null=True)
    attachments: list[dict[str, Any]] = fields.JSONField(default=list)
    reply_to_seq = fields.BigIntField(null=True)
    # The seq of the event that wrote this state; 0 on rows written before versions existed.
    version = fields.BigIntField(default=0)

    class Meta:
        table = "messages"
        unique_together = (("chat_id", "seq"),)


class ReactionRow(Model):
    """One member's reaction to one message, written in the transaction that takes its `seq`."""

    id = fields.BigIntField(primary_key=True)
    chat_id = fields.CharField(max_length=ID_MAX_CHARS)
    message_seq = fields.BigIntField()
    emoji = fields.CharField(max_length=EMOJI_KEY_MAX_CHARS)  # `rules.emoji_key`: ASCII hex
    user_id = fields.CharField(max_length=ID_MAX_CHARS)
    created_at = fields.DatetimeField()

    class Meta:
        table = "message_reactions"
        unique_together = (("chat_id", "message_seq", "emoji", "user_id"),)


class CallRow(Model):
    """A chat's call; `running_key` holds the chat id while it runs, so a chat has one at most."""

    id = fields.CharField(max_length=32, primary_key=True)
    chat_id = fields.CharField(max_length=32, db_index=True)
    running_key = fields.CharField(max_length=32, unique=True, null=True)
    kind = fields.CharField(max_length=8)
    state = fields.CharField(max_length=8)
    room = fields.CharField(max_length=64)
    started_by = fields.CharField(max_length=32)
    created_at = fields.DatetimeField()
    answered_at = fields.DatetimeField(null=True)
    ended_at = fields.DatetimeField(null=True)
    end_reason = fields.CharField(max_length=16, null=True)

    class Meta:
        table = "calls"


class CallParticipantRow(Model):
    id = fields.BigIntField(primary_key=True)
    call_id = fields.CharField(max_length=32)
    user_id = fields.CharField(max_length=32)
    joined_at = fields.DatetimeField()

    class Meta:
        table = "call_participants"
        unique_together = (("call_id", "user_id"),)


class FileRow(Model):
    """Metadata of an uploaded file; the bytes live in the blob store under its key."""

    id = fields.CharField(max_length=32, primary_key=True)
    key = fields.CharField(max_length=64, unique=True)
    chat_id = fields.CharField(max_length=32, db_index=True)
    uploader_id = fields.CharField(max_length=32, db_index=True)
    name = fields.CharField(max_length=255)
    size = fields.BigIntField()
    content_type = fields.CharField(max_length=127)
    sha256 = fields.CharField(max_length=64)
    width = fields.IntField(null=True)
    height = fields.IntField(null=True)
    has_thumbnail = fields.BooleanField(default=False)
    placeholder = fields.CharField(max_length=1024, null=True)
    inline = fields.BooleanField(default=False)
    claim = fields.CharField(max_length=64, null=True)
    message_seq = fields.BigIntField(null=True)
    deleted = fields.BooleanField(default=False)
    created_at = fields.DatetimeField(db_index=True)

    class Meta:
        table = "files"


class UploadRow(Model):
    """A resumable upload on its way in; its bytes are parts in the blob store (`key` + part id)."""

    id = fields.CharField(max_length=32, primary_key=True)
    key = fields.CharField(max_length=64, unique=True)
    chat_id = fields.CharField(max_length=32)
    uploader_id = fields.CharField(max_length=32, db_index=True)
    name = fields.CharField(max_length=255)
    size = fields.BigIntField()
    received = fields.BigIntField(default=0)
    part_ids = fields.TextField(default="")  # unused since 0006 (chunks were blobs of their own)
    handle = fields.CharField(max_length=255, default="")  # the store's multipart upload id
    tags = fields.TextField(default="")  # the parts' tags, comma-separated, in order
    hash_state = fields.CharField(max_length=224, default="")
    markup = fields.BooleanField(default=False)
    tail = fields.CharField(max_length=64, default="")
    created_at = fields.DatetimeField(db_index=True)

    class Meta:
        table = "uploads"
