"""Two server processes on the production engines: one messenger, whichever process a user is on."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator, Callable

import httpx
import pytest

from tests.support.client import Api, Socket
from tests.support.engines import production_env
from tests.support.server import ServerProcess

pytestmark = pytest.mark.engines


@pytest.fixture(scope="module")
def replicas(server_factory: Callable[..., ServerProcess]) -> list[ServerProcess]:
    env = production_env("rep")
    env.update({"PARLEY_JWT_SECRET": "replica-test-secret-" + "x" * 24, "PARLEY_JWT_KID": "k1"})
    # Launched at once: three replicas race to migrate one fresh database (a named lock orders
    # them), then each is waited for.
    launched = [server_factory("embedded", env=dict(env), wait=False) for _ in range(3)]
    return [srv.wait_ready() for srv in launched]


@pytest.fixture
async def apis(replicas: list[ServerProcess]) -> AsyncIterator[list[Api]]:
    clients = [Api(r.url) for r in replicas]
    yield clients
    for c in clients:
        await c.close()


def bus_received(server: ServerProcess) -> int:
    text = httpx.get(f"{server.url}/metrics", timeout=5).text
    match = re.search(r"^parley_bus_events_received (\S+)$", text, re.M)
    assert match, "metric missing"
    return int(float(match.group(1)))


async def test_users_on_different_replicas_see_each_other(
    replicas: list[ServerProcess], apis: list[Api]
) -> None:
    a, b = await apis[0].user(), await apis[1].user()
    chat = await apis[0].group(a, b)
    sa = await Socket.connect(replicas[0].ws_url, a.access_token)
    sb = await Socket.connect(replicas[1].ws_url, b.access_token)
    try:
        await sa.next("presence", user_id=b.id, online=True)
        await sa.send(
            {
                "type": "message.send",
                "chat_id": chat,
                "client_msg_id": "x1",
                "text": "from replica 0",
            }
        )
        got = await sb.next("message.created", chat_id=chat)
        assert got["message"]["text"] == "from replica 0"
        r = await apis[1].http.patch(
            f"/chats/{chat}/messages/1", headers=a.auth, json={"text": "edited on 1"}
        )
        assert r.status_code == 200
        assert (await sb.next("message.updated", chat_id=chat))["message"]["text"] == "edited on 1"
        await sb.send({"type": "typing", "chat_id": chat})
        assert (await sa.next("typing", chat_id=chat))["user_id"] == b.id
        await apis[1].http.post(f"/chats/{chat}/read", headers=b.auth, json={"seq": 2})
        assert (await sa.next("read", chat_id=chat))["seq"] == 2
        await sb.close()
        await sa.next("presence", user_id=b.id, online=False)
    finally:
        await sa.close()


async def test_a_replica_gets_no_events_of_chats_its_users_are_not_in(
    replicas: list[ServerProcess], apis: list[Api]
) -> None:
    a, b, outsider = await apis[0].user(), await apis[1].user(), await apis[2].user()
    chat = await apis[0].group(a, b)
    sa = await Socket.connect(replicas[0].ws_url, a.access_token)
    sb = await Socket.connect(replicas[1].ws_url, b.access_token)
    so = await Socket.connect(replicas[2].ws_url, outsider.access_token)
    try:
        before = bus_received(replicas[2])
        for i in range(30):
            assert (await apis[0].send(a, chat, f"n{i}")).status_code == 201
        await sb.until(
            lambda f: len(sb.of("message.created", chat)) >= 30, what="30 messages on replica 1"
        )
        # A marker through replica 2's own user proves its queue is flowing before we count.
        own = await apis[2].group(outsider, title="own")
        await apis[2].send(outsider, own, "marker")
        await so.next("message.created", chat_id=own)
        received = bus_received(replicas[2]) - before
        # Exactly its own user's two events: `chat.created` for "own" and the marker message.
        assert received == 2, (
            f"replica 2 got {received} events; only its own user's 2 were expected"
        )
    finally:
        for s in (sa, sb, so):
            await s.close()


async def test_seq_is_gapless_when_replicas_write_one_chat_at_once(apis: list[Api]) -> None:
    users = [await apis[i % 3].user() for i in range(6)]
    chat = await apis[0].group(users[0], *users[1:])
    results = await asyncio.gather(
        *(apis[i % 3].send(users[i % 6], chat, f"c{i}") for i in range(240))
    )
    assert [r.status_code for r in results] == [201] * 240
    assert sorted(r.json()["message"]["seq"] for r in results) == list(range(1, 241))
    page = (await apis[2].history(users[0], chat, limit=100)).json()
    assert [m["seq"] for m in page["messages"]] == list(range(141, 241))


async def test_edits_and_deletions_on_different_replicas_resurrect_nothing(
    apis: list[Api],
) -> None:
    """Each edit is stored by one replica and its racing deletion by another, so the two
    message-store writes land in either order; every deleted message stays deleted."""
    edits, deletes = apis[0], apis[1]
    u = await edits.user()
    chat = await edits.group(u)
    seqs = [
        (await edits.send(u, chat, f"original {i}")).json()["message"]["seq"] for i in range(30)
    ]

    async def race(seq: int) -> tuple[int, int]:
        edit, delete = await asyncio.gather(
            edits.http.patch(f"/chats/{chat}/messages/{seq}", headers=u.auth, json={"text": "new"}),
            deletes.http.delete(f"/chats/{chat}/messages/{seq}", headers=u.auth),
        )
        return edit.status_code, delete.status_code

    outcomes = await asyncio.gather(*(race(s) for s in seqs))
    assert all(d == 200 and e in (200, 404) for e, d in outcomes), outcomes
    for reader in apis:  # whichever replica a user reads from
        page = (await reader.history(u, chat, limit=100)).json()["messages"]
        alive = [m["seq"] for m in page if not m["deleted"] or m["text"] is not None]
        assert alive == []
