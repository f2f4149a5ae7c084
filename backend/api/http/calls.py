"""Calls: POST /chats/{id}/call starts or joins, GET shows the running one; POST
/calls/{id}/leave hangs up or declines."""

from __future__ import annotations

from sanic import Blueprint, HTTPResponse, Request

from backend.api import wire
from backend.api.call_schemas import CallCurrent, CallJoin, CallLeft
from backend.api.http.common import container, ok, route, user_id

bp = Blueprint("calls")


@route(bp, "POST", "/chats/<chat_id>/call", "Start or join the chat's call", response=CallJoin)
async def start_call(request: Request, chat_id: str) -> HTTPResponse:
    uid = user_id(request)
    joined = await container(request).calls.start_or_join(uid, chat_id)
    return ok({"call": wire.call(joined.call), **joined.join})


@route(bp, "GET", "/chats/<chat_id>/call", "The chat's running call, or null", response=CallCurrent)
async def current_call(request: Request, chat_id: str) -> HTTPResponse:
    uid = user_id(request)
    running = await container(request).calls.current(uid, chat_id)
    return ok({"call": wire.call(running) if running else None})


@route(
    bp,
    "POST",
    "/calls/<call_id>/leave",
    "Leave a call, or decline a ringing one",
    response=CallLeft,
)
async def leave_call(request: Request, call_id: str) -> HTTPResponse:
    uid = user_id(request)
    return ok({"call": wire.call(await container(request).calls.leave(uid, call_id))})
