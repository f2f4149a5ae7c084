"""A WebSocket client that survives replicas going away, as the cluster tests (and the app) need.

It keeps one logical session over many sockets:
- reconnects with exponential backoff and full jitter (at once after a `reconnect` frame);
- resumes every chat from the highest `seq` it holds without a gap, so it gets exactly what it
  missed on whichever replica it lands, and reloads a chat over REST on `resync`;
- keeps every send until it is acknowledged and re-sends it with the same `client_msg_id` after a
  reconnect (or a transient error), so a send never fails because a replica went away;
- de-duplicates deliveries by `seq` and asks again (`resume`) for a gap that does not fill itself.

It measures what the issue asks for: reconnect time (connection lost → `resumed`), delivery
latency (first send → first delivery, the send time travels in the text) and the longest pause
between deliveries.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import random
import time
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import websockets
from websockets.asyncio.client import ClientConnection

log = logging.getLogger(__name__)

# Frame types that take a chat `seq` (typing, presence and read markers do not).
SEQ_TYPES = frozenset(
    {"message.created", "message.updated", "message.deleted", "member.added", "member.removed"}
)
# Errors after which the same send is tried again later; any other error is final.
# (The `*_unavailable` ones are 503s whose detail says "try again".)
TRANSIENT = frozenset(
    {
        "unavailable",
        "database_unavailable",
        "store_unavailable",
        "bus_unavailable",
        "presence_unavailable",
        "rate_limited",
        "too_many_inflight",
        "internal_error",
    }
)
GAP_RESUME_S = 1.0  # a hole in a chat's seqs not filled within this long is asked for again
RESEND_AFTER_S = 5.0  # an unacknowledged send on a live socket is sent again after this long


@dataclass
class Pending:
    chat_id: str
    client_msg_id: str
    text: str
    first_sent: float
    last_sent: float = 0.0
    attempts: int = 0


@dataclass
class Ack:
    chat_id: str
    seq: int
    id: str


@dataclass
class ChatState:
    contiguous: int  # every seq up to here is held
    messages: dict[int, dict[str, Any]] = field(default_factory=dict)  # seq -> message
    ahead: set[int] = field(default_factory=set)  # seqs held above a gap
    gap_since: float | None = None  # when the current hole opened
    asked_at: float = 0.0  # when we last asked for it again


@dataclass
class Stats:
    reconnect_s: list[float] = field(default_factory=list)
    latencies_s: list[float] = field(default_factory=list)
    longest_pause_s: float = 0.0
    duplicates: int = 0
    gaps_asked: int = 0
    resyncs: int = 0
    resends: int = 0
    failures: list[dict[str, Any]] = field(default_factory=list)  # sends that failed for good
    disconnects: dict[str, int] = field(default_factory=dict)
    errors: dict[str, int] = field(default_factory=dict)  # every error frame, by code
    early_frames: int = 0  # frames that arrived before `ready`
    out_of_order: int = 0  # events that arrived above a hole in their chat's seqs
    longest_hole_s: float = 0.0  # the longest time a hole stayed open


def backoff(attempt: int, base: float = 0.1, cap: float = 2.0) -> float:
    """Full jitter: uniform in [0, min(cap, base * 2**attempt)]."""
    return random.uniform(0, min(cap, base * 2**attempt))


class ResilientClient:
    def __init__(self, base_url: str, user_id: str, token: str) -> None:
        self.base_url = base_url
        self.ws_url = base_url.replace("http://", "ws://", 1) + "/api/v1/ws"
        self.user_id = user_id
        self.token = token
        self.chats: dict[str, ChatState] = {}
        self.pending: dict[str, Pending] = {}
        self.acks: dict[str, Ack] = {}
        self.stats = Stats()
        self.connected = asyncio.Event()
        self.measure_pauses = False
        self._ws: ClientConnection | None = None
        self._task: asyncio.Task[None] | None = None
        self._stopping = False
        self._lost_at: float | None = None
        self._last_delivery: float | None = None
        self._http = httpx.AsyncClient(base_url=f"{base_url}/api/v1", timeout=15.0)

    # ------------------------------------------------------------------ life cycle
    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name=f"client-{self.user_id}")

    async def stop(self) -> None:
        self._stopping = True
        if self._ws is not None:
            await self._ws.close()
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
        await self._http.aclose()

    async def _run(self) -> None:
        attempt = 0
        while not self._stopping:
            reason = "closed"
            try:
                ws = await websockets.connect(
                    self.ws_url, open_timeout=5, close_timeout=2, max_size=2**22
                )
            except (OSError, TimeoutError, websockets.InvalidHandshake) as exc:
                reason = f"connect: {type(exc).__name__}"
                ws = None
            if ws is not None:
                self._ws = ws
                try:
                    reason = await self._session(ws)
                    attempt = 0
                except websockets.ConnectionClosed as exc:
                    reason = f"closed {exc.rcvd.code if exc.rcvd else 'abnormally'}"
                except (OSError, TimeoutError) as exc:
                    reason = f"error: {type(exc).__name__}"
                finally:
                    self.connected.clear()
                    self._ws = None
                    with contextlib.suppress(Exception):
                        await ws.close()
            if self._stopping:
                return
            if self._lost_at is None:
                self._lost_at = time.monotonic()
            self.stats.disconnects[reason] = self.stats.disconnects.get(reason, 0) + 1
            # A replica that said `reconnect` is going away on purpose: come back at once.
            delay = random.uniform(0, 0.05) if reason == "reconnect" else backoff(attempt)
            attempt += 1
            await asyncio.sleep(delay)

    async def _session(self, ws: ClientConnection) -> str:
        await ws.send(json.dumps({"type": "auth", "token": self.token}))
        # Live events may overtake `ready` (the replica subscribes before it reads positions):
        # keep them and handle them after it; de-duplication by seq makes that safe.
        early: list[dict[str, Any]] = []
        while (ready := json.loads(await asyncio.wait_for(ws.recv(), 10))).get("type") != "ready":
            early.append(ready)
            self.stats.early_frames += 1
        for chat in ready["chats"]:
            # A chat seen for the first time starts where the server is: earlier history is REST's.
            self.chats.setdefault(chat["chat_id"], ChatState(contiguous=int(chat["last_seq"])))
        await ws.send(json.dumps({"type": "resume", "chats": self._positions()}))
        resumed = False
        frames = _chain(early, ws)
        async for frame in frames:
            kind = frame.get("type")
            if kind == "reconnect":
                self._lost_at = time.monotonic()
                return "reconnect"
            if kind == "resumed" and not resumed:  # later ones answer a gap's resume
                resumed = True
                if self._lost_at is not None:
                    self.stats.reconnect_s.append(time.monotonic() - self._lost_at)
                    self._lost_at = None
                self.connected.set()
                await self._flush(ws, everything=True)
            elif kind in SEQ_TYPES:
                self._on_event(frame)
            elif kind == "message.ack":
                self._on_ack(frame)
            elif kind == "error":
                self._on_error(frame)
            elif kind == "resync":
                await self._resync(str(frame["chat_id"]))
            await self._check_gaps(ws)
            await self._flush(ws, everything=False)
        return "closed"

    # ------------------------------------------------------------------ sending
    async def send(self, chat_id: str, text: str) -> str:
        """Queue a message; it is sent now if connected, else after the next resume."""
        cid = uuid.uuid4().hex
        now = time.monotonic()
        p = Pending(chat_id, cid, text, first_sent=now)
        self.pending[cid] = p
        ws = self._ws
        if ws is not None and self.connected.is_set():
            await self._send_one(ws, p)
        return cid

    async def _send_one(self, ws: ClientConnection, p: Pending) -> None:
        p.last_sent = time.monotonic()
        p.attempts += 1
        if p.attempts > 1:
            self.stats.resends += 1
        with contextlib.suppress(websockets.ConnectionClosed):
            await ws.send(
                json.dumps(
                    {
                        "type": "message.send",
                        "chat_id": p.chat_id,
                        "client_msg_id": p.client_msg_id,
                        "text": p.text,
                    }
                )
            )

    async def _flush(self, ws: ClientConnection, everything: bool) -> None:
        """After a resume: every unacknowledged send again. Otherwise: only the overdue ones."""
        now = time.monotonic()
        for p in list(self.pending.values()):
            if everything or (p.last_sent and now - p.last_sent > RESEND_AFTER_S):
                await self._send_one(ws, p)

    def _on_ack(self, frame: dict[str, Any]) -> None:
        cid = str(frame["client_msg_id"])
        self.pending.pop(cid, None)
        self.acks[cid] = Ack(str(frame["chat_id"]), int(frame["seq"]), str(frame["id"]))

    def _on_error(self, frame: dict[str, Any]) -> None:
        code = str(frame.get("code"))
        self.stats.errors[code] = self.stats.errors.get(code, 0) + 1
        cid = frame.get("client_msg_id")
        if not isinstance(cid, str) or cid not in self.pending:
            return
        if code in TRANSIENT or code.endswith("_unavailable"):
            self.pending[cid].last_sent = time.monotonic() - RESEND_AFTER_S + 0.2  # retry soon
            return
        p = self.pending.pop(cid)
        self.stats.failures.append(
            {"client_msg_id": cid, "chat_id": p.chat_id, "code": frame.get("code")}
        )

    # ------------------------------------------------------------------ receiving
    def _on_event(self, frame: dict[str, Any]) -> None:
        chat = self.chats.get(str(frame["chat_id"]))
        seq = int(frame["seq"])
        if chat is None or seq <= chat.contiguous or seq in chat.ahead:
            self.stats.duplicates += 1
            return
        now = time.monotonic()
        message = frame.get("message")
        if frame["type"] == "message.created" and isinstance(message, dict):
            chat.messages[seq] = message
            self._delivered(now, message)
        elif isinstance(message, dict):  # an edit or deletion replaces the message of its seq
            chat.messages[int(message["seq"])] = message
        if seq > chat.contiguous + 1:
            self.stats.out_of_order += 1
        chat.ahead.add(seq)
        while chat.contiguous + 1 in chat.ahead:
            chat.contiguous += 1
            chat.ahead.discard(chat.contiguous)
        if chat.ahead:
            chat.gap_since = chat.gap_since or now
        elif chat.gap_since is not None:
            self.stats.longest_hole_s = max(self.stats.longest_hole_s, now - chat.gap_since)
            chat.gap_since = None

    def _delivered(self, now: float, message: dict[str, Any]) -> None:
        sent = _sent_at(message.get("text"))
        if sent is not None:
            self.stats.latencies_s.append(max(0.0, time.time() - sent))
        if self.measure_pauses and self._last_delivery is not None:
            self.stats.longest_pause_s = max(self.stats.longest_pause_s, now - self._last_delivery)
        self._last_delivery = now

    async def _check_gaps(self, ws: ClientConnection) -> None:
        now = time.monotonic()
        stale = [
            cid
            for cid, c in self.chats.items()
            if c.gap_since is not None
            and now - c.gap_since > GAP_RESUME_S
            and now - c.asked_at > GAP_RESUME_S
        ]
        if stale:
            self.stats.gaps_asked += len(stale)
            for cid in stale:
                self.chats[cid].asked_at = now
            chats = [{"chat_id": cid, "last_seq": self.chats[cid].contiguous} for cid in stale]
            await ws.send(json.dumps({"type": "resume", "chats": chats}))

    async def _resync(self, chat_id: str) -> None:
        """Too far behind for a resume: page the chat's history over REST from where we are."""
        self.stats.resyncs += 1
        chat = self.chats[chat_id]
        after = chat.contiguous
        while True:
            r = await self._http.get(
                f"/chats/{chat_id}/messages",
                params={"after": after, "limit": 100},
                headers={"Authorization": f"Bearer {self.token}"},
            )
            r.raise_for_status()
            body = r.json()
            for m in body["messages"]:
                if m["seq"] not in chat.messages:
                    chat.messages[m["seq"]] = m
                    self._delivered(time.monotonic(), m)
                after = max(after, m["seq"])
            if not body["has_more"]:
                break
        chat.contiguous = max(chat.contiguous, after)
        chat.ahead = {s for s in chat.ahead if s > chat.contiguous}
        chat.gap_since = time.monotonic() if chat.ahead else None

    def _positions(self) -> list[dict[str, Any]]:
        return [{"chat_id": cid, "last_seq": c.contiguous} for cid, c in self.chats.items()]

    def history(self, chat_id: str) -> list[str]:
        """Message ids this client holds for a chat, in seq order."""
        chat = self.chats.get(chat_id)
        return [chat.messages[s]["id"] for s in sorted(chat.messages)] if chat else []


async def _chain(
    first: list[dict[str, Any]], ws: ClientConnection
) -> AsyncIterator[dict[str, Any]]:
    for frame in first:
        yield frame
    async for raw in ws:
        yield json.loads(raw)


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
