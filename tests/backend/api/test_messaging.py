"""Live messaging over real sockets: order, exactly-once, idempotency, edits and deletions."""

from __future__ import annotations

import asyncio
import uuid

from tests.support.client import Api, Socket
from tests.support.server import ServerProcess


def created(sock: Socket, chat: str) -> list[dict]:
    return sock.of("message.created", chat)


async def test_two_users_every_message_once_in_seq_order(api: Api, server: ServerProcess) -> None:
    a, b = await api.user(), await api.user()
    chat = await api.group(a, b)
    sa = await Socket.connect(server.ws_url, a.access_token)
    sb = await Socket.connect(server.ws_url, b.access_token)
    try:
        acks = {}
        for i in range(20):
            sender = sa if i % 2 == 0 else sb
            cid = f"c{i}-{uuid.uuid4().hex[:6]}"
            await sender.send(
                {"type": "message.send", "chat_id": chat, "client_msg_id": cid, "text": f"m{i}"}
            )
            ack = await sender.next("message.ack", client_msg_id=cid)
            acks[cid] = ack["seq"]
        for sock in (sa, sb):
            await sock.until(
                lambda f: len([x for x in f if x.get("type") == "message.created"]) >= 20,
                what="20 messages",
            )
            frames = created(sock, chat)
            assert [f["seq"] for f in frames] == list(range(1, 21))
            assert [f["message"]["text"] for f in frames] == [f"m{i}" for i in range(20)]
            assert {f["message"]["client_msg_id"]: f["seq"] for f in frames} == acks
    finally:
        await sa.close()
        await sb.close()


async def test_200_concurrent_sends_from_4_senders_have_no_gaps(
    api: Api, server: ServerProcess
) -> None:
    senders = [await api.user() for _ in range(4)]
    listener = await api.user()
    chat = await api.group(senders[0], *senders[1:], listener)
    sl = await Socket.connect(server.ws_url, listener.access_token)
    try:
        results = await asyncio.gather(
            *(api.send(senders[i % 4], chat, f"n{i}") for i in range(200))
        )
        assert all(r.status_code == 201 for r in results)
        seqs = sorted(r.json()["message"]["seq"] for r in results)
        assert seqs == list(range(1, 201))
        await sl.until(lambda f: len(created(sl, chat)) >= 200, timeout=20, what="200 deliveries")
        assert [f["seq"] for f in created(sl, chat)] == list(range(1, 201))
        by_seq = {r.json()["message"]["seq"]: r.json()["message"]["text"] for r in results}
        assert [f["message"]["text"] for f in created(sl, chat)] == [
            by_seq[s] for s in range(1, 201)
        ]
    finally:
        await sl.close()


async def test_same_client_msg_id_five_times_makes_one_message(api: Api) -> None:
    a = await api.user()
    chat = await api.group(a)
    results = await asyncio.gather(*(api.send(a, chat, "once", cid="dup-1") for _ in range(5)))
    assert sorted(r.status_code for r in results) == [200, 200, 200, 200, 201]
    assert len({r.json()["message"]["id"] for r in results}) == 1
    history = (await api.history(a, chat)).json()["messages"]
    assert [m["text"] for m in history] == ["once"]
    r = await api.send(a, chat, "different text", cid="dup-1")
    assert (r.status_code, r.json()["code"]) == (409, "client_msg_id_reused")


async def test_socket_send_is_idempotent_too(api: Api, server: ServerProcess) -> None:
    a = await api.user()
    chat = await api.group(a)
    sa = await Socket.connect(server.ws_url, a.access_token)
    try:
        for _ in range(3):
            await sa.send(
                {
                    "type": "message.send",
                    "chat_id": chat,
                    "client_msg_id": "ws-dup",
                    "text": "hello",
                }
            )
        await sa.until(lambda f: len(sa.of("message.ack")) >= 3, what="3 acks")
        assert {f["seq"] for f in sa.of("message.ack")} == {1}
        # A later message is published after anything the retries could have published.
        await sa.send(
            {"type": "message.send", "chat_id": chat, "client_msg_id": "ws-after", "text": "x"}
        )
        await sa.until(
            lambda f: len(created(sa, chat)) >= 1 and created(sa, chat)[-1]["seq"] == 2,
            what="the later message",
        )
        assert [f["seq"] for f in created(sa, chat)] == [1, 2]
    finally:
        await sa.close()


