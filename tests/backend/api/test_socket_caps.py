"""Socket caps: a user's sockets and an address's unauthenticated sockets are bounded; beyond a
cap the oldest is closed with 4429 and the newest works."""

from __future__ import annotations

from collections.abc import Callable

import websockets

from tests.support.client import Api, Socket
from tests.support.server import ServerProcess

CLOSE_TOO_MANY = 4429


async def test_a_users_oldest_socket_is_closed_beyond_the_cap(
    server_factory: Callable[..., ServerProcess], mode: str
) -> None:
    srv = server_factory(mode, env={"PARLEY_WS_PER_USER": "3"})
    api = Api(srv.url)
    try:
        u, other = await api.user(), await api.user()
        first = await Socket.connect(srv.ws_url, u.access_token)
        rest = [await Socket.connect(srv.ws_url, u.access_token) for _ in range(3)]
        assert await first.closed() == CLOSE_TOO_MANY
        others = await Socket.connect(srv.ws_url, other.access_token)  # other users unaffected
        for sock in [*rest, others]:
            await sock.send({"type": "ping"})
            await sock.until(lambda _, s=sock: s.of("pong"), what="pong on a socket under the cap")
            await sock.close()
    finally:
        await api.close()


async def test_an_addresss_oldest_unauthenticated_socket_is_closed_beyond_the_cap(
    server_factory: Callable[..., ServerProcess],
) -> None:
    srv = server_factory("embedded", env={"PARLEY_WS_UNAUTH_PER_IP": "5"})
    api = Api(srv.url)
    try:
        u = await api.user()
        silent = [await websockets.connect(srv.ws_url) for _ in range(6)]
        await silent[0].wait_closed()
        assert silent[0].close_code == CLOSE_TOO_MANY
        # The newest are still open, and a client that signs in at once is served.
        assert all(ws.close_code is None for ws in silent[1:])
        sock = await Socket.connect(srv.ws_url, u.access_token)
        await sock.send({"type": "ping"})
        await sock.until(lambda _: sock.of("pong"), what="pong")
        await sock.close()
        for ws in silent[1:]:
            await ws.close()
    finally:
        await api.close()
