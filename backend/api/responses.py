"""Success response shapes, for the OpenAPI document (and so for the schemathesis run that checks
every response the server sends against it). They describe `backend.api.wire`'s output;
`tests/backend/api/test_schemathesis.py` fails if the two drift apart."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

Timestamp = str  # RFC 3339 UTC with a `Z`


class Out(BaseModel):
    # Extra keys are allowed: clients ignore what they do not know (additive evolution).
    model_config = ConfigDict(extra="allow")


class UserOut(Out):
    id: str
    username: str
    display_name: str
    created_at: Timestamp
    email: str | None = Field(default=None, description="Only on the signed-in user's own record")


class MessageOut(Out):
    id: str
    chat_id: str
    seq: int
    sender_id: str
    text: str | None
    attachments: list[dict[str, Any]]
    reply_to_seq: int | None = None
    created_at: Timestamp
    edited_at: Timestamp | None
    deleted: bool
    client_msg_id: str | None
    reactions: dict[str, list[str]] | None = Field(
        default=None,
        description="emoji -> ids of the members who reacted, oldest first. In REST answers "
        "only; pushed messages leave it out (the `reaction.*` events change it)",
    )


class ChatOut(Out):
    id: str
    kind: Literal["group", "direct"]
    title: str
    created_at: Timestamp
    last_seq: int
    role: Literal["owner", "admin", "member"]
    last_read_seq: int
    unread_count: int
    last_message: MessageOut | None
    peer: UserOut | None = Field(default=None, description="Direct chats: the other user")
    online: bool | None = Field(default=None, description="Direct chats: the peer's presence")


class MemberOut(Out):
    user_id: str
    role: Literal["owner", "admin", "member"]
    joined_at: Timestamp
    last_read_seq: int
    user: UserOut | None
    online: bool = Field(default=False, description="Connected right now (any replica)")
    last_seen_at: Timestamp | None = Field(
        default=None, description="Offline members: when they last connected or disconnected"
    )


class UserResponse(Out):
    user: UserOut


class UsersResponse(Out):
    users: list[UserOut]


class LimitsOut(Out):
    max_text_chars: int = Field(description="Characters a message's text may have")
    max_upload_bytes: int = Field(description="Bytes one uploaded file may have")
    upload_quota_bytes: int | None = Field(
        description="Bytes of files each user may store; null when there is no quota"
    )
    upload_used_bytes: int = Field(
        ge=0, description="Bytes the signed-in user's stored files take now (what the quota counts)"
    )


class LimitsResponse(Out):
    limits: LimitsOut


class TokenResponse(Out):
    access_token: str
    refresh_token: str
    token_type: Literal["Bearer"]
    expires_in: int
    user: UserOut


class ChatResponse(Out):
    chat: ChatOut


class ChatsResponse(Out):
    chats: list[ChatOut]


class MemberResponse(Out):
    member: MemberOut


class MembersResponse(Out):
    members: list[MemberOut]


class MessageResponse(Out):
    message: MessageOut


class MessagesResponse(Out):
    messages: list[MessageOut]
    has_more: bool


class ReadResponse(Out):
    chat_id: str
    last_read_seq: int


class Status(Out):
    status: str
