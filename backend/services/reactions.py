"""Reactions: a member puts an emoji on a message or takes it off, as a numbered chat event.

A change takes the chat's next `seq` like an edit does, so it is pushed in order and a client
that was away gets it when it resumes by `seq`. The reactions themselves live beside the event
log (`ChatRepo.reactions`), never in the message store, so an edit stored at the same moment
cannot overwrite them and both message stores carry them alike.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from backend.domain import events as ev
from backend.domain import rules
from backend.domain.errors import NotFound, RateLimited
from backend.domain.events import Event
from backend.domain.models import ChatEvent, EventType, Message
from backend.domain.ports import ChatRepo, Clock, EventRequest, MessageStore, RateLimiter
from backend.services.chats import ChatService
from backend.services.pipeline import Pipeline


def reaction_event(event: ChatEvent) -> Event:
    """The pushed form: which message, which emoji, whose; the client applies it in `seq` order."""
    return ev.to_chat(
        event.chat_id,
        event.type.value,
        seq=event.seq,
        message_seq=event.target_seq,
        emoji=event.data.get("emoji"),
        user_id=event.actor_id,
    )


class ReactionService:
    def __init__(
        self,
        chats: ChatService,
        repo: ChatRepo,
        store: MessageStore,
        pipeline: Pipeline,
        limiter: RateLimiter,
        clock: Clock,
        per_second: int,
    ) -> None:
        self._chats = chats
        self._repo = repo
        self._store = store
        self._pipeline = pipeline
        self._limiter = limiter
        self._clock = clock
        self._per_second = per_second

    async def react(self, user_id: str, chat_id: str, seq: int, emoji: str, on: bool) -> Message:
        """Put `emoji` on the message (`on`) or take it off; doing what is already so is a
        no-op that takes no `seq`. Returns the message with its reactions now."""
        rules.check_emoji(emoji)
        rules.check_seq(seq)
        wait = await self._limiter.hit(f"react:{user_id}", self._per_second, 1.0)
        if wait is not None:
            raise RateLimited("You are reacting too fast.", retry_after=wait)
        await self._chats.require_member(user_id, chat_id)
        found = (await self._store.get([(chat_id, seq)])).get((chat_id, seq))
        if found is None or found.deleted:
            raise NotFound("No such message.", code="message_not_found")
        kind = EventType.REACTION_ADDED if on else EventType.REACTION_REMOVED
        request = EventRequest(
            chat_id, kind, user_id, self._clock.now(), target_seq=seq, data={"emoji": emoji}
        )
        result, _ = await self._pipeline.submit(
            request, lambda _e: None, lambda e, _m: [reaction_event(e)]
        )
        if result.error is not None:
            raise result.error
        (current,) = await self.attach([found])
        return current

    async def attach(self, messages: Sequence[Message]) -> list[Message]:
        """The messages of one chat with their reactions (a deleted message has none)."""
        live = [m.seq for m in messages if not m.deleted]
        if not live:
            return list(messages)
        found = await self._repo.reactions(messages[0].chat_id, live)
        return [
            replace(m, reactions=found[m.seq]) if m.seq in found and not m.deleted else m
            for m in messages
        ]
