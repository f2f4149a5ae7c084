"""`CallRepo` on Tortoise: a chat's running call and its participants.

"One running call per chat" is a unique column (`running_key` = the chat id until the call ends),
so two replicas starting a call at once agree on one; ending is a conditional update, so exactly
one replica announces the end.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from backend.adapters.db.errors import translated
from backend.adapters.db.models import CallParticipantRow, CallRow
from backend.domain.calls import Call, CallKind, CallState


def _call(row: CallRow, participants: Sequence[str]) -> Call:
    return Call(
        id=row.id,
        chat_id=row.chat_id,
        kind=CallKind(row.kind),
        state=CallState(row.state),
        room=row.room,
        started_by=row.started_by,
        created_at=row.created_at,
        answered_at=row.answered_at,
        ended_at=row.ended_at,
        end_reason=row.end_reason,
        participants=tuple(participants),
    )


async def _participants(call_id: str) -> list[str]:
    rows = (
        await CallParticipantRow.filter(call_id=call_id)
        .order_by("id")
        .values_list("user_id", flat=True)
    )
    return [str(r) for r in rows]


@translated
class SqlCallRepo:
    async def _load(self, row: CallRow | None) -> Call | None:
        if row is None:
            return None
        return _call(row, await _participants(row.id))

    async def start(self, call: Call) -> tuple[Call, bool]:
        try:
            await CallRow.create(
                id=call.id,
                chat_id=call.chat_id,
                running_key=call.chat_id,
                kind=call.kind.value,
                state=call.state.value,
                room=call.room,
                started_by=call.started_by,
                created_at=call.created_at,
            )
        except IntegrityError:
            running = await self.running(call.chat_id)
            if running is None:  # it ended in between: try once more
                return await self.start(call)
            return running, False
        return call, True

    async def get(self, call_id: str) -> Call | None:
        return await self._load(await CallRow.get_or_none(id=call_id))

    async def running(self, chat_id: str) -> Call | None:
        return await self._load(await CallRow.get_or_none(running_key=chat_id))

    async def join(self, call_id: str, user_id: str, now: datetime) -> tuple[Call, bool]:
        added = True
        try:
            await CallParticipantRow.create(call_id=call_id, user_id=user_id, joined_at=now)
        except IntegrityError:
            added = False
        async with in_transaction():
            participants = await _participants(call_id)
            if len(participants) >= 2:
                await CallRow.filter(id=call_id, state=CallState.RINGING.value).update(
                    state=CallState.ACTIVE.value, answered_at=now
                )
        call = await self.get(call_id)
        assert call is not None
        return call, added

    async def leave(self, call_id: str, user_id: str) -> tuple[Call, bool]:
        removed = await CallParticipantRow.filter(call_id=call_id, user_id=user_id).delete()
        call = await self.get(call_id)
        assert call is not None
        return call, bool(removed)

    async def end(self, call_id: str, now: datetime, reason: str) -> Call | None:
        changed = await CallRow.filter(id=call_id, running_key__isnull=False).update(
            running_key=None, state=CallState.ENDED.value, ended_at=now, end_reason=reason
        )
        if not changed:
            return None
        await CallParticipantRow.filter(call_id=call_id).delete()
        return await self.get(call_id)

    async def ringing_before(self, cutoff: datetime) -> Sequence[Call]:
        rows = await CallRow.filter(
            state=CallState.RINGING.value, running_key__isnull=False, created_at__lt=cutoff
        ).limit(100)
        return [_call(r, []) for r in rows]
