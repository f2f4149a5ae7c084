"""The realtime client against a real server: an offline outbox goes out in order, exactly once."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Callable
from typing import Any

import pytest

from desktop.core.backoff import Backoff
from desktop.core.realtime import MAX_INFLIGHT, RealtimeClient
from desktop.core.rest import RestClient
from desktop.core.wire import JSON
from tests.desktop.conftest import unique
from tests.support.server import ServerProcess

PASSWORD = "correct horse 1"


async def eventually(check: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        await asyncio.sleep(0.02)


class Handler:
    """Records what the realtime client reports."""

    def __init__(self) -> None:
        self.acks: list[JSON] = []
        self.failed: list[tuple[str, str]] = []
        self.events: list[JSON] = []
        self.online: list[bool] = []
        self.cursor: list[JSON] = []

    def resume_cursor(self) -> list[JSON]:
        return self.cursor

    def on_ready(self, ready: JSON) -> None:
        self.events.append(ready)

    def on_event(self, frame: JSON) -> None:
        self.events.append(frame)

    def on_ack(self, ack: JSON) -> None:
        self.acks.append(ack)

    def on_send_failed(
        self, client_msg_id: str, code: str, detail: str, limit: int | None = None
    ) -> None:
        self.failed.append((client_msg_id, code))

    def on_connection(self, online: bool) -> None:
        self.online.append(online)

    def on_session_expired(self) -> None:
        raise AssertionError("the session should not expire here")


@pytest.mark.slow
async def test_offline_outbox_is_delivered_in_order_exactly_once(
    server_factory: Callable[..., ServerProcess],
) -> None:
    srv = server_factory("embedded")
    rest = RestClient(srv.url)
    name = unique("rt")
    await rest.register(name, f"{name}@example.org", PASSWORD, "")
    await rest.login(name, PASSWORD)
    chat = await rest.create_chat("outbox", [])
    await asyncio.to_thread(srv.stop)

    handler = Handler()

    async def token(fresh: bool) -> str:
        return await rest.access_token()

    client = RealtimeClient(srv.url, token, handler, backoff=Backoff(base=0.05, cap=0.3))
    running = asyncio.create_task(client.run())
    count = 2 * MAX_INFLIGHT + 8  # more than the server lets one socket have in flight
    ids = [uuid.uuid4().hex for _ in range(count)]
    for i, cid in enumerate(ids):
        await client.send_message(chat.id, cid, f"queued {i}")
    assert not client.online and len(client.queued) == count

    await asyncio.to_thread(srv.start)
    await eventually(lambda: len(handler.acks) == count, 30, "every queued message acknowledged")
    assert client.queued == [] and handler.failed == []
    assert [a["client_msg_id"] for a in handler.acks] == ids
    seqs = [a["seq"] for a in handler.acks]
    assert seqs == sorted(seqs) and len(set(seqs)) == count

    messages, _ = await rest.history(chat.id, limit=100)
    assert [m.text for m in messages] == [f"queued {i}" for i in range(count)]
    assert [m.client_msg_id for m in messages] == ids

    await client.stop()
    await asyncio.wait_for(running, 10)
    await rest.aclose()


async def test_a_message_the_server_refuses_is_reported_not_retried(
    desktop_server: ServerProcess,
) -> None:
    rest = RestClient(desktop_server.url)
    name = unique("rt")
    await rest.register(name, f"{name}@example.org", PASSWORD, "")
    await rest.login(name, PASSWORD)
    handler = Handler()

    async def token(fresh: bool) -> str:
        return await rest.access_token()

    client = RealtimeClient(desktop_server.url, token, handler)
    running = asyncio.create_task(client.run())
    await eventually(lambda: client.online, 10, "connected")
    await client.send_message("no-such-chat", "c1", "hello?")
    await eventually(lambda: bool(handler.failed), 10, "the refusal")
    assert handler.failed[0][0] == "c1" and client.queued == []
    await client.stop()
    await asyncio.wait_for(running, 10)
    await rest.aclose()


def _unused(_: Any) -> None: ...


async def test_connecting_resumes_from_the_highest_seq_seen_in_order_once(
    desktop_server: ServerProcess,
) -> None:
    rest = RestClient(desktop_server.url)
    name = unique("rt")
    await rest.register(name, f"{name}@example.org", PASSWORD, "")
    await rest.login(name, PASSWORD)
    chat = await rest.create_chat("resume", [])
    sent = [await rest.send(chat.id, uuid.uuid4().hex, f"m{i}") for i in range(6)]
    handler = Handler()
    handler.cursor = [{"chat_id": chat.id, "last_seq": sent[1].seq}]  # seen up to the second

    async def token(fresh: bool) -> str:
        return await rest.access_token()

    client = RealtimeClient(desktop_server.url, token, handler)
    running = asyncio.create_task(client.run())
    await eventually(lambda: any(e.get("type") == "resumed" for e in handler.events), 10, "resumed")
    kinds = [e["type"] for e in handler.events]
    assert kinds[0] == "ready" and kinds[-1] == "resumed"
    replayed = [e["seq"] for e in handler.events if e["type"] == "message.created"]
    assert replayed == [m.seq for m in sent[2:]]  # what was missed, in order, each once
    await client.stop()
    await asyncio.wait_for(running, 10)
    await rest.aclose()


@pytest.mark.slow
async def test_an_expired_access_token_is_refreshed_before_the_socket_gives_up(
    server_factory: Callable[..., ServerProcess],
) -> None:
    srv = server_factory("embedded", env={"PARLEY_ACCESS_TTL": "1"})
    rest = RestClient(srv.url)
    name = unique("rt")
    await rest.register(name, f"{name}@example.org", PASSWORD, "")
    await rest.login(name, PASSWORD)
    stale = await rest.access_token()

    async def refused() -> bool:
        r = await rest._http.get("/me", headers={"Authorization": f"Bearer {stale}"})
        return r.status_code == 401

    deadline = time.monotonic() + 15
    while not await refused():  # the one-second token runs out
        assert time.monotonic() < deadline, "the access token never expired"
        await asyncio.sleep(0.1)

    handler = Handler()
    asked_fresh: list[bool] = []

    async def token(fresh: bool) -> str:
        asked_fresh.append(fresh)
        if fresh:
            await rest.refresh(stale_access=rest._access)
        return await rest.access_token()

    client = RealtimeClient(srv.url, token, handler, backoff=Backoff(base=0.05, cap=0.3))
    running = asyncio.create_task(client.run())
    await eventually(lambda: client.online, 15, "connected with a refreshed token")
    assert asked_fresh[:2] == [False, True]
    await client.stop()
    await asyncio.wait_for(running, 10)
    await rest.aclose()


@pytest.mark.slow
async def test_the_socket_renews_its_token_and_outlives_many_token_lifetimes(
    server_factory: Callable[..., ServerProcess],
) -> None:
    """Access tokens live 3 s here; the server closes a socket at its token's expiry unless it
    hears a fresh one. One connection stays up for more than three lifetimes and still delivers."""
    ttl = 3
    srv = server_factory("embedded", env={"PARLEY_ACCESS_TTL": str(ttl)})
    me, peer = RestClient(srv.url), RestClient(srv.url)
    names = [unique("ra"), unique("rb")]
    for rest, name in zip((me, peer), names, strict=True):
        await rest.register(name, f"{name}@example.org", PASSWORD, "")
    await me.login(names[0], PASSWORD)
    peer_user = await peer.login(names[1], PASSWORD)
    chat = await me.create_chat("renewing", [peer_user.id])

    async def token(fresh: bool) -> str:
        if fresh:
            await me.refresh(stale_access=me._access)
        return await me.access_token()

    handler = Handler()
    client = RealtimeClient(srv.url, token, handler, backoff=Backoff(base=0.05, cap=0.3))
    running = asyncio.create_task(client.run())
    try:
        await eventually(lambda: client.online, 15, "connected")
        connected = time.time()
        await eventually(
            lambda: client.reauthentications >= 4 and time.time() > connected + 3 * ttl + 1,
            60,
            "three token lifetimes with renewals",
        )
        await peer.send(chat.id, uuid.uuid4().hex[:16], "still there?")
        await eventually(
            lambda: any(
                e.get("type") == "message.created" and e["message"]["text"] == "still there?"
                for e in handler.events
            ),
            15,
            "the message on the same socket",
        )
        assert client.connections == 1  # never dropped and reconnected
        assert handler.online == [True]
    finally:
        await client.stop()
        await asyncio.wait_for(running, 10)
        await me.aclose()
        await peer.aclose()
