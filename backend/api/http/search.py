"""GET /search: messages of the caller's chats that match the search box's text."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field
from sanic import Blueprint, HTTPResponse, Request

from backend.api.http.common import container, ok, route, user_id
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


def _param(name: str, description: str, schema: dict[str, Any]) -> dict[str, Any]:
    return {"name": name, "in": "query", "description": description, "schema": schema}


QUERY = (
    {
        **_param(
            "q",
            "Words to find; the last one is a prefix unless followed by a space. "
            "Filters: from:<username>, in:<chat title or id>, has:file",
            {"type": "string", "minLength": 1, "maxLength": MAX_QUERY_CHARS},
        ),
        "required": True,
    },
    _param("chat_id", "Only this chat (404 unless a member)", {"type": "string"}),
    _param("sort", "Newest first or best first", {"enum": ["recent", "relevance"]}),
    _param("cursor", "next_cursor of the previous page", {"type": "string"}),
    _param("limit", "Hits per page", {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT}),
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
    return ok({"hits": page.hits, "next_cursor": page.next_cursor})
