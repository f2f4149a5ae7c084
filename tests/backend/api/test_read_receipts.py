"""Read receipts: a member's read marker reaches the others live, and is in the member listing
a client reads when it opens the chat (both engine sets)."""

from __future__ import annotations

from tests.support.client import Api, Socket
from tests.support.server import ServerProcess


async def test_others_read_positions_reach_a_member_live_and_at_open(
    api: Api, server: ServerProcess
) -> None:
    a, b = await api.user(), await api.user()
    chat = await api.group(a, b)
    for text in ("one", "two", "three"):
        assert (await api.send(a, chat, text)).status_code == 201
    sa = await Socket.connect(server.ws_url, a.access_token)
    try:
        r = await api.http.post(f"/chats/{chat}/read", headers=b.auth, json={"seq": 2})
        assert r.status_code == 200
        read = await sa.next("read", chat_id=chat, user_id=b.id)
        assert read["seq"] == 2
    finally:
        await sa.close()
    r = await api.http.get(f"/chats/{chat}/members", headers=a.auth)
    assert r.status_code == 200
    markers = {m["user_id"]: m["last_read_seq"] for m in r.json()["members"]}
    assert markers[b.id] == 2
    # A marker never moves back: an older position is ignored.
    r = await api.http.post(f"/chats/{chat}/read", headers=b.auth, json={"seq": 1})
    assert r.json()["last_read_seq"] == 2
