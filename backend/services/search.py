"""Search over the caller's chats: parse the box's text, scope it to their memberships, page it,
and mark where each hit matched.

Scoping happens here, from the relational store's current membership rows, never in the index:
a user removed from a chat stops getting its hits the moment the removal commits.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass

from backend.domain.errors import InvalidInput, NotFound, RateLimited
from backend.domain.models import Chat, Message
from backend.domain.ports import ChatRepo, MessageSearch, RateLimiter, SearchRequest, UserRepo
from backend.domain.search.highlight import highlights
from backend.domain.search.query import Query, parse

MAX_LIMIT = 50
# Paging goes this deep at most; past it the user should narrow the search.
MAX_OFFSET = 1000
SORTS = ("recent", "relevance")


@dataclass(frozen=True, slots=True)
class SearchPage:
    hits: list[Hit]
    next_cursor: str | None


def encode_cursor(offset: int) -> str:
    return base64.urlsafe_b64encode(f"o{offset}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str | None) -> int:
    if not cursor:
        return 0
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        offset = int(raw[1:]) if raw.startswith("o") and raw[1:].isdigit() else -1
    except (binascii.Error, UnicodeDecodeError, ValueError):
        offset = -1
    if not 0 <= offset <= MAX_OFFSET:
        raise InvalidInput("This cursor is not one this server gave out.", code="bad_cursor")
    return offset


def _in_chats(chats: list[Chat], wanted: tuple[str, ...]) -> list[Chat]:
    """`in:` names a chat by id or by title, case-insensitively."""
    keys = {w.casefold() for w in wanted}
    return [c for c in chats if c.id in wanted or c.title.casefold() in keys]


@dataclass(frozen=True, slots=True)
class Hit:
    """A found message and where in its text the query matched (`[start, end)` spans)."""

    message: Message
    highlights: list[tuple[int, int]]


def hit(m: Message, query: Query) -> Hit:
    return Hit(m, highlights(m.text, query))


class SearchService:
    def __init__(
        self,
        chats: ChatRepo,
        users: UserRepo,
        index: MessageSearch,
        limiter: RateLimiter,
        per_second: int,
    ) -> None:
        self._chats = chats
        self._users = users
        self._index = index
        self._limiter = limiter
        self._per_second = per_second

    async def _scope(self, user_id: str, chat_id: str | None, query: Query) -> list[str]:
        chats = [c for c, _ in await self._chats.memberships(user_id)]
        if chat_id is not None:
            chats = [c for c in chats if c.id == chat_id]
            if not chats:
                raise NotFound("No such chat.", code="chat_not_found")
        if query.chats:
            chats = _in_chats(chats, query.chats)
        return [c.id for c in chats]

    async def _senders(self, query: Query) -> tuple[str, ...] | None:
        """User ids for `from:` (None when `from:` names nobody: then nothing matches)."""
        if not query.senders:
            return ()
        found = [await self._users.by_login(name) for name in query.senders]
        ids = tuple(u.id for u in found if u is not None)
        return ids or None

    async def search(
        self,
        user_id: str,
        q: str,
        *,
        chat_id: str | None = None,
        sort: str = "recent",
        cursor: str | None = None,
        limit: int = 20,
    ) -> SearchPage:
        if sort not in SORTS:
            raise InvalidInput("sort is recent or relevance.", code="bad_sort")
        if not 1 <= limit <= MAX_LIMIT:
            raise InvalidInput(f"limit must be between 1 and {MAX_LIMIT}.", code="bad_limit")
        offset = decode_cursor(cursor)
        query = parse(q)
        wait = await self._limiter.hit(f"search:{user_id}", self._per_second, 1.0)
        if wait is not None:
            raise RateLimited("You are searching too fast.", retry_after=wait)
        if query.empty:
            raise InvalidInput("Type something to search for.", code="query_empty")
        chat_ids = await self._scope(user_id, chat_id, query)
        senders = await self._senders(query)
        if not chat_ids or senders is None:
            return SearchPage([], None)
        request = SearchRequest(
            query, tuple(chat_ids), senders, sort == "relevance", offset, limit + 1
        )
        found = await self._index.search(request)
        more = len(found) > limit and offset + limit <= MAX_OFFSET
        return SearchPage(
            [hit(m, query) for m in found[:limit]], encode_cursor(offset + limit) if more else None
        )