async def test_history_pages_before_and_after(api: Api) -> None:
    a = await api.user()
    chat = await api.group(a)
    for i in range(1, 26):
        await api.send(a, chat, f"h{i}")
    latest = (await api.history(a, chat, limit=10)).json()
    assert [m["seq"] for m in latest["messages"]] == list(range(16, 26)) and latest["has_more"]
    older = (await api.history(a, chat, limit=10, before=16)).json()
    assert [m["seq"] for m in older["messages"]] == list(range(6, 16)) and older["has_more"]
    oldest = (await api.history(a, chat, limit=10, before=6)).json()
    assert [m["seq"] for m in oldest["messages"]] == [1, 2, 3, 4, 5] and not oldest["has_more"]
    newer = (await api.history(a, chat, limit=10, after=20)).json()
    assert [m["seq"] for m in newer["messages"]] == [21, 22, 23, 24, 25] and not newer["has_more"]


async def test_edit_and_delete_are_events_with_their_own_seq(
    api: Api, server: ServerProcess
) -> None:
    a, b = await api.user(), await api.user()
    chat = await api.group(a, b)
    sb = await Socket.connect(server.ws_url, b.access_token)
    try:
        await api.send(a, chat, "first draft")
        r = await api.http.patch(
            f"/chats/{chat}/messages/1", headers=a.auth, json={"text": "final"}
        )
        assert r.status_code == 200 and r.json()["message"]["edited_at"]
        r = await api.http.patch(
            f"/chats/{chat}/messages/1", headers=b.auth, json={"text": "hijack"}
        )
        assert (r.status_code, r.json()["code"]) == (403, "not_sender")
        r = await api.http.delete(f"/chats/{chat}/messages/1", headers=a.auth)
        assert r.status_code == 200 and r.json()["message"]["deleted"]
        updated = await sb.next("message.updated", chat_id=chat)
        deleted = await sb.next("message.deleted", chat_id=chat)
        assert (updated["seq"], updated["message"]["seq"], updated["message"]["text"]) == (
            2,
            1,
            "final",
        )
        assert (deleted["seq"], deleted["message"]["text"], deleted["message"]["deleted"]) == (
            3,
            None,
            True,
        )
        (tomb,) = (await api.history(b, chat)).json()["messages"]
        assert tomb["deleted"] and tomb["text"] is None and tomb["attachments"] == []
        r = await api.http.delete(f"/chats/{chat}/messages/1", headers=a.auth)
        assert (r.status_code, r.json()["code"]) == (404, "message_not_found")
    finally:
        await sb.close()


async def test_typing_and_read_markers_reach_the_others(api: Api, server: ServerProcess) -> None:
    a, b = await api.user(), await api.user()
    chat = await api.group(a, b)
    sa = await Socket.connect(server.ws_url, a.access_token)
    sb = await Socket.connect(server.ws_url, b.access_token)
    try:
        await sa.send({"type": "typing", "chat_id": chat})
        typing = await sb.next("typing", chat_id=chat)
        assert typing["user_id"] == a.id
        await api.send(a, chat, "read me")
        await api.http.post(f"/chats/{chat}/read", headers=b.auth, json={"seq": 1})
        read = await sa.next("read", chat_id=chat)
        assert (read["user_id"], read["seq"]) == (b.id, 1)
        assert sa.of("typing") == []  # nobody hears their own typing
    finally:
        await sa.close()
        await sb.close()


async def test_presence_goes_online_and_offline(api: Api, server: ServerProcess) -> None:
    a, b = await api.user(), await api.user()
    chat = await api.group(a, b)
    sa = await Socket.connect(server.ws_url, a.access_token)
    try:
        sb = await Socket.connect(server.ws_url, b.access_token)
        on = await sa.next("presence", user_id=b.id, online=True)
        assert on["online"] is True
        await sb.close()
        off = await sa.next("presence", user_id=b.id, online=False)
        assert str(off["last_seen_at"]).endswith("Z")
        got = await api.http.get(f"/chats/{chat}/members", headers=a.auth)
        rows = got.json()["members"]
        by_id = {r["user_id"]: r for r in rows}
        assert by_id[a.id]["online"] is True and by_id[a.id]["last_seen_at"] is None
        assert by_id[b.id]["online"] is False and by_id[b.id]["last_seen_at"].endswith("Z")
    finally:
        await sa.close()
