"""Engines failing under load: the API says so, acknowledges nothing it has not stored, and heals.

These tests stop and start the real engines through their scripts, so they run one at a time in
the session (pytest runs tests sequentially) and leave the engines running when they end.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

import httpx
import pytest

from tests.support.client import Api
from tests.support.engines import production_env, run_engine
from tests.support.member import Member, text_with_time
from tests.support.server import ServerProcess

pytestmark = [pytest.mark.engines, pytest.mark.slow]


async def until(check: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        await asyncio.sleep(0.05)


async def test_message_store_outage_refuses_sends_then_heals(
    server_factory: Callable[..., ServerProcess],
) -> None:
    srv = server_factory("embedded", env=production_env("esdown"))
    api = Api(srv.url)
    results: dict[str, httpx.Response] = {}
    stop = asyncio.Event()
    try:
        a = await api.user()
        chat = await api.group(a)

        async def sender() -> None:
            i = 0
            while not stop.is_set():
                cid = f"c{i}"
                results[cid] = await api.send(a, chat, f"m{i}", cid=cid)
                i += 1

        task = asyncio.create_task(sender())
        await until(lambda: len(results) >= 20, 60, "20 sends before the outage")
        await asyncio.to_thread(run_engine, "elasticsearch", "stop")
        failures = lambda: [c for c, r in results.items() if r.status_code != 201]  # noqa: E731
        await until(lambda: len(failures()) >= 5, 60, "sends refused during the outage")
        await asyncio.to_thread(run_engine, "elasticsearch", "start")
        seen = len(results)
        await until(
            lambda: any(r.status_code == 201 for r in list(results.values())[seen:]),
            120,
            "a send after recovery",
        )
        stop.set()
        await task

        failed = failures()
        assert {(results[c].status_code, results[c].json()["code"]) for c in failed} == {
            (503, "store_unavailable")
        }
        acked = {c for c, r in results.items() if r.status_code == 201}
        stored = await _history(api, a.auth, chat)
        assert acked <= {m["client_msg_id"] for m in stored}, "an acknowledged message is missing"
        # Retrying each refused send with its client_msg_id fills the seq it had taken.
        for cid in failed:
            r = await api.send(a, chat, f"m{cid[1:]}", cid=cid)
            assert r.status_code in (200, 201), r.text
        stored = await _history(api, a.auth, chat)
        assert [m["seq"] for m in stored] == list(range(1, len(results) + 1)), "a seq gap was left"
        assert sorted(m["client_msg_id"] for m in stored) == sorted(results)
    finally:
        stop.set()
        await asyncio.to_thread(run_engine, "elasticsearch", "start")
        await api.close()


async def _history(api: Api, auth: dict[str, str], chat: str) -> list[dict]:
    out: list[dict] = []
    after = 0
    while True:
        page = (
            await api.http.get(
                f"/chats/{chat}/messages", headers=auth, params={"after": after, "limit": 100}
            )
        ).json()
        out += page["messages"]
        if not page["has_more"]:
            return out
        after = out[-1]["seq"]


async def test_broker_restart_under_load_loses_nothing(
    server_factory: Callable[..., ServerProcess],
) -> None:
    env = production_env("mqdown")
    env.update({"PARLEY_JWT_SECRET": "broker-test-secret-" + "y" * 24, "PARLEY_JWT_KID": "k1"})
    replicas = [server_factory("embedded", env=dict(env)) for _ in range(2)]
    api = Api(replicas[0].url)
    clients: list[Member] = []
    try:
        a, b = await api.user(), await api.user()
        chat = await api.group(a, b)
        sender = Member(replicas[0].url, a.id, a.access_token)
        reader = Member(replicas[1].url, b.id, b.access_token)
        clients = [sender, reader]
        for c in clients:
            c.start()
            await asyncio.wait_for(c.connected.wait(), 30)
        n = 0

        async def send_for(seconds: float) -> None:
            nonlocal n
            end = time.monotonic() + seconds
            while time.monotonic() < end:
                await sender.send(chat, text_with_time(n))
                n += 1
                await asyncio.sleep(0.05)  # pacing the load at ~20 msg/s, not synchronisation

        await send_for(2)
        restart = asyncio.create_task(asyncio.to_thread(run_engine, "rabbitmq", "restart"))
        await send_for(4)
        await restart
        await send_for(3)
        await until(lambda: not sender.pending, 60, "every send acknowledged")
        acked = sorted(sender.acks.values(), key=lambda ack: ack.seq)
        await until(
            lambda: len(reader.history(chat)) >= len(acked), 60, "the reader to hold every message"
        )
        assert sender.stats.failures == []
        assert reader.history(chat) == [ack.id for ack in acked]
        assert len(set(reader.history(chat))) == len(acked) == n
        # Live delivery came back by itself: the last message reached the reader through the bus.
        before = len(reader.history(chat))
        await sender.send(chat, text_with_time(n))
        await until(
            lambda: len(reader.history(chat)) == before + 1, 10, "a live message after the restart"
        )
    finally:
        for c in clients:
            await c.stop()
        await api.close()


async def test_redis_restart_presence_and_limits_recover(
    server_factory: Callable[..., ServerProcess],
) -> None:
    env = production_env("rdown")
    env.update(
        {
            "PARLEY_PRESENCE_HEARTBEAT": "1",
            "PARLEY_LOGIN_PER_ACCOUNT": "3",
            "PARLEY_LOGIN_PER_PAIR": "3",  # the account counter delays; the pair one refuses
        }
    )
    srv = server_factory("embedded", env=env)
    api = Api(srv.url)
    try:
        a, b = await api.user(), await api.user()
        r = await api.http.post("/chats/direct", headers=a.auth, json={"user_id": b.id})
        chat = r.json()["chat"]["id"]
        peer = Member(srv.url, b.id, b.access_token)
        peer.start()
        await asyncio.wait_for(peer.connected.wait(), 30)

        async def b_online() -> bool:
            r = await api.http.get(f"/chats/{chat}", headers=a.auth)
            return r.status_code == 200 and r.json()["chat"]["online"] is True

        assert await b_online()
        await asyncio.to_thread(run_engine, "redis", "restart")
        restarted = time.monotonic()
        while not await b_online():
            assert time.monotonic() - restarted < 2 * 1.0 + 2.0, (
                "presence not back within two heartbeats"
            )
            await asyncio.sleep(0.1)
        codes = []
        for _ in range(4):
            r = await api.http.post(
                "/auth/login", json={"login": a.username, "password": "wrong password"}
            )
            codes.append(r.status_code)
        assert codes == [401, 401, 401, 429]
        assert int(r.headers["Retry-After"]) >= 1
        await peer.stop()
    finally:
        await api.close()
