"""Reconnect and resume: a client gets exactly what it missed, in order, or is told to resync."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

from tests.support.client import Api, Socket
from tests.support.server import ServerProcess


async def test_resume_brings_missed_messages_edits_and_deletions_in_order(
    api: Api, server: ServerProcess
) -> None:
    a, b = await api.user(), await api.user()
    chat = await api.group(a, b)
    await api.send(a, chat, "seen before going away")
    sb = await Socket.connect(server.ws_url, b.access_token)
    (pos,) = [c for c in sb.ready["chats"] if c["chat_id"] == chat]
    last_seen = pos["last_seq"]
    assert last_seen == 1
    await sb.close()

    for i in range(50):
        assert (await api.send(a, chat, f"missed {i}")).status_code == 201
    for seq in (2, 3, 4):
        assert (
            await api.http.patch(
                f"/chats/{chat}/messages/{seq}", headers=a.auth, json={"text": f"edited {seq}"}
            )
        ).status_code == 200
    for seq in (5, 6):
        assert (
            await api.http.delete(f"/chats/{chat}/messages/{seq}", headers=a.auth)
        ).status_code == 200

    sb = await Socket.connect(server.ws_url, b.access_token)
    try:
        await sb.send({"type": "resume", "chats": [{"chat_id": chat, "last_seq": last_seen}]})
        resumed = await sb.next("resumed")
        assert resumed["chats"] == [{"chat_id": chat, "last_seq": 56}]
        events = [
            f
            for f in sb.frames
            if f.get("chat_id") == chat and "seq" in f and f["type"].startswith("message.")
        ]
        assert [f["seq"] for f in events] == list(range(2, 57))
        types = [f["type"] for f in events]
        assert types == ["message.created"] * 50 + ["message.updated"] * 3 + ["message.deleted"] * 2
        assert [f["message"]["seq"] for f in events[50:]] == [2, 3, 4, 5, 6]
        # Events carry the message as it is now: a deleted one comes as a tombstone everywhere.
        assert events[3]["message"]["deleted"] and events[3]["message"]["text"] is None
        assert events[1]["message"]["text"] == "edited 3"
    finally:
        await sb.close()


async def test_resume_with_nothing_missed_is_empty(api: Api, server: ServerProcess) -> None:
    a = await api.user()
    chat = await api.group(a)
    sa = await Socket.connect(server.ws_url, a.access_token)
    try:
        await api.send(a, chat, "x")
        await sa.next("message.created", chat_id=chat)  # seen live
        await sa.send({"type": "resume", "chats": [{"chat_id": chat, "last_seq": 1}]})
        resumed = await sa.next("resumed")
        assert resumed["chats"] == [{"chat_id": chat, "last_seq": 1}]
        assert len(sa.of("message.created")) == 1  # the resume sent nothing again
    finally:
        await sa.close()


async def test_client_too_far_behind_gets_resync(server_factory: Any, mode: str) -> None:
    srv: ServerProcess = server_factory(mode, env={"PARLEY_RESUME_MAX_EVENTS": "10"})
    api = Api(srv.url)
    try:
        a = await api.user()
        chat = await api.group(a)
        for i in range(25):
            await api.send(a, chat, f"m{i}", cid=uuid.uuid4().hex)
        sa = await Socket.connect(srv.ws_url, a.access_token)
        await sa.send(
            {
                "type": "resume",
                "chats": [{"chat_id": chat, "last_seq": 5}, {"chat_id": chat, "last_seq": 20}],
            }
        )
        await sa.next("resumed")
        assert sa.of("resync") == [{"type": "resync", "chat_id": chat}]
        # (a set: on a bus, the last send's live publish may still land after this socket bound)
        assert {f["seq"] for f in sa.of("message.created", chat)} == {21, 22, 23, 24, 25}
        await sa.close()
    finally:
        await api.close()


async def test_positions_in_auth_resume_then_go_live_with_no_hole_or_repeat(
    api: Api, server: ServerProcess
) -> None:
    """The seam: the replay of what was missed, then live events, each `seq` once, in order."""
    a, b = await api.user(), await api.user()
    chat = await api.group(a, b)
    for i in range(10):
        assert (await api.send(a, chat, f"missed {i}")).status_code == 201

    async def keep_sending() -> None:
        for i in range(20):
            assert (await api.send(a, chat, f"live {i}")).status_code == 201

    sender = asyncio.create_task(keep_sending())
    sb = await Socket.connect(
        server.ws_url, b.access_token, resume=[{"chat_id": chat, "last_seq": 3}]
    )
    try:
        await sender
        await sb.next("message.created", chat_id=chat, seq=30)
        seqs = [f["seq"] for f in sb.frames if f.get("type") == "message.created"]
        assert seqs == list(range(4, 31))
        assert sb.frames[0]["type"] == "ready"
        assert len(sb.of("resumed")) == 1
    finally:
        await sb.close()
