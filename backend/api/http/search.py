"""GET /search: messages of the caller's chats that match the search box's text."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field
from sanic import Blueprint, HTTPResponse, Request

from backend.api import wire
from backend.api.http.common import container, ok, route, user_id
from backend.api.openapi import Param
from backend.domain.errors import InvalidInput
from backend.domain.search.query import MAX_QUERY_CHARS
from backend.services.search import MAX_LIMIT

bp = Blueprint("search")


class SearchHit(BaseModel):
    chat_id: str
    seq: int
    message: dict[str, Any] = Field(description="The message as history returns it")
    highlights: list[list[int]] = Field(
        description="[start, end) spans of message.text that matched, in code points"
    )


class SearchHits(BaseModel):
    hits: list[SearchHit]
    next_cursor: str | None = Field(description="Pass as cursor for the next page; null at the end")


QUERY = (
    Param("q", "query", {"type": "string", "minLength": 1, "maxLength": MAX_QUERY_CHARS}),
    Param("chat_id", "query", {"type": "string"}, required=False),
    Param("sort", "query", {"enum": ["recent", "relevance"]}, required=False),
    Param("cursor", "query", {"type": "string"}, required=False),
    Param(
        "limit", "query", {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT}, required=False
    ),
)


def _limit(request: Request) -> int:
    raw = request.args.get("limit") or "20"
    if not (raw.isascii() and raw.isdigit()) or len(raw) > 4:
        raise InvalidInput(f"limit must be between 1 and {MAX_LIMIT}.", code="bad_limit")
    return int(raw)


@route(bp, "GET", "/search", "Search the messages of my chats", query=QUERY, response=SearchHits)
async def search(request: Request) -> HTTPResponse:
    uid = user_id(request)
    page = await container(request).search.search(
        uid,
        request.args.get("q") or "",
        chat_id=request.args.get("chat_id") or None,
        sort=request.args.get("sort") or "recent",
        cursor=request.args.get("cursor") or None,
        limit=_limit(request),
    )
    return ok({"hits": [wire.hit(h) for h in page.hits], "next_cursor": page.next_cursor})
