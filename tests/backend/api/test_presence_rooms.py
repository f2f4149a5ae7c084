"""Presence in big rooms: members of a small chat still see each other come and go, while a chat
above `PARLEY_PRESENCE_ROOM_LIMIT` members carries no `presence` frames (its member list says who
is online), so a crowd coming online costs its members nothing per join."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from tests.conftest import MODES
from tests.support.client import Api, Socket, User
from tests.support.server import ServerProcess, poll

LIMIT = 3


@pytest.fixture(scope="module", params=MODES)
def server(
    request: pytest.FixtureRequest, server_factory: Callable[..., ServerProcess]
) -> ServerProcess:
    return server_factory(request.param, env={"PARLEY_PRESENCE_ROOM_LIMIT": str(LIMIT)})


def presence_of(sock: Socket, user: User) -> list[bool]:
    return [bool(f["online"]) for f in sock.of("presence") if f["user_id"] == user.id]


async def barrier(api: Api, sock: Socket, sender: User, room: str, text: str) -> None:
    """A message in the room, published after whatever came before it on the room's key."""
    r = await api.send(sender, room, text)
    assert r.status_code == 201, r.text
    await sock.until(
        lambda fs: any(
            f.get("message", {}).get("text") == text for f in sock.of("message.created")
        ),
        what=f"message {text!r}",
    )


async def online_in_listing(api: Api, viewer: User, room: str) -> dict[str, bool]:
    got = await api.http.get(f"/chats/{room}/members", headers=viewer.auth)
    assert got.status_code == 200, got.text
    return {r["user_id"]: bool(r["online"]) for r in got.json()["members"]}


async def test_big_room_is_silent_and_a_shared_small_chat_still_announces(
    api: Api, server: ServerProcess
) -> None:
    a, b, c, d = [await api.user() for _ in range(4)]
    await api.group(a, b, title="pair")  # 2 members: announced
    room = await api.group(a, b, c, d, title="crowd")  # 4 > LIMIT: silent
    sa = await Socket.connect(server.ws_url, a.access_token)
    others = [await Socket.connect(server.ws_url, u.access_token) for u in (b, c, d)]
    try:
        await sa.next("presence", user_id=b.id, online=True)
        await barrier(api, sa, d, room, "everyone is here")
        assert presence_of(sa, b) == [True], "one frame for b, though two chats are shared"
        assert presence_of(sa, c) == [] and presence_of(sa, d) == []
        listing = await online_in_listing(api, a, room)
        assert listing == {a.id: True, b.id: True, c.id: True, d.id: True}

        await others[1].close()  # c leaves: the room's list says so, no frame does
        listing = await poll(lambda: online_in_listing(api, a, room), lambda m: not m[c.id], 10)
        assert listing[c.id] is False
        await others[0].close()  # b leaves: announced in the pair
        await sa.next("presence", user_id=b.id, online=False)
        await barrier(api, sa, d, room, "c and b are gone")
        assert presence_of(sa, b) == [True, False]
        assert presence_of(sa, c) == [] and presence_of(sa, d) == []
    finally:
        await sa.close()
        for sock in others:
            await sock.close()
