"""Chats and membership, and that nothing of a chat reaches a non-member."""

from __future__ import annotations

import asyncio

from tests.support.client import Api, Socket
from tests.support.server import ServerProcess


async def test_direct_chat_is_one_per_pair(api: Api) -> None:
    a, b = await api.user(), await api.user()
    r1 = await api.http.post("/chats/direct", headers=a.auth, json={"user_id": b.id})
    r2 = await api.http.post("/chats/direct", headers=b.auth, json={"user_id": a.id})
    r3 = await api.http.post("/chats/direct", headers=a.auth, json={"user_id": b.id})
    assert r1.status_code == 201 and r2.status_code == r3.status_code == 200
    assert r1.json()["chat"]["id"] == r2.json()["chat"]["id"] == r3.json()["chat"]["id"]
    assert r1.json()["chat"]["kind"] == "direct"
    r = await api.http.post(
        f"/chats/{r1.json()['chat']['id']}/members",
        headers=a.auth,
        json={"user_id": (await api.user()).id},
    )
    assert (r.status_code, r.json()["code"]) == (403, "direct_chat")


async def test_chat_list_has_last_message_and_unread_count(api: Api) -> None:
    a, b = await api.user(), await api.user()
    chat = await api.group(a, b, title="Weekend")
    for text in ("one", "two", "three"):
        assert (await api.send(a, chat, text)).status_code == 201
    await api.send(b, chat, "mine")
    r = await api.http.get("/chats", headers=b.auth)
    (entry,) = [c for c in r.json()["chats"] if c["id"] == chat]
    assert entry["title"] == "Weekend"
    assert entry["unread_count"] == 3  # b's own message does not count
    assert entry["last_message"]["text"] == "mine"
    r = await api.http.post(f"/chats/{chat}/read", headers=b.auth, json={"seq": 2})
    assert r.json()["last_read_seq"] == 2
    r = await api.http.get(f"/chats/{chat}", headers=b.auth)
    assert r.json()["chat"]["unread_count"] == 1
    # A deleted message is no longer unread.
    assert (await api.http.delete(f"/chats/{chat}/messages/3", headers=a.auth)).status_code == 200
    r = await api.http.get(f"/chats/{chat}", headers=b.auth)
    assert r.json()["chat"]["unread_count"] == 0


async def test_members_add_by_username_and_roles(api: Api) -> None:
    owner, m1, m2 = await api.user(), await api.user(), await api.user()
    chat = await api.group(owner, m1)
    r = await api.http.post(
        f"/chats/{chat}/members", headers=m1.auth, json={"username": m2.username}
    )
    assert r.status_code == 201 and r.json()["member"]["user_id"] == m2.id
    r = await api.http.post(f"/chats/{chat}/members", headers=m1.auth, json={"user_id": m2.id})
    assert (r.status_code, r.json()["code"]) == (409, "already_member")
    members = (await api.http.get(f"/chats/{chat}/members", headers=m2.auth)).json()["members"]
    assert {m["user_id"]: m["role"] for m in members} == {
        owner.id: "owner",
        m1.id: "member",
        m2.id: "member",
    }
    # Only the owner appoints admins; an admin may then remove plain members.
    r = await api.http.patch(
        f"/chats/{chat}/members/{m1.id}", headers=m2.auth, json={"role": "admin"}
    )
    assert (r.status_code, r.json()["code"]) == (403, "not_owner")
    r = await api.http.patch(
        f"/chats/{chat}/members/{owner.id}", headers=owner.auth, json={"role": "member"}
    )
    assert (r.status_code, r.json()["code"]) == (422, "owner_role")
    r = await api.http.patch(
        f"/chats/{chat}/members/{m2.id}", headers=owner.auth, json={"role": "admin"}
    )
    assert r.json()["member"]["role"] == "admin"
    r = await api.http.delete(f"/chats/{chat}/members/{owner.id}", headers=m2.auth)
    assert (r.status_code, r.json()["code"]) == (403, "not_admin")
    r = await api.http.patch(
        f"/chats/{chat}/members/{m2.id}", headers=owner.auth, json={"role": "member"}
    )
    assert r.json()["member"]["role"] == "member"
    # A plain member cannot remove others; the owner can; anyone can leave.
    r = await api.http.delete(f"/chats/{chat}/members/{m2.id}", headers=m1.auth)
    assert (r.status_code, r.json()["code"]) == (403, "not_admin")
    assert (
        await api.http.delete(f"/chats/{chat}/members/{m2.id}", headers=owner.auth)
    ).status_code == 204
    assert (
        await api.http.delete(f"/chats/{chat}/members/{m1.id}", headers=m1.auth)
    ).status_code == 204
    members = (await api.http.get(f"/chats/{chat}/members", headers=owner.auth)).json()["members"]
    assert [m["user_id"] for m in members] == [owner.id]


