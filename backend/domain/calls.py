"""Calls: plain data and the two ports behind them (the call record and how to join).

A chat has at most one running call. Its record lives in the relational store, so any replica
(and a restarted one) knows who is in it; the live pushes go through the bus like every event.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any, Protocol


class CallKind(StrEnum):
    JITSI = "jitsi"
    P2P = "p2p"


class CallState(StrEnum):
    RINGING = "ringing"  # started, nobody else has joined yet
    ACTIVE = "active"
    ENDED = "ended"


@dataclass(frozen=True, slots=True)
class Call:
    id: str
    chat_id: str
    kind: CallKind
    state: CallState
    room: str
    started_by: str
    created_at: datetime
    answered_at: datetime | None = None
    ended_at: datetime | None = None
    end_reason: str | None = None
    participants: tuple[str, ...] = ()


class CallRepo(Protocol):
    async def start(self, call: Call) -> tuple[Call, bool]:
        """Insert `call` unless its chat has a running one; (the running call, created?)."""

    async def get(self, call_id: str) -> Call | None: ...

    async def running(self, chat_id: str) -> Call | None: ...

    async def join(self, call_id: str, user_id: str, now: datetime) -> tuple[Call, bool]:
        """Add a participant (idempotent); a second participant makes a ringing call active.
        Returns the call and whether the user was newly added."""

    async def leave(self, call_id: str, user_id: str) -> tuple[Call, bool]:
        """Remove a participant; returns the call and whether the user was in it."""

    async def end(self, call_id: str, now: datetime, reason: str) -> Call | None:
        """End a running call; None when it had ended already (someone else ended it)."""

    async def ringing_before(self, cutoff: datetime) -> Sequence[Call]: ...


class CallProvider(Protocol):
    """How a participant joins: Jitsi rooms with a token, or ICE servers for the 1:1 page."""

    kind: CallKind

    def room_name(self) -> str: ...

    def join_info(self, call: Call, user: dict[str, Any], moderator: bool) -> dict[str, Any]: ...
