"""A relational store that fails on purpose: any transaction holding a poisoned request raises.

It stands in for the one request whose values the engine refuses mid-transaction (the failure
the pipeline must confine to that request); everything else allocates `seq`s like the real one.
"""

from __future__ import annotations

from collections.abc import Sequence

from backend.domain.models import ChatEvent, Message
from backend.domain.ports import Appended, EventRequest

POISON = "poison"


class PoisonChatRepo:
    def __init__(self) -> None:
        self.last_seq: dict[str, int] = {}
        self.transactions = 0

    async def append(self, requests: Sequence[EventRequest]) -> list[Appended]:
        self.transactions += 1
        if any(r.data.get(POISON) for r in requests):
            raise RuntimeError("the engine refused a value in this transaction")
        out = []
        for r in requests:
            seq = self.last_seq.get(r.chat_id, 0) + 1
            self.last_seq[r.chat_id] = seq
            out.append(Appended(ChatEvent(r.chat_id, seq, r.type, r.actor_id, r.created_at)))
        return out


class DictStore:
    """Message contents in a dict: this fake needs no engine behind the pipeline's store stage."""

    def __init__(self) -> None:
        self.messages: dict[tuple[str, int], Message] = {}

    async def write(self, messages: Sequence[Message]) -> None:
        for m in messages:
            self.messages[(m.chat_id, m.seq)] = m

    async def get(self, keys: Sequence[tuple[str, int]]) -> dict[tuple[str, int], Message]:
        return {k: self.messages[k] for k in keys if k in self.messages}
