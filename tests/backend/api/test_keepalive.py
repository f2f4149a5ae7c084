"""The replica's one keepalive: a peer that stops answering pings is dropped (its chat partners see
it go offline, and it gets 1011 when it reads again), while a live socket outlasts many rounds."""

from __future__ import annotations

from collections.abc import Callable

from tests.support.client import Api, Socket
from tests.support.server import ServerProcess

CLOSE_PONG_TIMEOUT = 1011


async def test_a_silent_peer_is_dropped_and_a_live_one_kept(
    server_factory: Callable[..., ServerProcess],
) -> None:
    srv = server_factory("embedded", env={"PARLEY_WS_PING_INTERVAL": "0.3"})
    api = Api(srv.url)
    try:
        a, b = await api.user(), await api.user()
        await api.group(a, b)
        live = await Socket.connect(srv.ws_url, a.access_token)
        dead = await Socket.connect(srv.ws_url, b.access_token)
        await live.next("presence", user_id=b.id, online=True)
        # The peer's machine vanishes: nothing it is sent is read, so no pong comes back.
        dead.ws.transport.pause_reading()
        await live.next("presence", timeout=15.0, user_id=b.id, online=False)
        dead.ws.transport.resume_reading()
        assert await dead.closed(timeout=15.0) == CLOSE_PONG_TIMEOUT
        # The live socket answered every round meanwhile and still works.
        await live.send({"type": "ping"})
        await live.next("pong")
        await live.close()
    finally:
        await api.close()
