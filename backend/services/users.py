"""Accounts as their owners and other users see them: the profile, its changes, and user search.

`PATCH /me` can tell whether an email is taken, so it is throttled per user like the other probes.
"""

from __future__ import annotations

from backend.domain import rules
from backend.domain.errors import InvalidInput, RateLimited, Unauthorized
from backend.domain.models import User
from backend.domain.ports import RateLimiter, UserRepo
from backend.services.audit import security_event

SEARCH_MAX = 32
SEARCH_RESULTS = 20


class UserService:
    def __init__(self, users: UserRepo, limiter: RateLimiter, profile_per_user: int) -> None:
        self._users = users
        self._limiter = limiter
        self._profile_per_user = profile_per_user

    async def me(self, user_id: str) -> User:
        user = await self._users.by_id(user_id)
        if user is None:
            raise Unauthorized("The account no longer exists.", code="token_invalid")
        return user

    async def update(self, user_id: str, display_name: str | None, email: str | None) -> User:
        if display_name is not None:
            rules.check_name(display_name, "display name")
        wait = await self._limiter.hit(f"profile:{user_id}", self._profile_per_user, 60.0)
        if wait is not None:
            security_event("throttled", key="profile", user=user_id)
            raise RateLimited("Too many profile changes; try again later.", retry_after=wait)
        return await self._users.update(user_id, display_name=display_name, email=email)

    async def search(self, user_id: str, query: str) -> list[User]:
        query = query.strip()
        if not query or len(query) > SEARCH_MAX:
            raise InvalidInput(f"query must be 1 to {SEARCH_MAX} characters.", code="bad_query")
        return await self._users.search(query, SEARCH_RESULTS)
