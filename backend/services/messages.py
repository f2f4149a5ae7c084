"""Messages: send (idempotent), history, edit, delete, read markers, typing, and resume by `seq`."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import timedelta

from backend.domain import events as ev
from backend.domain import rules
from backend.domain.errors import Forbidden, InvalidInput, NotFound, RateLimited
from backend.domain.events import Event
from backend.domain.models import Attachment, ChatEvent, EventType, Message
from backend.domain.ports import ChatRepo, Clock, EventBus, EventRequest, MessageStore, RateLimiter
from backend.services.chats import ChatService
from backend.services.files import FileService
from backend.services.pipeline import Pipeline, publish_after_commit
from backend.services.reactions import ReactionService, reaction_event

# A `seq` whose message content never landed (the store failed and the sender never retried)
# is declared void after this long, so resuming clients are not held back by it forever.
VOID_AFTER = timedelta(seconds=30)


@dataclass(frozen=True, slots=True)
class MessageLimits:
    max_text_chars: int
    max_page: int
    sends_per_user: int
    resume_max_events: int


@dataclass(frozen=True, slots=True)
class Resume:
    """What a client missed in one chat: its events in `seq` order, or `resync` when too far
    behind. The API turns the events into frames."""

    events: list[Event]
    last_seq: int
    resync: bool = False


def content_hash(chat_id: str, text: str, reply_to_seq: int | None) -> str:
    return hashlib.sha256(f"{chat_id}\x00{reply_to_seq}\x00{text}".encode()).hexdigest()


def message_event(event: ChatEvent, message: Message | None) -> Event:
    """The pushed form of a message event: the event's `seq` and the message's current state."""
    return ev.to_chat(event.chat_id, event.type.value, seq=event.seq, message=message)


class MessageService:
    def __init__(
        self,
        chats: ChatService,
        repo: ChatRepo,
        store: MessageStore,
        bus: EventBus,
        limiter: RateLimiter,
        pipeline: Pipeline,
        clock: Clock,
        limits: MessageLimits,
        files: FileService | None = None,
    ) -> None:
        self._files = files
        self._chats = chats
        self._repo = repo
        self._store = store
        self._bus = bus
        self._limiter = limiter
        self._pipeline = pipeline
        self._clock = clock
        self._limits = limits
        self.reactions = ReactionService(
            chats, repo, store, pipeline, limiter, clock, limits.sends_per_user
        )

    def _check_text(self, text: str, attachments: bool = False) -> None:
        rules.check_text(text, self._limits.max_text_chars, allow_empty=attachments)

    async def send(
        self,
        user_id: str,
        chat_id: str,
        client_msg_id: str,
        text: str,
        reply_to_seq: int | None = None,
        attachment_ids: Sequence[str] = (),
    ) -> tuple[Message, bool]:
        """Store a message; a retry with the same `client_msg_id` returns the first one (True)."""
        self._check_text(text, attachments=bool(attachment_ids))
        rules.check_client_msg_id(client_msg_id)
        if reply_to_seq is not None:
            rules.check_seq(reply_to_seq, "reply_to_seq")
        wait = await self._limiter.hit(f"send:{user_id}", self._limits.sends_per_user, 1.0)
        if wait is not None:
            raise RateLimited("You are sending too fast.", retry_after=wait)
        attachments = await self._claim(user_id, chat_id, client_msg_id, attachment_ids)
        request = EventRequest(
            chat_id,
            EventType.MESSAGE_CREATED,
            user_id,
            self._clock.now(),
            client_msg_id=client_msg_id,
            content_hash=content_hash(chat_id, text, reply_to_seq),
        )

        def build(event: ChatEvent) -> Message:
            return Message(
                chat_id=chat_id,
                seq=event.seq,
                sender_id=user_id,
                text=text,
                created_at=event.created_at,
                client_msg_id=client_msg_id,
                reply_to_seq=reply_to_seq,
                attachments=attachments,
            )

        result, message = await self._pipeline.submit(
            request, build, lambda e, m: [message_event(e, m)]
        )
        if result.error is not None:
            raise result.error
        assert message is not None
        if attachments and self._files is not None:
            await self._files.attached([a.id for a in attachments], client_msg_id, message.seq)
        return message, result.duplicate

    async def _claim(
        self, user_id: str, chat_id: str, client_msg_id: str, attachment_ids: Sequence[str]
    ) -> tuple[Attachment, ...]:
        if not attachment_ids:
            return ()
        if self._files is None:
            raise InvalidInput("This server takes no attachments.", code="attachment_unavailable")
        await self._chats.require_member(user_id, chat_id)
        return await self._files.claim(user_id, chat_id, client_msg_id, attachment_ids)

    async def history(
        self, user_id: str, chat_id: str, before: int | None, after: int | None, limit: int
    ) -> tuple[list[Message], bool]:
        await self._chats.require_member(user_id, chat_id)
        if not 1 <= limit <= self._limits.max_page:
            raise InvalidInput(
                f"limit must be between 1 and {self._limits.max_page}.", code="bad_limit"
            )
        messages, more = await self._store.history(chat_id, before=before, after=after, limit=limit)
        return await self.reactions.attach(messages), more

    async def _own_message(self, user_id: str, chat_id: str, seq: int) -> Message:
        await self._chats.require_member(user_id, chat_id)
        found = (await self._store.get([(chat_id, seq)])).get((chat_id, seq))
        if found is None or found.deleted:
            raise NotFound("No such message.", code="message_not_found")
        if found.sender_id != user_id:
            raise Forbidden("Only the sender can change a message.", code="not_sender")
        return found

    async def edit(self, user_id: str, chat_id: str, seq: int, text: str) -> Message:
        self._check_text(text)
        current = await self._own_message(user_id, chat_id, seq)
        edited = await self._change(user_id, current, EventType.MESSAGE_UPDATED, text=text)
        (shown,) = await self.reactions.attach([edited])
        return shown

    async def delete(self, user_id: str, chat_id: str, seq: int) -> Message:
        current = await self._own_message(user_id, chat_id, seq)
        deleted = await self._change(user_id, current, EventType.MESSAGE_DELETED, text=None)
        if current.attachments and self._files is not None:
            await self._files.message_deleted(chat_id, seq)
        return deleted

    async def _change(
        self, user_id: str, current: Message, kind: EventType, text: str | None
    ) -> Message:
        request = EventRequest(
            current.chat_id, kind, user_id, self._clock.now(), target_seq=current.seq
        )

        def build(event: ChatEvent) -> Message:
            if kind is EventType.MESSAGE_DELETED:
                return replace(
                    current,
                    text=None,
                    attachments=(),
                    deleted=True,
                    edited_at=event.created_at,
                    version=event.seq,
                )
            return replace(current, text=text, edited_at=event.created_at, version=event.seq)

        result, message = await self._pipeline.submit(
            request, build, lambda e, m: [message_event(e, m)]
        )
        if result.error is not None:
            raise result.error
        assert message is not None
        return message

    async def mark_read(self, user_id: str, chat_id: str, seq: int) -> int:
        await self._chats.require_member(user_id, chat_id)
        chat = await self._repo.get(chat_id)
        if chat is None or seq < 0 or seq > chat.last_seq:
            raise InvalidInput("seq is beyond the end of the chat.", code="bad_seq")
        stored = await self._repo.mark_read(chat_id, user_id, seq)
        await publish_after_commit(
            self._bus, [ev.to_chat(chat_id, "read", user_id=user_id, seq=stored)]
        )
        return stored

    async def typing(self, user_id: str, chat_id: str) -> None:
        if await self._limiter.hit(f"typing:{user_id}:{chat_id}", 1, 1.0) is not None:
            return  # one typing notice a second is plenty; the rest are dropped quietly
        await self._chats.require_member(user_id, chat_id)
        await self._bus.publish([ev.to_chat(chat_id, "typing", user_id=user_id)])

    async def resume(self, user_id: str, chat_id: str, last_seq: int) -> Resume:
        """The events after `last_seq`, read by id (never a search that may lag)."""
        await self._chats.require_member(user_id, chat_id)
        chat = await self._repo.get(chat_id)
        if chat is None:
            raise NotFound("No such chat.", code="chat_not_found")
        return await self.resume_known(chat_id, last_seq, chat.last_seq)

    async def resume_known(self, chat_id: str, last_seq: int, server_seq: int) -> Resume:
        """`resume` for a caller that already read the member's position (`server_seq`) of the
        chat, which proves membership: a socket resuming many chats reads them all at once."""
        if server_seq - last_seq > self._limits.resume_max_events:
            return Resume([], server_seq, resync=True)  # the client reloads from here
        return await self.replay(chat_id, last_seq, server_seq)

    async def replay(self, chat_id: str, after: int, upto: int) -> Resume:
        """The log's events in (after, upto], read by id, for a replica's own member sockets.

        Stops before a message still being stored (`last_seq` says how far it got); reaches
        `upto` when every event there could be given (a void one as its tombstone).
        """
        upto = min(upto, after + self._limits.resume_max_events)
        events = await self._repo.events(chat_id, after, upto)
        targets = [
            (chat_id, e.target_seq or e.seq) for e in events if e.type.value.startswith("message.")
        ]
        stored = await self._store.get(targets)
        out: list[Event] = []
        for event in events:
            pushed = await self._event(event, stored)
            if pushed is None:
                # a message still being stored: stop before it; the client resumes again
                return Resume(out, events[len(out) - 1].seq if out else after)
            out.append(pushed)
        return Resume(out, upto)

    async def _event(
        self, event: ChatEvent, stored: dict[tuple[str, int], Message]
    ) -> Event | None:
        if event.type.value.startswith("reaction."):
            return reaction_event(event)
        if event.type.value.startswith("member."):
            return ev.to_chat(
                event.chat_id,
                event.type.value,
                seq=event.seq,
                user_id=event.data.get("user_id"),
                actor_id=event.actor_id,
            )
        key = (event.chat_id, event.target_seq or event.seq)
        message = stored.get(key)
        if message is None:
            if self._clock.now() - event.created_at < VOID_AFTER:
                return None
            message = await self._void(event)
        return message_event(event, message)

    async def _void(self, event: ChatEvent) -> Message:
        """Make a lost write visible: a tombstone in place of the message that never landed."""
        void = Message(
            chat_id=event.chat_id,
            seq=event.target_seq or event.seq,
            sender_id=event.actor_id,
            text=None,
            created_at=event.created_at,
            client_msg_id=None,
            deleted=True,
            version=event.seq,
        )
        await self._store.write([void])
        return void
