"""The `call.signal` frame: 1:1 WebRTC signalling relayed to another participant of the call."""

from __future__ import annotations

from typing import Any

from backend.bootstrap import Container
from backend.domain.errors import InvalidInput


async def relay_signal(frame: dict[str, Any], user_id: str, c: Container) -> None:
    call_id, to_user_id = frame.get("call_id"), frame.get("to_user_id")
    if not (isinstance(call_id, str) and isinstance(to_user_id, str)):
        raise InvalidInput("call.signal needs call_id and to_user_id.", code="invalid_input")
    if not (0 < len(call_id) <= 64 and 0 < len(to_user_id) <= 64):
        raise InvalidInput("call_id and to_user_id are 1 to 64 characters.", code="invalid_input")
    await c.calls.signal(user_id, call_id, to_user_id, frame.get("data"))
