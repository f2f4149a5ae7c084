"""The signed-in user's sessions (devices): GET /me/sessions and DELETE /me/sessions/{id}."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel
from sanic import Blueprint, HTTPResponse, Request
from sanic.response import empty

from backend.api import wire
from backend.api.http.common import container, ok, route
from backend.api.http.identity import claims
from backend.services.sessions import SessionView

bp = Blueprint("sessions")


class SessionOut(BaseModel):
    """One entry of `GET /me/sessions` (for the OpenAPI success schema)."""

    id: str
    device_name: str
    created_at: str
    last_used_at: str
    current: bool


class SessionsOut(BaseModel):
    sessions: list[SessionOut]


def _time(value: datetime) -> str:
    return wire.ts(value) or ""


def _session(view: SessionView) -> dict[str, object]:
    return SessionOut(
        id=view.info.id,
        device_name=view.info.device_name,
        created_at=_time(view.info.created_at),
        last_used_at=_time(view.info.last_used_at),
        current=view.current,
    ).model_dump()


@route(bp, "GET", "/me/sessions", "My signed-in sessions (devices)")
async def list_sessions(request: Request) -> HTTPResponse:
    who = claims(request)
    views = await container(request).sessions.list(who.user_id, who.session_id)
    return ok({"sessions": [_session(v) for v in views]})


@route(
    bp,
    "DELETE",
    "/me/sessions/<session_id>",
    "Sign a session out: its tokens and sockets stop within seconds",
    status=204,
)
async def end_session(request: Request, session_id: str) -> HTTPResponse:
    who = claims(request)
    await container(request).sessions.end(who.user_id, session_id)
    return empty()
