"""Server lifecycle seen from clients: graceful shutdown and slow readers."""

from __future__ import annotations

import asyncio
import json
import re
from typing import Any

import httpx
import websockets

from tests.support.client import Api, Socket
from tests.support.server import ServerProcess


async def test_graceful_shutdown_tells_sockets_to_reconnect_and_finishes_sends(
    server_factory: Any,
    mode: str,
) -> None:
    srv: ServerProcess = server_factory(mode, env={"PARLEY_DRAIN_GRACE": "2"})
    api = Api(srv.url)
    try:
        a, b = await api.user(), await api.user()
        chat = await api.group(a, b)
        sb = await Socket.connect(srv.ws_url, b.access_token)
        # Sends in flight while the signal lands must all complete.
        sends = [asyncio.create_task(api.send(a, chat, f"in flight {i}")) for i in range(30)]
        srv.terminate()
        # Readiness turns off first (the balancer stops sending new clients), still alive...
        ready = await api.http.get(srv.url + "/readyz")
        while ready.status_code == 200:
            ready = await api.http.get(srv.url + "/readyz")
        assert (ready.status_code, ready.json()["code"]) == (503, "draining")
        assert (await api.http.get(srv.url + "/healthz")).status_code == 200
        assert sb.of("reconnect") == []
        # ...then, after the grace period, the sockets are told to go elsewhere.
        frame = await sb.next("reconnect", timeout=10)
        assert frame["type"] == "reconnect"
        results = await asyncio.gather(*sends, return_exceptions=True)
        ok = [r for r in results if isinstance(r, httpx.Response) and r.status_code == 201]
        assert len(ok) == 30, results
        assert await sb.closed() == 1012
        assert srv.wait(30) == 0
    finally:
        await api.close()
    # Everything acknowledged is there after a restart on the same data.
    again = ServerProcess(srv.data_dir, srv.env).start()
    api = Api(again.url)
    try:
        u = await api.login(a.username, a.password)
        texts = [m["text"] for m in (await api.history(u, chat, limit=100)).json()["messages"]]
        assert sorted(texts) == sorted(f"in flight {i}" for i in range(30))
    finally:
        await api.close()
        again.stop()


async def test_slow_reader_is_disconnected_with_resync_hint(server_factory: Any, mode: str) -> None:
    srv: ServerProcess = server_factory(mode, env={"PARLEY_WS_OUTBOX_FRAMES": "200"})
    api = Api(srv.url)
    try:
        a, slow = await api.user(), await api.user()
        chat = await api.group(a, slow)
        fast = await Socket.connect(srv.ws_url, a.access_token)
        # A reader that never reads: its TCP window fills, then its outbox on the server.
        ws = await websockets.connect(srv.ws_url, max_queue=1, max_size=2**22)
        await ws.send(json.dumps({"type": "auth", "token": slow.access_token}))
        # Two bytes a character: ~8 MB in 1,000 sends, in bursts of 20 (a reading client keeps
        # up with a 200-frame outbox): more than the socket buffers and the outbox of a client
        # that never reads can hold, sent well within the server's 20 s ping timeout (a client
        # that does not read does not answer pings either).
        text = "ш" * 3900
        for batch in range(50):
            await asyncio.gather(*(api.send(a, chat, f"{batch}.{j} {text}") for j in range(20)))
            if await _slow_closed(api, srv.url) > 0:
                break  # read at once: a close handshake left waiting too long is cut short
        closed_code = None
        try:
            while True:
                await asyncio.wait_for(ws.recv(), 10)
        except websockets.ConnectionClosed as exc:
            closed_code = exc.rcvd.code if exc.rcvd else None
        await ws.close()
        assert closed_code == 4408
        # Everyone else kept receiving.
        await fast.until(
            lambda f: len(fast.of("message.created")) >= 100, what="the fast reader's messages"
        )
        await fast.close()
    finally:
        await api.close()


async def _slow_closed(api: Api, base_url: str) -> float:
    """The server's count of sockets it let go for reading too slowly (`/metrics`)."""
    metrics = (await api.http.get(f"{base_url}/metrics")).text
    found = re.search(r"^parley_ws_slow_closed (\S+)$", metrics, re.M)
    return float(found.group(1)) if found else 0.0