async def test_non_member_gets_404_everywhere(api: Api) -> None:
    a, b, stranger = await api.user(), await api.user(), await api.user()
    chat = await api.group(a, b)
    await api.send(a, chat, "private")
    h = stranger.auth
    calls = [
        api.http.get(f"/chats/{chat}", headers=h),
        api.http.get(f"/chats/{chat}/members", headers=h),
        api.http.get(f"/chats/{chat}/messages", headers=h),
        api.http.post(
            f"/chats/{chat}/messages", headers=h, json={"client_msg_id": "x1", "text": "hi"}
        ),
        api.http.patch(f"/chats/{chat}/messages/1", headers=h, json={"text": "mine now"}),
        api.http.delete(f"/chats/{chat}/messages/1", headers=h),
        api.http.post(f"/chats/{chat}/read", headers=h, json={"seq": 1}),
        api.http.post(f"/chats/{chat}/members", headers=h, json={"user_id": stranger.id}),
        api.http.delete(f"/chats/{chat}/members/{a.id}", headers=h),
    ]
    for r in await asyncio.gather(*calls):
        assert (r.status_code, r.json()["code"]) == (404, "chat_not_found"), r.request.url
    history = (await api.history(a, chat)).json()["messages"]
    assert [m["text"] for m in history] == ["private"]


async def test_non_member_socket_receives_nothing_of_the_chat(
    api: Api, server: ServerProcess
) -> None:
    a, b, stranger = await api.user(), await api.user(), await api.user()
    chat = await api.group(a, b)
    sa = await Socket.connect(server.ws_url, a.access_token)
    ss = await Socket.connect(server.ws_url, stranger.access_token)
    try:
        await ss.send({"type": "typing", "chat_id": chat})
        await ss.send({"type": "resume", "chats": [{"chat_id": chat, "last_seq": 0}]})
        await api.send(a, chat, "secret")
        await sa.next("message.created", chat_id=chat)
        # A marker sent after everything else: once it arrives, anything of the chat would have too.
        own = await api.group(stranger, title="own")
        await api.send(stranger, own, "marker")
        await ss.next("message.created", chat_id=own)
        assert ss.of("message.created", chat) == [] and ss.of("typing", chat) == []
        assert [f["code"] for f in ss.of("error")] == ["chat_not_found", "chat_not_found"]
    finally:
        await sa.close()
        await ss.close()


async def test_removed_member_stops_receiving(api: Api, server: ServerProcess) -> None:
    owner, gone = await api.user(), await api.user()
    chat = await api.group(owner, gone)
    sg = await Socket.connect(server.ws_url, gone.access_token)
    try:
        await api.send(owner, chat, "before")
        await sg.next("message.created", chat_id=chat)
        assert (
            await api.http.delete(f"/chats/{chat}/members/{gone.id}", headers=owner.auth)
        ).status_code == 204
        await sg.next("member.removed", chat_id=chat, timeout=1.0)
        await api.send(owner, chat, "after")
        own = await api.group(gone, title="own")
        await api.send(gone, own, "marker")
        await sg.next("message.created", chat_id=own)
        texts = [f["message"]["text"] for f in sg.of("message.created", chat)]
        assert texts == ["before"]
        assert (await api.send(gone, chat, "still here?")).status_code == 404
    finally:
        await sg.close()


async def test_new_member_starts_receiving_live(api: Api, server: ServerProcess) -> None:
    owner, newcomer = await api.user(), await api.user()
    chat = await api.group(owner)
    sn = await Socket.connect(server.ws_url, newcomer.access_token)
    try:
        r = await api.http.post(
            f"/chats/{chat}/members", headers=owner.auth, json={"user_id": newcomer.id}
        )
        assert r.status_code == 201
        await sn.next("chat.created", chat_id=chat)
        await api.send(owner, chat, "welcome")
        frame = await sn.next("message.created", chat_id=chat)
        assert frame["message"]["text"] == "welcome"
    finally:
        await sn.close()
