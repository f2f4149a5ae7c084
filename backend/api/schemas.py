"""Request bodies, validated with pydantic (strict types, bounded sizes).

Each model also feeds the OpenAPI document, so the published contract and the validation are one.
"""

from __future__ import annotations

import json
from typing import Annotated, Any, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from backend.domain import rules
from backend.domain.errors import BadRequest
from backend.domain.limits import ID_MAX_CHARS, SEQ_MAX

Email = Annotated[
    str, StringConstraints(pattern=r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]+$", max_length=254)
]
Username = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_.-]{3,32}$")]
Password = Annotated[str, StringConstraints(min_length=8, max_length=256)]
DisplayName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64)]
Id = Annotated[str, StringConstraints(min_length=1, max_length=ID_MAX_CHARS)]
ClientMsgId = Annotated[str, StringConstraints(pattern=rules.CLIENT_MSG_ID_PATTERN)]
Text = Annotated[str, StringConstraints(min_length=1, max_length=4000)]
Seq = Annotated[int, Field(ge=0, le=SEQ_MAX)]


class Body(BaseModel):
    model_config = ConfigDict(strict=True, extra="ignore", frozen=True)


class Register(Body):
    username: Username
    email: Email
    password: Password
    display_name: DisplayName | None = None


class Login(Body):
    login: Annotated[str, StringConstraints(min_length=1, max_length=254)]
    password: Annotated[str, StringConstraints(min_length=1, max_length=256)]
    device_name: Annotated[str, StringConstraints(max_length=64)] = "unknown"


class Refresh(Body):
    refresh_token: Annotated[str, StringConstraints(min_length=1, max_length=256)]


class ProfilePatch(Body):
    display_name: DisplayName | None = None
    email: Email | None = None


class PasswordChange(Body):
    current_password: Annotated[str, StringConstraints(min_length=1, max_length=256)]
    new_password: Password
    refresh_token: Annotated[str, StringConstraints(max_length=256)] | None = None


class NewChat(Body):
    title: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=128)]
    member_ids: Annotated[list[Id], Field(max_length=1000)] = []


class NewDirect(Body):
    user_id: Id


class NewMember(Body):
    user_id: Id | None = None
    username: Username | None = None


class RoleChange(Body):
    role: Literal["admin", "member"]


class NewMessage(Body):
    client_msg_id: ClientMsgId
    text: Annotated[str, StringConstraints(max_length=100_000)] = ""  # may be empty with files
    attachment_ids: Annotated[list[Id], Field(max_length=10)] = []
    reply_to_seq: Seq | None = None

    @model_validator(mode="after")
    def _text_or_files(self) -> NewMessage:
        if not self.text and not self.attachment_ids:
            raise ValueError("a message needs text or attachment_ids")
        return self


class EditMessage(Body):
    text: Annotated[str, StringConstraints(min_length=1, max_length=100_000)]


class ReadMarker(Body):
    seq: Seq


class SendFrame(NewMessage):
    """`message.send` on the socket: the REST body plus the chat it goes to."""

    chat_id: Id


class TypingFrame(Body):
    chat_id: Id


class ResumePosition(Body):
    chat_id: Id
    last_seq: Seq


class ResumeFrame(Body):
    chats: Annotated[list[ResumePosition], Field(max_length=1000)]


M = TypeVar("M", bound=Body)


def parse(model: type[M], raw: bytes | None) -> M:
    """JSON body → model; malformed JSON is a 400, wrong fields a 422 (raised by pydantic)."""
    return model.model_validate(json_object(raw or b"null"))


def json_object(raw: str | bytes) -> dict[str, Any]:
    """Parse a JSON object; anything else (bad UTF-8, bad syntax, nesting deeper than the
    parser's recursion limit, a non-object) is one 400 `malformed_json`."""
    try:
        data: Any = json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError):
        raise BadRequest("The body is not valid JSON.", code="malformed_json") from None
    if not isinstance(data, dict):
        raise BadRequest("The body must be a JSON object.", code="malformed_json")
    return data
