"""One user's bad sends never fail another user's: malformed ids are refused before they are
queued, so the shared write transaction only ever holds well-formed requests."""

from __future__ import annotations

import asyncio
import uuid

from tests.support.client import Api, Socket
from tests.support.server import ServerProcess

BAD_CHAT_IDS = ["x" * 33, "y" * 48, "z" * 64, "bad id with spaces", "ünïcödé"]


async def _flood(sock: Socket, stop: asyncio.Event, chat: str) -> int:
    """About 40 frames a second of sends no store could hold."""
    sent = 0
    while not stop.is_set():
        bad = BAD_CHAT_IDS[sent % len(BAD_CHAT_IDS)]
        frame = {"type": "message.send", "chat_id": bad, "client_msg_id": f"b{sent}", "text": "x"}
        if sent % 3 == 2:  # a good chat with a client_msg_id no column could hold
            frame = {**frame, "chat_id": chat, "client_msg_id": "c" * 65}
        await sock.send(frame)
        sent += 1
        await asyncio.sleep(0.025)  # pacing the attacker, not synchronising the test
    return sent


async def test_bad_sends_at_40_per_second_fail_nobody_else(api: Api, server: ServerProcess) -> None:
    attacker, alice, bob = await api.user(), await api.user(), await api.user()
    mine = await api.group(attacker, title="attacker's")
    theirs = await api.group(alice, bob)
    bad = await Socket.connect(server.ws_url, attacker.access_token)
    good = await Socket.connect(server.ws_url, bob.access_token)
    stop = asyncio.Event()
    flood = asyncio.create_task(_flood(bad, stop, mine))
    try:
        rest = [api.send(alice, theirs, f"rest {i}") for i in range(60)]
        cids = [uuid.uuid4().hex for _ in range(30)]
        for i, cid in enumerate(cids):
            await good.send(
                {"type": "message.send", "chat_id": theirs, "client_msg_id": cid, "text": f"{i}"}
            )
        responses = await asyncio.gather(*rest)
        assert [r.status_code for r in responses] == [201] * 60
        for cid in cids:
            ack = await good.next("message.ack", client_msg_id=cid)
            assert ack["chat_id"] == theirs
        assert not good.of("error")
    finally:
        stop.set()
        sent = await flood
    await bad.until(
        lambda f: len([x for x in f if x.get("type") == "error"]) >= sent, what="errors"
    )
    codes = {f["code"] for f in bad.of("error")}
    assert codes <= {"chat_not_found", "invalid_input", "invalid_client_msg_id"}, codes
    page = (await api.history(bob, theirs, limit=100)).json()["messages"]
    assert len(page) == 90
    await bad.close()
    await good.close()
