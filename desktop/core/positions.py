"""Where each chat's event stream stands: the highest `seq` the app has seen.

The server sends every chat's events on a socket in strictly increasing `seq` with no hole (an
event that cannot be delivered arrives as `gap {chat_id, seq}`), so the highest `seq` seen is
exactly where a reconnect resumes. A `seq` that jumps ahead anyway is counted (`skipped`, a safety
net that should stay 0) and not waited for; a `seq` at or below the position is a repeat (a resume
replaying what was already seen) and is dropped. Only events that take a chat seq count: a `read`
frame's `seq` is a reader's marker.
"""

from __future__ import annotations

from dataclasses import dataclass

# Frame types that take the next seq of their chat (typing, presence and read markers do not).
SEQ_TYPES = frozenset(
    {
        "message.created",
        "message.updated",
        "message.deleted",
        "member.added",
        "member.removed",
        "reaction.added",
        "reaction.removed",
        "gap",
    }
)


@dataclass(slots=True)
class Counters:
    repeats: int = 0  # events at or below the position (replays at a seam)
    skipped: int = 0  # events that arrived above a hole: the server's order was broken


class Positions:
    """The highest `seq` seen of every chat the app knows."""

    def __init__(self) -> None:
        self._chats: dict[str, int] = {}
        self.counters = Counters()

    def start(self, chat_id: str, last_seq: int) -> None:
        """A chat seen for the first time starts where the server is (history is REST's)."""
        self._chats.setdefault(chat_id, last_seq)

    def record(self, chat_id: str, seq: int) -> bool | None:
        """True: new; False: a repeat; None: a chat not tracked (yet)."""
        last = self._chats.get(chat_id)
        if last is None:
            return None
        if seq <= last:
            self.counters.repeats += 1
            return False
        if seq > last + 1:
            self.counters.skipped += 1
        self._chats[chat_id] = seq
        return True

    def last(self, chat_id: str) -> int | None:
        return self._chats.get(chat_id)

    def cursor(self) -> list[dict[str, object]]:
        """`[{chat_id, last_seq}]` of every chat, for the `auth` frame's resume."""
        return [{"chat_id": c, "last_seq": s} for c, s in self._chats.items()]

    def forget(self, chat_id: str) -> None:
        self._chats.pop(chat_id, None)

    def clear(self) -> None:
        self._chats.clear()
