"""Reactions beside the event log: each change is written in the transaction that takes its `seq`.

So a reaction is never stored without its event nor announced without being stored, two members
reacting at once can never overwrite each other (each row is its own), and adding a reaction
that exists, or removing one that does not, takes no `seq` at all. Both message stores are read
the same way: the service attaches these rows to the messages a page holds.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.expressions import Q

from backend.adapters.db.models import ReactionRow
from backend.domain import rules
from backend.domain.errors import Conflict, NotFound
from backend.domain.models import EventType
from backend.domain.ports import EventRequest

REACTIONS = (EventType.REACTION_ADDED, EventType.REACTION_REMOVED)

Target = tuple[str, int]  # (chat_id, message seq)


class Unchanged(Exception):
    """The reaction is already as asked: nothing to record (not an error for the caller)."""


@dataclass
class ReactionBatch:
    """The reactions of the messages one `append` targets, read under the chats' locks."""

    state: dict[Target, dict[str, set[str]]]  # emoji key -> user ids
    added: list[ReactionRow] = field(default_factory=list)
    removed: list[tuple[Target, str, str]] = field(default_factory=list)

    def change(self, req: EventRequest, deleted: set[Target]) -> Exception | None:
        """Apply one reaction request to the batch's view; an exception refuses it."""
        if req.type not in REACTIONS or req.target_seq is None:
            return None
        target = (req.chat_id, req.target_seq)
        if target in deleted:
            return NotFound("No such message.", code="message_not_found")
        key = rules.emoji_key(str(req.data["emoji"]))
        on_message = self.state.setdefault(target, {})
        users = on_message.get(key, set())
        if req.type is EventType.REACTION_ADDED:
            return self._add(req, target, key, on_message, users)
        if req.actor_id not in users:
            return Unchanged()
        users.discard(req.actor_id)
        self.removed.append((target, key, req.actor_id))
        return None

    def _add(
        self,
        req: EventRequest,
        target: Target,
        key: str,
        on_message: dict[str, set[str]],
        users: set[str],
    ) -> Exception | None:
        if req.actor_id in users:
            return Unchanged()
        if not users and sum(1 for u in on_message.values() if u) >= rules.REACTIONS_PER_MESSAGE:
            return Conflict(
                f"A message has at most {rules.REACTIONS_PER_MESSAGE} different reactions.",
                code="too_many_reactions",
            )
        on_message.setdefault(key, set()).add(req.actor_id)
        self.added.append(
            ReactionRow(
                chat_id=target[0],
                message_seq=target[1],
                emoji=key,
                user_id=req.actor_id,
                created_at=req.created_at,
            )
        )
        return None

    async def store(self, conn: BaseDBAsyncClient) -> None:
        # Removals first: a remove then re-add of the same reaction in one batch stays added.
        for (chat_id, seq), key, user_id in self.removed:
            await (
                ReactionRow.filter(chat_id=chat_id, message_seq=seq, emoji=key, user_id=user_id)
                .using_db(conn)
                .delete()
            )
        added = {(r.chat_id, r.message_seq, r.emoji, r.user_id): r for r in self.added}
        live = [r for k, r in added.items() if r.user_id in self.state[(k[0], k[1])].get(k[2], ())]
        if live:
            await ReactionRow.bulk_create(live, using_db=conn)


async def load(conn: BaseDBAsyncClient, requests: Sequence[EventRequest]) -> ReactionBatch:
    targets = {(r.chat_id, r.target_seq) for r in requests if r.type in REACTIONS and r.target_seq}
    state: dict[Target, dict[str, set[str]]] = {}
    if targets:
        match = Q()
        for chat_id, seq in targets:
            match |= Q(chat_id=chat_id, message_seq=seq)
        rows = await ReactionRow.filter(match).using_db(conn)
        for row in rows:
            key = (row.chat_id, int(row.message_seq))
            state.setdefault(key, {}).setdefault(row.emoji, set()).add(row.user_id)
    return ReactionBatch(state)


async def reactions(chat_id: str, seqs: Sequence[int]) -> dict[int, dict[str, tuple[str, ...]]]:
    """The reactions on these messages of a chat: emoji -> user ids, oldest reaction first."""
    if not seqs:
        return {}
    rows = await ReactionRow.filter(chat_id=chat_id, message_seq__in=list(set(seqs))).order_by("id")
    out: dict[int, dict[str, list[str]]] = {}
    for row in rows:
        emoji = rules.emoji_from_key(row.emoji)
        out.setdefault(int(row.message_seq), {}).setdefault(emoji, []).append(row.user_id)
    return {seq: {e: tuple(u) for e, u in by.items()} for seq, by in out.items()}
