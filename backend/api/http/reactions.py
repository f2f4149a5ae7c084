"""Reactions of a message: /chats/{id}/messages/{seq}/reactions/{emoji}."""

from __future__ import annotations

from urllib.parse import unquote

from sanic import Blueprint, HTTPResponse, Request

from backend.api import responses as out
from backend.api import wire
from backend.api.http.common import container, ok, route, user_id
from backend.domain.errors import InvalidInput

bp = Blueprint("reactions")

PATH = "/chats/<chat_id>/messages/<seq:int>/reactions/<emoji>"


async def _react(request: Request, chat_id: str, seq: int, emoji: str, on: bool) -> HTTPResponse:
    uid = user_id(request)
    reactions = container(request).messages.reactions
    message = await reactions.react(uid, chat_id, seq, _decoded(emoji), on)
    return ok({"message": wire.message(message, reactions=True)})


def _decoded(raw: str) -> str:
    """The path segment as text: the router leaves it percent-encoded (an emoji holds no `%`,
    so decoding an already decoded one changes nothing)."""
    if len(raw) > 256:  # far beyond any emoji; refused before decoding
        raise InvalidInput("A reaction is one emoji.", code="invalid_emoji")
    try:
        return unquote(raw, errors="strict")
    except UnicodeDecodeError:
        raise InvalidInput("A reaction is one emoji.", code="invalid_emoji") from None


@route(
    bp,
    "PUT",
    PATH,
    "React to a message with one emoji (idempotent); the emoji is percent-encoded UTF-8",
    response=out.MessageResponse,
)
async def add(request: Request, chat_id: str, seq: int, emoji: str) -> HTTPResponse:
    return await _react(request, chat_id, seq, emoji, True)


@route(
    bp,
    "DELETE",
    PATH,
    "Take my reaction off a message (idempotent)",
    response=out.MessageResponse,
)
async def remove(request: Request, chat_id: str, seq: int, emoji: str) -> HTTPResponse:
    return await _react(request, chat_id, seq, emoji, False)
