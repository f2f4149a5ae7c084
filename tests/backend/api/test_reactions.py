"""Reactions through the real server, on both engine sets: a numbered chat event like an edit,
pushed in order, resumed by `seq`, and carried by the message as history reads it."""

from __future__ import annotations

import asyncio
from typing import Any
from urllib.parse import quote

import httpx

from tests.support.client import Api, Socket, User
from tests.support.server import ServerProcess

THUMBS = "👍"
FAMILY = "👨‍👩‍👧"  # three people joined by ZWJ: one emoji of five code points


def _url(chat: str, seq: int, emoji: str) -> str:
    return f"/chats/{chat}/messages/{seq}/reactions/{quote(emoji, safe='')}"


async def _react(api: Api, user: User, chat: str, seq: int, emoji: str) -> httpx.Response:
    return await api.http.put(_url(chat, seq, emoji), headers=user.auth)


async def _unreact(api: Api, user: User, chat: str, seq: int, emoji: str) -> httpx.Response:
    return await api.http.delete(_url(chat, seq, emoji), headers=user.auth)


async def _reactions(api: Api, user: User, chat: str, seq: int) -> dict[str, Any]:
    r = await api.history(user, chat)
    assert r.status_code == 200, r.text
    (message,) = [m for m in r.json()["messages"] if m["seq"] == seq]
    reactions: dict[str, Any] = message["reactions"]
    return reactions


async def _last_seq(api: Api, user: User, chat: str) -> int:
    r = await api.http.get(f"/chats/{chat}", headers=user.auth)
    assert r.status_code == 200, r.text
    return int(r.json()["chat"]["last_seq"])


async def test_a_reaction_is_pushed_and_read_back_with_the_message(
    api: Api, server: ServerProcess
) -> None:
    a, b = await api.user(), await api.user()
    chat = await api.group(a, b)
    assert (await api.send(a, chat, "lunch?")).status_code == 201
    sa = await Socket.connect(server.ws_url, a.access_token)
    try:
        r = await _react(api, b, chat, 1, THUMBS)
        assert r.status_code == 200, r.text
        assert r.json()["message"]["reactions"] == {THUMBS: [b.id]}
        pushed = await sa.next("reaction.added", chat_id=chat)
        assert pushed == {
            "type": "reaction.added",
            "chat_id": chat,
            "seq": 2,
            "message_seq": 1,
            "emoji": THUMBS,
            "user_id": b.id,
        }
        assert (await _react(api, a, chat, 1, THUMBS)).status_code == 200
        assert (await _react(api, a, chat, 1, FAMILY)).status_code == 200
        assert await _reactions(api, a, chat, 1) == {THUMBS: [b.id, a.id], FAMILY: [a.id]}

        r = await _unreact(api, b, chat, 1, THUMBS)
        assert r.status_code == 200, r.text
        removed = await sa.next("reaction.removed", chat_id=chat)
        assert (removed["seq"], removed["user_id"], removed["emoji"]) == (5, b.id, THUMBS)
        assert await _reactions(api, b, chat, 1) == {THUMBS: [a.id], FAMILY: [a.id]}
    finally:
        await sa.close()


async def test_reacting_again_or_removing_what_is_not_there_takes_no_seq(api: Api) -> None:
    a = await api.user()
    chat = await api.group(a)
    await api.send(a, chat, "x")
    assert (await _react(api, a, chat, 1, THUMBS)).status_code == 200
    before = await _last_seq(api, a, chat)
    again = await _react(api, a, chat, 1, THUMBS)
    assert again.status_code == 200
    assert again.json()["message"]["reactions"] == {THUMBS: [a.id]}
    assert (await _unreact(api, a, chat, 1, FAMILY)).status_code == 200
    assert await _last_seq(api, a, chat) == before


