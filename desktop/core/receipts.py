"""Where the other members of each chat have read to, for the ticks under my messages.

The server keeps one read marker per member (`last_read_seq`): the member listing gives them all
when a chat opens, and a `read {chat_id, user_id, seq}` frame moves one. Markers only move
forward, so a late frame can never take a tick back.
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum


class Receipt(StrEnum):
    SENT = "sent"  # stored; nobody else has read it yet
    READ = "read"  # a direct chat's peer has read it


class ReadReceipts:
    def __init__(self) -> None:
        self._markers: dict[str, dict[str, int]] = {}

    def set_markers(self, chat_id: str, markers: Iterable[tuple[str, int]]) -> None:
        """The member listing's markers (forward only, like every other update)."""
        for user_id, seq in markers:
            self.read(chat_id, user_id, seq)

    def read(self, chat_id: str, user_id: str, seq: int) -> bool:
        """One member's marker moved; True when it went forward."""
        chat = self._markers.setdefault(chat_id, {})
        if seq <= chat.get(user_id, 0):
            return False
        chat[user_id] = seq
        return True

    def forget_member(self, chat_id: str, user_id: str) -> None:
        self._markers.get(chat_id, {}).pop(user_id, None)

    def readers(self, chat_id: str, seq: int, me: str | None) -> int:
        """How many members other than me have read up to `seq`."""
        return sum(
            1 for u, read in self._markers.get(chat_id, {}).items() if u != me and read >= seq
        )
