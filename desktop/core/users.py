"""Who is who: display names for sender ids and direct-chat titles, learnt as the app goes."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from desktop.core.errors import ClientError
from desktop.core.wire import JSON, User

if TYPE_CHECKING:
    from desktop.core.rest import RestClient

log = logging.getLogger(__name__)


def member_user(row: JSON) -> User | None:
    """A `GET /chats/{id}/members` row as a User (nested `user`, or flat fields)."""
    nested = row.get("user")
    if isinstance(nested, dict) and nested.get("id"):
        return User.from_json(nested)
    user_id = row.get("user_id") or row.get("id")
    if not user_id:
        return None
    return User(
        id=str(user_id),
        username=str(row.get("username", "")),
        display_name=str(row.get("display_name") or ""),
    )


class Directory:
    """A cache of users by id; unknown ids show a short stand-in until their names arrive."""

    def __init__(self) -> None:
        self._users: dict[str, User] = {}
        self._fetched: set[str] = set()

    @property
    def known(self) -> set[str]:
        return set(self._users)

    def add(self, user: User) -> None:
        self._users[user.id] = user

    def get(self, user_id: str) -> User | None:
        return self._users.get(user_id)

    def label(self, user_id: str) -> str:
        user = self._users.get(user_id)
        return user.label if user is not None else "Someone"

    async def fetch_members(self, rest: RestClient, chat_id: str, *, force: bool = False) -> None:
        if chat_id in self._fetched and not force:
            return
        try:
            rows = await rest.members(chat_id)
        except ClientError as exc:
            log.info("members of a chat unavailable: %s", type(exc).__name__)
            return
        self._fetched.add(chat_id)
        for row in rows:
            user = member_user(row)
            if user is not None:
                self.add(user)
