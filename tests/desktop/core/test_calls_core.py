"""The call center's bookkeeping, without Qt or a server: frames in, listener calls out."""

from __future__ import annotations

import asyncio
from typing import Any

from desktop.core.calls import CallCenter, CallSession
from desktop.core.wire import JSON


class Transport:
    def __init__(self) -> None:
        self.gate = asyncio.Event()
        self.frames: list[JSON] = []

    async def get(self, path: str) -> JSON:
        return {"call": None}

    async def post(self, path: str) -> JSON:
        await self.gate.wait()
        call = {
            "id": "c1",
            "chat_id": "k",
            "kind": "p2p",
            "started_by": "me",
            "participants": ["me"],
        }
        return {"call": call, "ice_servers": []}

    async def send_frame(self, frame: JSON) -> bool:
        self.frames.append(frame)
        return True


class Listener:
    def __init__(self) -> None:
        self.calls: list[tuple[str, Any]] = []

    def ringing(self, chat_id: str, call: JSON, caller_id: str) -> None:
        self.calls.append(("ringing", caller_id))

    def running_changed(self, chat_id: str) -> None:
        self.calls.append(("running", chat_id))

    def joined(self, session: CallSession) -> None:
        self.calls.append(("joined", session.id))

    def ended(self, call_id: str, reason: str) -> None:
        self.calls.append(("ended", call_id))

    def signal(self, from_user_id: str, data: JSON) -> None:
        self.calls.append(("signal", data))

    def peer_joined(self, user_id: str) -> None:
        self.calls.append(("peer", user_id))


async def test_a_call_that_ended_before_our_reply_is_not_joined() -> None:
    transport, listener = Transport(), Listener()
    center = CallCenter(transport, lambda: "me", lambda: "Me")
    center.listener = listener
    starting = asyncio.ensure_future(center.start("k"))
    await asyncio.sleep(0)
    center.on_frame({"type": "call.ended", "call": {"id": "c1", "chat_id": "k"}, "reason": "x"})
    transport.gate.set()
    await starting
    assert center.active is None
    assert ("joined", "c1") not in listener.calls


async def test_ringing_only_for_calls_of_others_and_signals_only_for_ours() -> None:
    transport, listener = Transport(), Listener()
    center = CallCenter(transport, lambda: "me", lambda: "Me")
    center.listener = listener
    theirs = {"id": "c2", "chat_id": "k", "started_by": "bob", "participants": ["bob"]}
    center.on_frame({"type": "call.started", "call": theirs, "ringing": True})
    assert ("ringing", "bob") in listener.calls
    center.on_frame({"type": "call.signal", "call_id": "c2", "from_user_id": "bob", "data": {}})
    assert not [c for c in listener.calls if c[0] == "signal"]  # not in that call
    transport.gate.set()
    await center.start("k")
    assert await center.send_signal("bob", {"sdp": 1})
    assert transport.frames[-1] == {
        "type": "call.signal", "call_id": "c1", "to_user_id": "bob", "data": {"sdp": 1}
    }  # fmt: skip