async def test_members_reacting_at_once_all_count(api: Api) -> None:
    """Each reaction is its own row, so concurrent reactions never overwrite each other."""
    users = [await api.user() for _ in range(6)]
    chat = await api.group(users[0], *users[1:])
    await api.send(users[0], chat, "vote")
    results = await asyncio.gather(*(_react(api, u, chat, 1, THUMBS) for u in users))
    assert [r.status_code for r in results] == [200] * 6
    got = await _reactions(api, users[0], chat, 1)
    assert sorted(got[THUMBS]) == sorted(u.id for u in users)
    assert await _last_seq(api, users[0], chat) == 7


async def test_resume_brings_the_reactions_missed_in_order(api: Api, server: ServerProcess) -> None:
    a, b = await api.user(), await api.user()
    chat = await api.group(a, b)
    await api.send(a, chat, "seen")
    sa = await Socket.connect(server.ws_url, a.access_token)
    assert {"chat_id": chat, "last_seq": 1} in sa.ready["chats"]
    await sa.close()

    assert (await _react(api, b, chat, 1, THUMBS)).status_code == 200
    r = await api.http.patch(f"/chats/{chat}/messages/1", headers=a.auth, json={"text": "edited"})
    assert r.status_code == 200
    assert r.json()["message"]["reactions"] == {THUMBS: [b.id]}  # an edit keeps them
    assert (await _react(api, b, chat, 1, FAMILY)).status_code == 200
    assert (await _unreact(api, b, chat, 1, THUMBS)).status_code == 200

    sa = await Socket.connect(
        server.ws_url, a.access_token, resume=[{"chat_id": chat, "last_seq": 1}]
    )
    try:
        resumed = await sa.next("resumed")
        assert resumed["chats"] == [{"chat_id": chat, "last_seq": 5}]
        got = [(f["type"], f["seq"]) for f in sa.frames if f.get("chat_id") == chat]
        assert got == [
            ("reaction.added", 2),
            ("message.updated", 3),
            ("reaction.added", 4),
            ("reaction.removed", 5),
        ]
        assert [f.get("emoji") for f in sa.frames if f.get("chat_id") == chat] == [
            THUMBS,
            None,
            FAMILY,
            THUMBS,
        ]
        assert "reactions" not in sa.of("message.updated", chat)[0]["message"]
    finally:
        await sa.close()
    assert await _reactions(api, a, chat, 1) == {FAMILY: [b.id]}


async def test_refused_reactions(api: Api) -> None:
    a, b, outsider = await api.user(), await api.user(), await api.user()
    chat = await api.group(a, b)
    await api.send(a, chat, "one")
    await api.send(a, chat, "two")
    assert (await api.http.delete(f"/chats/{chat}/messages/2", headers=a.auth)).status_code == 200

    r = await _react(api, outsider, chat, 1, THUMBS)
    assert (r.status_code, r.json()["code"]) == (404, "chat_not_found")
    r = await _react(api, b, chat, 2, THUMBS)  # deleted
    assert (r.status_code, r.json()["code"]) == (404, "message_not_found")
    r = await _react(api, b, chat, 99, THUMBS)  # no such message
    assert (r.status_code, r.json()["code"]) == (404, "message_not_found")
    for bad in ("ok", "👍👍", "\u200d", "👍 "):
        r = await _react(api, b, chat, 1, bad)
        assert (r.status_code, r.json()["code"]) == (422, "invalid_emoji"), bad
        assert r.headers["content-type"].startswith("application/problem+json")
    # a deleted message keeps no reactions in history
    assert (await _react(api, b, chat, 1, THUMBS)).status_code == 200
    assert (await api.http.delete(f"/chats/{chat}/messages/1", headers=a.auth)).status_code == 200
    assert await _reactions(api, a, chat, 1) == {}


async def test_a_message_holds_a_bounded_number_of_different_reactions(api: Api) -> None:
    a = await api.user()
    chat = await api.group(a)
    await api.send(a, chat, "x")
    emoji = [chr(0x1F600 + i) for i in range(21)]
    for e in emoji[:20]:
        assert (await _react(api, a, chat, 1, e)).status_code == 200
    r = await _react(api, a, chat, 1, emoji[20])
    assert (r.status_code, r.json()["code"]) == (409, "too_many_reactions")
    assert (await _react(api, a, chat, 1, emoji[0])).status_code == 200  # an existing one: fine
