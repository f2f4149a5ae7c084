"""One user of the cluster and fault tests, driven by the desktop's own realtime client.

`desktop.core.realtime.RealtimeClient` (no Qt) does what a user's app does: it reconnects with
backoff, resumes every chat from the highest `seq` it has seen (in the `auth` frame), and keeps
every send in its outbox until acknowledged, re-sending it with the same `client_msg_id`. This
handler only records what it is told, so the tests prove the product's client, not a second one:
each chat's messages by `seq`, acknowledgements, sends refused for good, and the figures the
cluster reports (reconnect time, delivery latency, events out of order, repeats).
"""

from __future__ import annotations

import asyncio
import contextlib
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

import httpx

from desktop.core.backoff import Backoff
from desktop.core.positions import Positions
from desktop.core.realtime import RealtimeClient
from desktop.core.wire import JSON


@dataclass
class Ack:
    chat_id: str
    seq: int
    id: str


@dataclass
class Stats:
    reconnect_s: list[float] = field(default_factory=list)
    latencies_s: list[float] = field(default_factory=list)
    longest_pause_s: float = 0.0
    resyncs: int = 0
    gaps: int = 0  # `gap` frames: a seq the server could not deliver
    failures: list[dict[str, Any]] = field(default_factory=list)  # sends refused for good
    errors: dict[str, int] = field(default_factory=dict)  # error frames, by code
    connections: int = 0


class Member:
    """A signed-in user: `start()`, `send()`, and what arrived, per chat, in `seq` order."""

    def __init__(self, base_url: str, user_id: str, token: str) -> None:
        self.base_url = base_url
        self.user_id = user_id
        self._token = token
        self.positions = Positions()
        self.messages: dict[str, dict[int, dict[str, Any]]] = {}  # chat -> seq -> message
        self.pending: set[str] = set()  # client_msg_ids not acknowledged yet
        self.acks: dict[str, Ack] = {}
        self.stats = Stats()
        self.connected = asyncio.Event()
        self.measure_pauses = False
        self._lost_at: float | None = None
        self._last_delivery: float | None = None
        self._tasks: set[asyncio.Task[Any]] = set()
        self._http = httpx.AsyncClient(base_url=f"{base_url}/api/v1", timeout=15.0)
        self.client = RealtimeClient(base_url, self._tokens, self, backoff=Backoff(0.1, cap=2.0))
        self._run: asyncio.Task[None] | None = None

    async def _tokens(self, fresh: bool) -> str:
        return self._token

    # -- life cycle ---------------------------------------------------------------------------

    def start(self) -> None:
        self._run = asyncio.create_task(self.client.run(), name=f"member-{self.user_id}")

    async def stop(self) -> None:
        await self.client.stop()
        for task in [self._run, *self._tasks]:
            if task is not None:
                task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        if self._run is not None:
            await asyncio.gather(self._run, return_exceptions=True)
        await self._http.aclose()

    async def send(self, chat_id: str, text: str) -> str:
        cid = uuid.uuid4().hex
        self.pending.add(cid)
        await self.client.send_message(chat_id, cid, text)
        return cid

    def history(self, chat_id: str) -> list[str]:
        """Message ids this user holds for a chat, in seq order."""
        held = self.messages.get(chat_id, {})
        return [held[s]["id"] for s in sorted(held)]

    @property
    def counters(self) -> Any:
        """Repeats and events out of order, as the desktop's positions count them."""
        return self.positions.counters

    # -- RealtimeHandler ----------------------------------------------------------------------

    def resume_cursor(self) -> list[JSON]:
        return self.positions.cursor()

    def on_ready(self, ready: JSON) -> None:
        for chat in ready.get("chats", []):
            # A chat seen for the first time starts where the server is: earlier history is REST's.
            self.positions.start(str(chat["chat_id"]), int(chat["last_seq"]))

    def on_connection(self, online: bool) -> None:
        if online:
            self.stats.connections += 1
            self.connected.set()
        else:
            self.connected.clear()
            self._lost_at = self._lost_at or time.monotonic()

    def on_session_expired(self) -> None:
        self.stats.errors["session_expired"] = self.stats.errors.get("session_expired", 0) + 1

    def on_ack(self, ack: JSON) -> None:
        cid = str(ack["client_msg_id"])
        self.pending.discard(cid)
        self.acks[cid] = Ack(str(ack["chat_id"]), int(ack["seq"]), str(ack["id"]))

    def on_send_failed(
        self, client_msg_id: str, code: str, detail: str, limit: int | None = None
    ) -> None:
        self.pending.discard(client_msg_id)
        self.stats.failures.append({"client_msg_id": client_msg_id, "code": code})
        self.stats.errors[code] = self.stats.errors.get(code, 0) + 1

    def on_event(self, frame: JSON) -> None:
        kind = str(frame.get("type", ""))
        chat_id = str(frame.get("chat_id", ""))
        if kind == "resumed" and self._lost_at is not None:
            self.stats.reconnect_s.append(time.monotonic() - self._lost_at)
            self._lost_at = None
        elif kind == "error":
            code = str(frame.get("code"))
            self.stats.errors[code] = self.stats.errors.get(code, 0) + 1
        elif kind == "resync":
            self._spawn(self._resync(chat_id, self.positions.last(chat_id) or 0))
        elif "seq" in frame and kind != "read":
            self._on_numbered(kind, chat_id, int(frame["seq"]), frame.get("message"))

    # -- inside -------------------------------------------------------------------------------

    def _on_numbered(self, kind: str, chat_id: str, seq: int, message: Any) -> None:
        if not self.positions.record(chat_id, seq):
            return  # a repeat (counted by the positions) or a chat not tracked
        if kind == "gap":
            self.stats.gaps += 1
        elif isinstance(message, dict):  # an edit or deletion replaces the message of its seq
            self.messages.setdefault(chat_id, {})[int(message["seq"])] = message
            if kind == "message.created":
                self._delivered(message)

    def _delivered(self, message: dict[str, Any]) -> None:
        now = time.monotonic()
        sent = _sent_at(message.get("text"))
        if sent is not None:
            self.stats.latencies_s.append(max(0.0, time.time() - sent))
        if self.measure_pauses and self._last_delivery is not None:
            self.stats.longest_pause_s = max(self.stats.longest_pause_s, now - self._last_delivery)
        self._last_delivery = now

    def _spawn(self, work: Any) -> None:
        task = asyncio.ensure_future(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _resync(self, chat_id: str, after: int) -> None:
        """Too far behind for a resume: page the chat's history over REST from where we were."""
        self.stats.resyncs += 1
        held = self.messages.setdefault(chat_id, {})
        with contextlib.suppress(httpx.HTTPError):
            while True:
                r = await self._http.get(
                    f"/chats/{chat_id}/messages",
                    params={"after": after, "limit": 100},
                    headers={"Authorization": f"Bearer {self._token}"},
                )
                r.raise_for_status()
                body = r.json()
                for m in body["messages"]:
                    if m["seq"] not in held:
                        held[m["seq"]] = m
                        self._delivered(m)
                    after = max(after, m["seq"])
                if not body["has_more"]:
                    break


def text_with_time(n: int) -> str:
    """A message text that carries its send time (wall clock, for latency across processes)."""
    return f"t={time.time():.6f} n={n}"


def _sent_at(text: object) -> float | None:
    if not isinstance(text, str) or not text.startswith("t="):
        return None
    try:
        return float(text[2:].split(" ", 1)[0])
    except ValueError:
        return None
