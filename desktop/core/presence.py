"""Who is online and who is typing where, without Qt, as the server reports it.

`Presence` is the one place both live: the chat list asks it for the dot of a direct chat, the
open chat asks it for the typing line. A typing notice shows for a few seconds unless renewed,
and ends early when that person's message arrives.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime

from desktop.core.listener import AppListener
from desktop.core.users import Directory

TYPING_SHOW_S = 5.0


class Presence:
    """Online flags per user and typing deadlines per chat; names come from the directory."""

    def __init__(self, users: Directory, listener: AppListener, my_id: Callable[[], str]) -> None:
        self._users, self._listener, self._my_id = users, listener, my_id
        self._online: dict[str, bool] = {}
        # Users whose flag came from a `presence` frame: the server keeps announcing them. Others
        # (members of big rooms only, which carry no frames) are refreshed by each member list.
        self._live: set[str] = set()
        self._seen: dict[str, datetime] = {}
        self._typing: dict[str, dict[str, float]] = {}

    def is_online(self, user_id: str) -> bool:
        return self._online.get(user_id, False)

    def set_online(self, user_id: str, online: bool, last_seen: datetime | None = None) -> None:
        """A `presence` frame; going offline is a sighting now unless the server says when."""
        if not online and (self._online.get(user_id) or last_seen is not None):
            self._seen[user_id] = last_seen or datetime.now(UTC)
        self._online[user_id] = online
        self._live.add(user_id)

    def learn(self, user_id: str, online: bool, last_seen: datetime | None) -> None:
        """What a member list says; a live `presence` frame already received wins."""
        if user_id not in self._live:
            self._online[user_id] = online
        known = self._seen.get(user_id)
        if last_seen is not None and (known is None or last_seen > known):
            self._seen[user_id] = last_seen

    def last_seen(self, user_id: str) -> datetime | None:
        """When the user was last online, if the server said or we saw them go."""
        return self._seen.get(user_id)

    def started_typing(self, chat_id: str, user_id: str) -> None:
        """A `typing` frame: show that person for a few seconds (never myself)."""
        me = self._my_id()
        if me and user_id == me:
            return
        self._typing.setdefault(chat_id, {})[user_id] = time.monotonic() + TYPING_SHOW_S
        self._listener.typing_changed(chat_id)

    def stopped_typing(self, chat_id: str, user_id: str) -> None:
        """Their message arrived: they are done typing it."""
        self._typing.get(chat_id, {}).pop(user_id, None)

    def typing_users(self, chat_id: str) -> list[str]:
        now = time.monotonic()
        who = self._typing.get(chat_id, {})
        return [self._users.label(u) for u, until in who.items() if until > now]
