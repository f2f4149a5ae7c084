"""Messages of a chat: /chats/{id}/messages and read markers."""

from __future__ import annotations

from sanic import Blueprint, HTTPResponse, Request

from backend.api import responses as out
from backend.api import wire
from backend.api.http.common import body, container, int_arg, ok, route, user_id
from backend.api.openapi import Param
from backend.api.schemas import EditMessage, NewMessage, ReadMarker
from backend.domain.limits import SEQ_MAX

bp = Blueprint("messages")


@route(
    bp,
    "POST",
    "/chats/<chat_id>/messages",
    "Send a message (idempotent by client_msg_id)",
    model=NewMessage,
    status=201,
    also=(200,),
    response=out.MessageResponse,
)
async def send(request: Request, chat_id: str) -> HTTPResponse:
    uid = user_id(request)
    b = body(request, NewMessage)
    message, duplicate = await container(request).messages.send(
        uid, chat_id, b.client_msg_id, b.text, b.reply_to_seq, b.attachment_ids
    )
    return ok({"message": wire.message(message, reactions=True)}, status=200 if duplicate else 201)


@route(
    bp,
    "GET",
    "/chats/<chat_id>/messages",
    "A page of history in ascending seq",
    response=out.MessagesResponse,
    query=(
        Param("before", "query", {"type": "integer", "minimum": 0, "maximum": SEQ_MAX}, False),
        Param("after", "query", {"type": "integer", "minimum": 0, "maximum": SEQ_MAX}, False),
        Param("limit", "query", {"type": "integer", "minimum": 1, "maximum": 100}, False),
    ),
)
async def history(request: Request, chat_id: str) -> HTTPResponse:
    uid = user_id(request)
    limit = int_arg(request, "limit", 50)
    assert limit is not None
    messages, has_more = await container(request).messages.history(
        uid, chat_id, int_arg(request, "before", None), int_arg(request, "after", None), limit
    )
    return ok(
        {"messages": [wire.message(m, reactions=True) for m in messages], "has_more": has_more}
    )


@route(
    bp,
    "PATCH",
    "/chats/<chat_id>/messages/<seq:int>",
    "Edit my message",
    model=EditMessage,
    response=out.MessageResponse,
)
async def edit(request: Request, chat_id: str, seq: int) -> HTTPResponse:
    uid = user_id(request)
    b = body(request, EditMessage)
    message = await container(request).messages.edit(uid, chat_id, seq, b.text)
    return ok({"message": wire.message(message, reactions=True)})


@route(
    bp,
    "DELETE",
    "/chats/<chat_id>/messages/<seq:int>",
    "Delete my message (a tombstone stays)",
    response=out.MessageResponse,
)
async def delete(request: Request, chat_id: str, seq: int) -> HTTPResponse:
    uid = user_id(request)
    message = await container(request).messages.delete(uid, chat_id, seq)
    return ok({"message": wire.message(message, reactions=True)})


@route(
    bp,
    "POST",
    "/chats/<chat_id>/read",
    "Move my read marker",
    model=ReadMarker,
    response=out.ReadResponse,
)
async def read(request: Request, chat_id: str) -> HTTPResponse:
    uid = user_id(request)
    b = body(request, ReadMarker)
    seq = await container(request).messages.mark_read(uid, chat_id, b.seq)
    return ok({"chat_id": chat_id, "last_read_seq": seq})
