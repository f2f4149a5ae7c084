"""Where each chat's event stream stands: the highest `seq` with no hole below it.

Live events of one chat can arrive out of order (each replica publishes on its own), and an event
can be lost for good when a replica dies between committing and publishing it. So the app keeps,
per chat, the contiguous position (every seq up to it is held) and the seqs held above it. A
reconnect resumes from the contiguous position, and a hole that stays open for `GAP_RESUME_S` is
asked for again with a `resume` for that chat (the server answers with the missing events, then
`resumed`). Only events that take a chat seq count: a `read` frame's `seq` is a reader's marker.
"""

from __future__ import annotations

from dataclasses import dataclass, field

GAP_RESUME_S = 1.0  # a hole not filled within this long is asked for again

# Frame types that take the next seq of their chat (typing, presence and read markers do not).
SEQ_TYPES = frozenset(
    {"message.created", "message.updated", "message.deleted", "member.added", "member.removed"}
)


@dataclass(slots=True)
class ChatPosition:
    contiguous: int  # every seq up to here is held
    ahead: set[int] = field(default_factory=set)  # seqs held above a hole
    gap_since: float | None = None  # when the current hole opened
    asked_at: float | None = None  # when it was last asked for again

    def holds(self, seq: int) -> bool:
        return seq <= self.contiguous or seq in self.ahead

    def record(self, seq: int, now: float) -> bool:
        """Note that `seq` arrived; False when it was held already (a duplicate)."""
        if self.holds(seq):
            return False
        self.ahead.add(seq)
        while self.contiguous + 1 in self.ahead:
            self.contiguous += 1
            self.ahead.discard(self.contiguous)
        if not self.ahead:
            self.gap_since = self.asked_at = None
        elif self.gap_since is None:
            self.gap_since = now
        return True

    def due(self, now: float) -> float | None:
        """Seconds until this chat's hole should be asked for again (<= 0: now); None: no hole."""
        if self.gap_since is None:
            return None
        since = self.gap_since if self.asked_at is None else self.asked_at
        return since + GAP_RESUME_S - now


class Positions:
    """The `ChatPosition` of every chat the app knows."""

    def __init__(self) -> None:
        self._chats: dict[str, ChatPosition] = {}

    def start(self, chat_id: str, last_seq: int) -> None:
        """A chat seen for the first time starts where the server is (history is REST's)."""
        if chat_id not in self._chats:
            self._chats[chat_id] = ChatPosition(last_seq)

    def get(self, chat_id: str) -> ChatPosition | None:
        return self._chats.get(chat_id)

    def record(self, chat_id: str, seq: int, now: float) -> bool | None:
        """True: new; False: a duplicate; None: a chat not tracked (yet)."""
        pos = self._chats.get(chat_id)
        return None if pos is None else pos.record(seq, now)

    def contiguous(self, chat_id: str) -> int | None:
        pos = self._chats.get(chat_id)
        return None if pos is None else pos.contiguous

    def next_due(self, now: float) -> float | None:
        """Seconds until the earliest hole is due to be asked for; None when there is none."""
        dues = [d for p in self._chats.values() if (d := p.due(now)) is not None]
        return min(dues) if dues else None

    def take_due(self, now: float) -> list[tuple[str, int]]:
        """The `(chat_id, contiguous)` of every hole due now, marked as asked."""
        due: list[tuple[str, int]] = []
        for chat_id, pos in self._chats.items():
            wait = pos.due(now)
            if wait is not None and wait <= 0:
                pos.asked_at = now
                due.append((chat_id, pos.contiguous))
        return due

    def forget(self, chat_id: str) -> None:
        self._chats.pop(chat_id, None)

    def clear(self) -> None:
        self._chats.clear()
