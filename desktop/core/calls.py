"""Calls in the desktop core (no Qt): the chats' running calls, the one call we are in, and the
1:1 signalling relayed through the realtime client.

`CallCenter` learns about calls from the `call.*` frames the messenger hands it, talks to
`POST /chats/{id}/call` and `POST /calls/{id}/leave`, and tells a `CallListener` (the Qt side in
`desktop.ui.call`) what to show: a ringing call, a join banner, the call window, its end.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from desktop.core.errors import ApiError
from desktop.core.wire import JSON

log = logging.getLogger(__name__)

NEEDS_JITSI = "group_calls_need_jitsi"


class CallListener(Protocol):
    def ringing(self, chat_id: str, call: JSON, caller_id: str) -> None: ...
    def running_changed(self, chat_id: str) -> None: ...
    def joined(self, session: CallSession) -> None: ...
    def ended(self, call_id: str, reason: str) -> None: ...
    def signal(self, from_user_id: str, data: JSON) -> None: ...
    def peer_joined(self, user_id: str) -> None: ...


@dataclass
class CallSession:
    """The call this app is in, with what the server said about joining it."""

    call: JSON
    kind: str  # "p2p" | "jitsi"
    me: str
    ice_servers: list[JSON] = field(default_factory=list)
    jitsi: JSON = field(default_factory=dict)
    display_name: str = ""

    @property
    def id(self) -> str:
        return str(self.call["id"])

    @property
    def chat_id(self) -> str:
        return str(self.call["chat_id"])

    @property
    def peers(self) -> list[str]:
        return [str(p) for p in self.call.get("participants", []) if p != self.me]


class Transport(Protocol):
    """What the call center needs from the messenger's clients."""

    async def get(self, path: str) -> JSON: ...
    async def post(self, path: str) -> JSON: ...
    async def send_frame(self, frame: JSON) -> bool: ...


class CallCenter:
    def __init__(
        self, transport: Transport, me: Callable[[], str], name: Callable[[], str]
    ) -> None:
        self._transport = transport
        self._me = me
        self._name = name
        self.listener: CallListener | None = None
        self.running: dict[str, JSON] = {}  # chat id -> its running call
        self.active: CallSession | None = None
        self.needs_jitsi = False  # learnt from the server's refusal of a group call
        self._ended: list[str] = []  # recent call ids we saw end (a reply may come after that)

    async def start(self, chat_id: str) -> CallSession:
        """Start or join the chat's call (pressing Call, or Accept on a ringing one)."""
        try:
            data = await self._transport.post(f"/chats/{chat_id}/call")
        except ApiError as exc:
            if exc.code == NEEDS_JITSI:
                self.needs_jitsi = True
                self._changed(chat_id)
            raise
        call = dict(data["call"])
        session = CallSession(
            call,
            str(call["kind"]),
            self._me(),
            ice_servers=list(data.get("ice_servers") or []),
            jitsi=dict(data.get("jitsi") or {}),
            display_name=self._name(),
        )
        if session.id in self._ended:  # declined or ended while our request was on its way
            self._tell(lambda ls: ls.ended(session.id, "ended"))
            return session
        self.running[chat_id] = call
        self.active = session
        if self.listener is not None:
            self.listener.joined(session)
        return session

    async def load(self, chat_id: str) -> None:
        """Ask for the chat's running call: one may have started before we connected."""
        call = (await self._transport.get(f"/chats/{chat_id}/call")).get("call")
        if isinstance(call, dict):
            self.running[chat_id] = dict(call)
        else:
            self.running.pop(chat_id, None)
        self._changed(chat_id)

    async def decline(self, call_id: str) -> None:
        await self._transport.post(f"/calls/{call_id}/leave")

    async def hang_up(self) -> None:
        session, self.active = self.active, None
        if session is None:
            return
        try:
            await self._transport.post(f"/calls/{session.id}/leave")
        finally:
            if self.listener is not None:
                self.listener.ended(session.id, "hangup")

    def forget(self) -> None:
        """The session ended: drop what we knew (the server ends our calls by timeout/leave)."""
        self.active = None
        self.running.clear()
        self.needs_jitsi = False

    async def send_signal(self, to_user_id: str, data: JSON) -> bool:
        if self.active is None:
            return False
        frame = {"type": "call.signal", "call_id": self.active.id, "to_user_id": to_user_id}
        return await self._transport.send_frame({**frame, "data": data})

    def on_frame(self, frame: JSON) -> None:
        kind = str(frame.get("type", ""))
        if kind == "call.signal":
            self._on_signal(frame)
            return
        call = frame.get("call")
        if not isinstance(call, dict):
            return
        chat_id = str(call.get("chat_id", ""))
        if kind == "call.ended":
            self._on_ended(chat_id, call, str(frame.get("reason", "")))
            return
        self.running[chat_id] = dict(call)
        if self.active is not None and self.active.id == call.get("id"):
            self.active.call = dict(call)
            if kind == "call.joined" and frame.get("user_id") != self.active.me:
                self._tell(lambda ls: ls.peer_joined(str(frame.get("user_id"))))
        if kind == "call.started" and frame.get("ringing") and self._rings_me(call):
            self._tell(lambda ls: ls.ringing(chat_id, dict(call), str(call.get("started_by"))))
        self._changed(chat_id)

    def _rings_me(self, call: JSON) -> bool:
        return call.get("started_by") != self._me() and self.active is None

    def _on_ended(self, chat_id: str, call: JSON, reason: str) -> None:
        self._ended = [*self._ended[-63:], str(call.get("id"))]
        self.running.pop(chat_id, None)
        if self.active is not None and self.active.id == call.get("id"):
            self.active = None
        self._tell(lambda ls: ls.ended(str(call.get("id")), reason))
        self._changed(chat_id)

    def _on_signal(self, frame: JSON) -> None:
        if self.active is None or frame.get("call_id") != self.active.id:
            return
        data = frame.get("data")
        if isinstance(data, dict):
            self._tell(lambda ls: ls.signal(str(frame.get("from_user_id")), data))

    def _changed(self, chat_id: str) -> None:
        self._tell(lambda ls: ls.running_changed(chat_id))

    def _tell(self, what: Callable[[CallListener], Any]) -> None:
        if self.listener is not None:
            what(self.listener)


class MessengerTransport:
    """The messenger's REST and realtime clients, as the call center needs them."""

    def __init__(self, messenger: Any) -> None:
        self._m = messenger

    async def get(self, path: str) -> JSON:
        if self._m.rest is None:
            raise ApiError(0, "signed_out", "Sign in first.", "call")
        result: JSON = await self._m.rest.get(path, context="call")
        return result

    async def post(self, path: str) -> JSON:
        if self._m.rest is None:
            raise ApiError(0, "signed_out", "Sign in first.", "call")
        result: JSON = await self._m.rest.post(path, context="call")
        return result

    async def send_frame(self, frame: JSON) -> bool:
        realtime = self._m.realtime
        return realtime is not None and bool(await realtime.send_frame(frame))
