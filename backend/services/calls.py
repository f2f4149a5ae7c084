"""Calls: start or join a chat's call, leave it, relay 1:1 signalling, end unanswered calls.

The record is in the relational store (any replica, or a restarted one, knows the call); every
change is announced on the bus to the chat's members: `call.started` (ringing in a direct chat),
`call.joined`, `call.left`, `call.ended`. Signalling frames go to one participant's sockets and
only between participants of the call.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from backend.domain import events as ev
from backend.domain.calls import Call, CallKind, CallProvider, CallRepo, CallState
from backend.domain.errors import (
    Conflict,
    InvalidInput,
    NotFound,
    PayloadTooLarge,
    RateLimited,
)
from backend.domain.models import ChatKind, Role, User
from backend.domain.ports import ChatRepo, Clock, EventBus, RateLimiter, UserRepo
from backend.services.auth import new_id
from backend.services.chats import ChatService
from backend.services.pipeline import publish_after_commit

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class CallLimits:
    ring_timeout_s: float = 45.0
    max_signal_bytes: int = 12 * 1024
    starts_per_minute: int = 20  # per user: nobody rings a chat without pause


@dataclass(frozen=True, slots=True)
class Joined:
    """A call and how this user joins it (the provider's part of the answer: Jitsi room and
    token, or the ICE servers of a 1:1 page)."""

    call: Call
    join: dict[str, Any]


def _profile(user: User | None, user_id: str) -> dict[str, Any]:
    """What the call provider knows of the user joining (Jitsi puts it in the room token)."""
    if user is None:
        return {"id": user_id}
    return {
        "id": user.id,
        "username": user.username,
        "display_name": user.display_name,
        "email": user.email,
    }


class CallService:
    def __init__(
        self,
        chats: ChatService,
        chat_repo: ChatRepo,
        users: UserRepo,
        calls: CallRepo,
        provider: CallProvider,
        bus: EventBus,
        clock: Clock,
        limits: CallLimits,
        limiter: RateLimiter,
    ) -> None:
        self._chats = chats
        self._chat_repo = chat_repo
        self._users = users
        self._calls = calls
        self._provider = provider
        self._bus = bus
        self._clock = clock
        self._limits = limits
        self._limiter = limiter
        self._sweeper: asyncio.Task[None] | None = None

    async def start_or_join(self, user_id: str, chat_id: str) -> Joined:
        """The chat's running call (started if there is none), with how this user joins it."""
        member = await self._chats.require_member(user_id, chat_id)
        wait = await self._limiter.hit(f"call:{user_id}", self._limits.starts_per_minute, 60.0)
        if wait is not None:
            raise RateLimited("Too many calls; wait a little.", retry_after=wait, code="call_rate")
        chat = await self._chat_repo.get(chat_id)
        if chat is None:
            raise NotFound("No such chat.", code="chat_not_found")
        if self._provider.kind is CallKind.P2P and chat.kind is ChatKind.GROUP:
            raise Conflict("Group calls need a Jitsi server.", code="group_calls_need_jitsi")
        now = self._clock.now()
        running = await self._calls.running(chat_id)
        if running is not None and self._unanswered(running):
            await self._end(running, "timeout")
        elif running is not None and self._rejoining_p2p(running, user_id):
            # A 1:1 page cannot rejoin its own call (say, after the app crashed): start afresh.
            await self._end(running, "restarted")
        candidate = Call(
            new_id(), chat_id, self._provider.kind, CallState.RINGING,
            self._provider.room_name(), user_id, now,
        )  # fmt: skip
        call, created = await self._calls.start(candidate)
        call, added = await self._calls.join(call.id, user_id, now)
        if created:
            ringing = chat.kind is ChatKind.DIRECT
            event = ev.to_chat(chat_id, "call.started", call=call, user_id=user_id, ringing=ringing)
        else:
            event = ev.to_chat(chat_id, "call.joined", call=call, user_id=user_id)
        if created or added:
            await publish_after_commit(self._bus, [event])
        user = await self._users.by_id(user_id)
        moderator = member.role is not Role.MEMBER or call.started_by == user_id
        return Joined(call, self._provider.join_info(call, _profile(user, user_id), moderator))

    async def current(self, user_id: str, chat_id: str) -> Call | None:
        """The chat's running call, if any (an app that starts late shows the join banner)."""
        await self._chats.require_member(user_id, chat_id)
        running = await self._calls.running(chat_id)
        if running is not None and self._unanswered(running):
            await self._end(running, "timeout")
            running = None
        return running

    async def leave(self, user_id: str, call_id: str) -> Call:
        """Hang up, or decline a ringing direct call. A direct call ends when either side
        leaves; a group call when its last participant does."""
        call = await self._visible(user_id, call_id)
        if call.state is CallState.ENDED:
            return call
        call, was_in = await self._calls.leave(call_id, user_id)
        if was_in:
            left = ev.to_chat(call.chat_id, "call.left", call=call, user_id=user_id)
            await publish_after_commit(self._bus, [left])
        chat = await self._chat_repo.get(call.chat_id)
        direct = chat is not None and chat.kind is ChatKind.DIRECT
        if direct or not call.participants:
            reason = "hangup" if was_in else "declined"
            ended = await self._end(call, reason if direct else "empty")
            call = ended or call
        return call

    async def signal(self, user_id: str, call_id: str, to_user_id: str, data: Any) -> None:
        """Relay one offer, answer or ICE candidate to another participant of the call."""
        if not isinstance(data, dict):
            raise InvalidInput("call.signal data is an object.", code="invalid_input")
        if len(json.dumps(data, separators=(",", ":"))) > self._limits.max_signal_bytes:
            raise PayloadTooLarge("That signal is too large.", code="signal_too_large")
        call = await self._calls.get(call_id)
        inside = call is not None and call.state is not CallState.ENDED
        if not inside or call is None or user_id not in call.participants:
            raise NotFound("No such call.", code="call_not_found")
        if to_user_id == user_id or to_user_id not in call.participants:
            raise NotFound("That user is not in this call.", code="not_in_call")
        frame = ev.to_user(
            to_user_id, "call.signal",
            call_id=call_id, chat_id=call.chat_id, from_user_id=user_id, data=data,
        )  # fmt: skip
        await self._bus.publish([frame])

    async def _visible(self, user_id: str, call_id: str) -> Call:
        call = await self._calls.get(call_id)
        if call is None:
            raise NotFound("No such call.", code="call_not_found")
        try:
            await self._chats.require_member(user_id, call.chat_id)
        except NotFound:
            raise NotFound("No such call.", code="call_not_found") from None
        return call

    @staticmethod
    def _rejoining_p2p(call: Call, user_id: str) -> bool:
        return call.kind is CallKind.P2P and user_id in call.participants

    def _unanswered(self, call: Call) -> bool:
        age = self._clock.now() - call.created_at
        return call.state is CallState.RINGING and age > timedelta(
            seconds=self._limits.ring_timeout_s
        )

    async def _end(self, call: Call, reason: str) -> Call | None:
        ended = await self._calls.end(call.id, self._clock.now(), reason)
        if ended is not None:  # only the replica whose update won announces the end
            event = ev.to_chat(call.chat_id, "call.ended", call=ended, reason=reason)
            await publish_after_commit(self._bus, [event])
        return ended

    async def sweep(self) -> int:
        """End calls that rang for longer than the timeout; the count ended here."""
        cutoff = self._clock.now() - timedelta(seconds=self._limits.ring_timeout_s)
        ended = 0
        for call in await self._calls.ringing_before(cutoff):
            if await self._end(call, "timeout") is not None:
                ended += 1
        return ended

    def start(self) -> None:
        self._sweeper = asyncio.create_task(self._sweep_loop(), name="call-sweeper")

    async def close(self) -> None:
        if self._sweeper is not None:
            self._sweeper.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._sweeper

    async def _sweep_loop(self) -> None:
        interval = max(0.5, min(5.0, self._limits.ring_timeout_s / 4))
        while True:
            await asyncio.sleep(interval)
            try:
                await self.sweep()
            except Exception as exc:  # the store may be away for a moment; try again later
                log.warning("call sweep failed: %s", exc)
