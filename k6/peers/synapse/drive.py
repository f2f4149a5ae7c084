"""The max scenario against Synapse, driven from Python (asyncio + one httpx client).

One httpx client per member, as every member is its own app: one shared pool of ~130
connections made httpcore's pool scan (quadratic in requests in flight) 15 % of the driver's CPU.

Why not k6: a k6 HTTP request blocks its VU, so a member's long-poll /sync and its sending loops
would be separate VUs, and "delivered" (every other member's /sync returned the event) would have
to be pieced together from per-VU metrics afterwards. Here one process sees both sides: each send
holds the set of members still owed it, and every /sync response strikes its recipient off.

The senders are spread over the users as realtime.js spreads them (CONCURRENCY loops over USERS),
and each sends its next event as soon as the last PUT returned. Latency runs from just before the
PUT to the /sync response that carried the event, per recipient.
"""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
from parleybench.scenarios import Timing

from peers.synapse.seed import CLIENT, Member

# A lean filter: only message events, no presence, receipts or account data. It spares Synapse
# work a full client would cost it, so the ratio it gives is, if anything, kind to Synapse.
SYNC_FILTER = json.dumps(
    {
        "room": {
            "timeline": {"limit": 1000, "types": ["m.room.message"]},
            "state": {"lazy_load_members": True, "types": []},
            "ephemeral": {"not_types": ["*"]},
            "account_data": {"not_types": ["*"]},
        },
        "presence": {"not_types": ["*"]},
        "account_data": {"not_types": ["*"]},
    },
    separators=(",", ":"),
)
POLL_MS = 30_000


@dataclass
class Send:
    at: float
    owed: set[str]
    in_window: bool = False


@dataclass
class Tally:
    window: tuple[float, float]
    sends: dict[str, Send] = field(default_factory=dict)
    acked: int = 0
    errors: dict[str, int] = field(default_factory=dict)
    latencies_ms: list[float] = field(default_factory=list)
    ack_ms: list[float] = field(default_factory=list)
    expected: int = 0
    delivered: int = 0
    limited: int = 0
    sync_errors: int = 0
    cpu_s: dict[str, float] = field(default_factory=dict)

    def in_window(self, at: float) -> bool:
        return self.window[0] <= at < self.window[1]

    def error(self, code: str) -> None:
        self.errors[code] = self.errors.get(code, 0) + 1


def loops_for(index: int, users: int, concurrency: int) -> int:
    """realtime.js's spread: CONCURRENCY loops over the users, the first ones getting one more."""
    return concurrency // users + (1 if index < concurrency % users else 0)


async def initial_since(http: httpx.AsyncClient, m: Member) -> str:
    params = {"filter": SYNC_FILTER, "timeout": "0"}
    r = await http.get(f"{CLIENT}/sync", params=params, headers=m.auth)
    token: str = r.raise_for_status().json()["next_batch"]
    return token


def _strike(tally: Tally, recipient: str, events: list[dict[str, Any]], now: float) -> None:
    for ev in events:
        key = str(ev.get("content", {}).get("body", ""))
        send = tally.sends.get(key)
        if send is None or recipient not in send.owed:
            continue
        send.owed.discard(recipient)
        if send.in_window:
            tally.delivered += 1
            tally.latencies_ms.append((now - send.at) * 1000)


async def sync_loop(http: httpx.AsyncClient, m: Member, since: str, tally: Tally) -> None:
    while True:
        params = {"filter": SYNC_FILTER, "timeout": str(POLL_MS), "since": since}
        try:
            r = await http.get(f"{CLIENT}/sync", params=params, headers=m.auth)
            r.raise_for_status()
        except httpx.HTTPError:
            tally.sync_errors += 1
            continue
        now = time.monotonic()
        body = r.json()
        since = body["next_batch"]
        for room in body.get("rooms", {}).get("join", {}).values():
            timeline = room.get("timeline", {})
            tally.limited += bool(timeline.get("limited"))
            _strike(tally, m.user_id, timeline.get("events", []), now)


async def send_loop(
    http: httpx.AsyncClient, m: Member, peers: set[str], tally: Tally, until: float
) -> None:
    while time.monotonic() < until:
        key = f"bench|{uuid.uuid4().hex}"
        at = time.monotonic()
        send = tally.sends[key] = Send(at, set(peers), tally.in_window(at))
        url = f"{CLIENT}/rooms/{m.room_id}/send/m.room.message/{uuid.uuid4().hex}"
        try:
            r = await http.put(url, json={"msgtype": "m.text", "body": key}, headers=m.auth)
        except httpx.HTTPError as exc:
            send.in_window = False
            tally.error(type(exc).__name__)
            continue
        if r.status_code != 200:
            send.in_window = False
            tally.error(str(r.status_code))
            continue
        if send.in_window:
            tally.ack_ms.append((time.monotonic() - at) * 1000)
            tally.acked += 1
            tally.expected += len(peers)


async def _cpu_window(tally: Tally, probe: Callable[[], dict[str, float]]) -> None:
    """CPU-seconds of each process over the measured window, read at its two edges."""
    await asyncio.sleep(max(0.0, tally.window[0] - time.monotonic()))
    before = probe()
    await asyncio.sleep(max(0.0, tally.window[1] - time.monotonic()))
    after = probe()
    tally.cpu_s = {k: round(after[k] - before[k], 2) for k in before}


async def drive(
    clients: dict[str, httpx.AsyncClient],
    members: list[Member],
    concurrency: int,
    timing: Timing,
    probe: Callable[[], dict[str, float]],
) -> Tally:
    """`clients` maps each member to its own client: every member is its own app."""
    since = await asyncio.gather(*(initial_since(clients[m.user_id], m) for m in members))
    t0 = time.monotonic()
    start = t0 + timing.connect_s + timing.warmup_s
    tally = Tally(window=(start, start + timing.duration_s))
    rooms: dict[str, set[str]] = {}
    for m in members:
        rooms.setdefault(m.room_id, set()).add(m.user_id)
    polls = [
        asyncio.create_task(sync_loop(clients[m.user_id], m, s, tally))
        for m, s in zip(members, since, strict=True)
    ]
    cpu = asyncio.create_task(_cpu_window(tally, probe))
    await asyncio.sleep(timing.connect_s)  # the long polls are parked before the first send
    senders = [
        send_loop(clients[m.user_id], m, rooms[m.room_id] - {m.user_id}, tally, tally.window[1])
        for i, m in enumerate(members)
        for _ in range(loops_for(i, len(members), concurrency))
    ]
    await asyncio.gather(*senders)
    await cpu
    await asyncio.sleep(timing.drain_s)
    for p in polls:
        p.cancel()
    await asyncio.gather(*polls, return_exceptions=True)
    return tally
