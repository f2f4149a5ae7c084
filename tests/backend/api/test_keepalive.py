"""The replica's one keepalive: a peer that stops answering pings is dropped (its chat partners see
it go offline, and it gets 1011 when it reads again), while a live socket outlasts many rounds."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tests.bench.wsproxy import Tamper, serve
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


async def test_pings_keep_coming_while_a_socket_is_busy_with_events(
    server_factory: Callable[..., ServerProcess],
) -> None:
    """A ping rides along with a socket's next write of events: in a stream of messages the
    socket still gets a ping every round, between whole frames, and every message once in order."""
    srv = server_factory("embedded", env={"PARLEY_WS_PING_INTERVAL": "0.3"})
    api = Api(srv.url)
    watch = Tamper()
    proxy = await serve(srv.port, watch)
    url = f"ws://127.0.0.1:{proxy.sockets[0].getsockname()[1]}/api/v1/ws"
    try:
        a, b = await api.user(), await api.user()
        chat_id = await api.group(a, b)
        sock = await Socket.connect(url, b.access_token)
        sent = 0
        while watch.pings < 3:  # three rounds while messages stream
            assert sent < 2000, f"only {watch.pings} pings in {sent} messages"
            r = await api.send(a, chat_id, f"m{sent}")
            assert r.status_code == 201, r.text
            sent += 1
        await sock.until(lambda f: len(sock_seqs(f, chat_id)) >= sent, what="every message")
        seqs = sock_seqs(sock.frames, chat_id)
        assert seqs == sorted(set(seqs)) and len(seqs) == sent
        await sock.send({"type": "ping"})
        await sock.next("pong")
        await sock.close()
    finally:
        proxy.close()
        await api.close()


def sock_seqs(frames: list[dict[str, Any]], chat_id: str) -> list[int]:
    return [
        int(f["seq"])
        for f in frames
        if f.get("type") == "message.created" and f.get("chat_id") == chat_id
    ]
