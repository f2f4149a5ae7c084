"""Response shapes of the call endpoints, for the OpenAPI document (validation is server-side)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict


class _Out(BaseModel):
    model_config = ConfigDict(extra="allow")


class CallOut(_Out):
    id: str
    chat_id: str
    kind: Literal["jitsi", "p2p"]
    state: Literal["ringing", "active", "ended"]
    started_by: str
    participants: list[str]
    created_at: str
    answered_at: str | None
    ended_at: str | None
    end_reason: str | None


class JitsiJoin(_Out):
    url: str
    room: str
    jwt: str


class IceServer(_Out):
    urls: list[str]
    username: str | None = None
    credential: str | None = None


class CallJoin(_Out):
    """`jitsi` when a Jitsi server is configured, `ice_servers` for the built-in 1:1 call."""

    call: CallOut
    jitsi: JitsiJoin | None = None
    ice_servers: list[IceServer] | None = None


class CallLeft(_Out):
    call: CallOut


class CallCurrent(_Out):
    call: CallOut | None
