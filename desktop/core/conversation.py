"""What the open chat shows beyond its timeline, without Qt: who its members are (for
@-autocomplete), how far each has read (the ticks under my messages), and the reaction events.

The member listing is read when a chat opens (names, presence and read markers at once: the one
fetch of `GET /chats/{id}/members` on opening, which the chat header reads too); after that `read`
frames move the markers, `member.added`/`member.removed` change the listing (so @-autocomplete
offers whoever joined while the chat is open) and `reaction.*` frames change the timeline's
messages. Watchers (the
chat pane) are told which chat changed so they repaint it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from desktop.core.errors import ClientError
from desktop.core.presence import Presence
from desktop.core.receipts import ReadReceipts
from desktop.core.rest import RestClient
from desktop.core.timeline import Timeline
from desktop.core.users import Directory, member_user
from desktop.core.wire import JSON, User, parse_time

log = logging.getLogger(__name__)

MAX_SUGGESTIONS = 8


class Conversation:
    def __init__(
        self,
        rest: Callable[[], RestClient | None],
        users: Directory,
        timelines: Callable[[], dict[str, Timeline]],
        presence: Presence | None = None,
    ) -> None:
        self._rest, self._users, self._timelines = rest, users, timelines
        self._presence = presence
        self.receipts = ReadReceipts()
        self._members: dict[str, list[str]] = {}
        self._asked: dict[str, int] = {}  # chat id -> how many listings were asked for
        self.watchers: list[Callable[[str], None]] = []  # told the chat id that changed

    def clear(self) -> None:
        """Signed out: the next account learns its own chats' members and markers."""
        self.receipts = ReadReceipts()
        self._members.clear()
        self._asked.clear()

    def _changed(self, chat_id: str) -> None:
        for watch in list(self.watchers):
            watch(chat_id)

    async def load_members(self, chat_id: str) -> None:
        """The member listing: names for mentions, and everyone's read marker for the ticks."""
        rest = self._rest()
        if rest is None:
            return
        asked = self._asked[chat_id] = self._asked.get(chat_id, 0) + 1
        try:
            rows = await rest.members(chat_id)
        except ClientError as exc:
            log.info("members of a chat unavailable: %s", type(exc).__name__)
            return
        if asked != self._asked.get(chat_id):
            return  # a later listing was asked for (someone joined): its answer is the newer
        ids: list[str] = []
        markers: list[tuple[str, int]] = []
        for row in rows:
            user = member_user(row)
            if user is None:
                continue
            self._users.add(user)
            self._learn_presence(user.id, row)
            ids.append(user.id)
            markers.append((user.id, _int(row.get("last_read_seq"))))
        self._members[chat_id] = ids
        self.receipts.set_markers(chat_id, markers)
        self._changed(chat_id)

    def _learn_presence(self, user_id: str, row: JSON) -> None:
        if self._presence is None:
            return
        raw = row.get("last_seen_at")
        seen = parse_time(raw) if isinstance(raw, str) and raw else None
        self._presence.learn(user_id, bool(row.get("online")), seen)

    def member_ids(self, chat_id: str) -> list[str] | None:
        """The chat's members as last listed (None: never listed, here or in the cache)."""
        ids = self._members.get(chat_id)
        return list(ids) if ids is not None else None

    def listings(self) -> dict[str, list[str]]:
        """Every listing held, for the offline cache."""
        return {chat_id: list(ids) for chat_id, ids in self._members.items()}

    def restore(self, listings: dict[str, list[str]]) -> None:
        """Listings from the offline cache; a fresh listing from the server replaces each."""
        for chat_id, ids in listings.items():
            self._members.setdefault(chat_id, list(ids))

    def chats_with(self, user_id: str) -> list[str]:
        """The listed chats `user_id` is a member of (their header counts who is online)."""
        return [chat_id for chat_id, ids in self._members.items() if user_id in ids]

    def members(self, chat_id: str) -> list[User]:
        known = (self._users.get(u) for u in self._members.get(chat_id, []))
        return [u for u in known if u is not None]

    def suggest(self, chat_id: str, prefix: str, me: str | None) -> list[User]:
        """Members whose username or a word of their name starts with `prefix` (not me)."""
        p = prefix.casefold()
        found = [
            u
            for u in self.members(chat_id)
            if u.id != me
            and (
                u.username.casefold().startswith(p)
                or any(w.casefold().startswith(p) for w in u.display_name.split())
            )
        ]
        return sorted(found, key=lambda u: (not u.username.casefold().startswith(p), u.username))[
            :MAX_SUGGESTIONS
        ]

    def on_read(self, chat_id: str, user_id: str, seq: int) -> None:
        if self.receipts.read(chat_id, user_id, seq):
            self._changed(chat_id)

    def on_member_added(self, chat_id: str, user_id: str) -> bool:
        """Someone joined a chat whose listing we hold: counted at once; True, the listing is
        read again, since only it says whether the newcomer is online (a member who was already
        connected sends no presence frame on joining) and how far they have read."""
        ids = self._members.get(chat_id)
        if ids is None:  # never listed; a listing on its way may predate the join: ask again
            return chat_id in self._asked
        if user_id in ids:
            return False
        ids.append(user_id)
        self._changed(chat_id)
        return True

    def on_member_removed(self, chat_id: str, user_id: str) -> None:
        self.receipts.forget_member(chat_id, user_id)
        if user_id in self._members.get(chat_id, []):
            self._members[chat_id].remove(user_id)
        self._changed(chat_id)

    def on_reaction(self, frame: JSON) -> None:
        """`reaction.added|removed {chat_id, seq, message_seq, emoji, user_id}`."""
        tl = self._timelines().get(str(frame.get("chat_id", "")))
        seq, emoji = frame.get("message_seq"), frame.get("emoji")
        if tl is None or not isinstance(seq, int) or not isinstance(emoji, str):
            return  # a chat not opened yet: its first page brings the reactions
        tl.react(seq, emoji, str(frame.get("user_id", "")), frame.get("type") == "reaction.added")


def _int(raw: object) -> int:
    return raw if isinstance(raw, int) and not isinstance(raw, bool) else 0
