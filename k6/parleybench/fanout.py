"""The kernel's own fan-out limit, measured beside the big room in the same run.

A writer process sends one pre-built WebSocket text frame (unmasked, the size of a bench
`message.created`) to each of N loopback TCP sockets, R times a second, and a reader process
drains all N with one epoll loop and counts the bytes, so every delivery is checked. The writer's
CPU over its sending window gives raw deliveries per CPU-second three times: with a plain
`socket.send` per socket (the system call alone), and with `transport.write` of asyncio's and of
uvloop's loop (what the server calls), so the server's figure is judged against what this kernel
and this Python allow.

Run as a script, this file is either side (`writer` or `reader`); `measure` starts both.
"""

from __future__ import annotations

import asyncio
import json
import selectors
import socket
import subprocess
import sys
import time
from typing import Any

PAYLOAD = (
    '{"type":"message.created","chat_id":"0123456789abcdef0123456789abcdef","seq":123456,'
    '"message":{"id":"0123456789abcdef0123456789abcdef","chat_id":"0123456789abcdef0123456789'
    'abcdef","seq":123456,"sender_id":"0123456789abcdef0123456789abcdef","client_msg_id":"k6-1'
    '-1-abcdefgh","text":"bench|1764600000000|1|1","created_at":"2026-12-01T21:00:00.000000+00:'
    '00","edited_at":null,"deleted":false,"file":null}}'
)
# uvloop's transport is the one Sanic runs on when uvloop is installed (it is here).
MODES = ("send", "asyncio", "uvloop")


def frame(text: str = PAYLOAD) -> bytes:
    """An unmasked text frame as a server writes it (FIN, opcode 1, 16-bit length if needed)."""
    data = text.encode()
    n = len(data)
    head = bytes([0x81, n]) if n < 126 else bytes([0x81, 126]) + n.to_bytes(2, "big")
    return head + data


def _send_plain(socks: list[socket.socket], wire: bytes, events: int, gap: float) -> float:
    """One `send` per socket per event; returns the CPU-seconds of the sending."""
    cpu0 = time.process_time()
    due = time.monotonic()
    for _ in range(events):
        for s in socks:
            if s.send(wire) != len(wire):
                raise RuntimeError("a loopback send was short: the reader fell behind")
        due += gap
        time.sleep(max(0.0, due - time.monotonic()))
    return time.process_time() - cpu0


async def _send_asyncio(socks: list[socket.socket], wire: bytes, events: int, gap: float) -> float:
    loop = asyncio.get_running_loop()
    transports = [
        # A duplicate each: the transport owns (and closes) it, the connection stays for the next.
        (await loop.connect_accepted_socket(asyncio.Protocol, s.dup()))[0]
        for s in socks
    ]
    cpu0 = time.process_time()
    due = time.monotonic()
    for _ in range(events):
        for t in transports:
            t.write(wire)
        due += gap
        await asyncio.sleep(max(0.0, due - time.monotonic()))
    used = time.process_time() - cpu0
    for t in transports:
        t.close()
    return used


def writer(sockets: int, rate: float, seconds: float) -> None:
    """Accept `sockets` connections, then send in each mode; the figures go to stdout as JSON."""
    server = socket.create_server(("127.0.0.1", 0), backlog=sockets)
    print(server.getsockname()[1], flush=True)
    socks = [server.accept()[0] for _ in range(sockets)]
    server.close()
    for s in socks:
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        s.setblocking(False)
    wire, events, gap = frame(), max(1, int(rate * seconds)), 1.0 / rate
    out: dict[str, float] = {"events": events, "frame_bytes": len(wire)}
    out["send_cpu_s"] = _send_plain(socks, wire, events, gap)
    out["asyncio_cpu_s"] = asyncio.run(_send_asyncio(socks, wire, events, gap))
    try:
        import uvloop
    except ImportError:  # Sanic runs asyncio's own loop then; the reader still gets its bytes
        asyncio.run(_send_asyncio(socks, wire, events, gap))
        out["uvloop_cpu_s"] = 0.0  # reported as missing
    else:
        out["uvloop_cpu_s"] = uvloop.run(_send_asyncio(socks, wire, events, gap))
    print(json.dumps(out), flush=True)


def reader(port: int, sockets: int, expect: int, timeout: float) -> None:
    """Drain every socket until `expect` bytes in all arrived; print what did, and the CPU used."""
    sel = selectors.DefaultSelector()
    for _ in range(sockets):
        s = socket.create_connection(("127.0.0.1", port))
        s.setblocking(False)
        sel.register(s, selectors.EVENT_READ)
    got, stop = 0, time.monotonic() + timeout
    while got < expect and time.monotonic() < stop:
        for key, _ in sel.select(1.0):
            chunk = key.fileobj.recv(1 << 16)  # type: ignore[union-attr]
            if not chunk:
                sel.unregister(key.fileobj)
            got += len(chunk)
    print(json.dumps({"bytes": got, "reader_cpu_s": time.process_time()}), flush=True)


def measure(sockets: int, rate: float, seconds: float) -> dict[str, Any]:
    """Both sides in their own processes (no GIL shared); every byte must arrive."""
    me = [sys.executable, __file__]
    w = subprocess.Popen(
        [*me, "writer", str(sockets), str(rate), str(seconds)], stdout=subprocess.PIPE, text=True
    )
    try:
        assert w.stdout is not None
        port = int(w.stdout.readline())
        wire, events = len(frame()), max(1, int(rate * seconds))
        expect = wire * events * sockets * len(MODES)
        budget = 2 * seconds * len(MODES) + 60
        r = subprocess.run(
            [*me, "reader", str(port), str(sockets), str(expect), str(budget)],
            capture_output=True,
            text=True,
            timeout=budget + 30,
            check=True,
        )
        sent = json.loads(w.stdout.readline())
        w.wait(timeout=30)
    finally:
        if w.poll() is None:
            w.kill()
            w.wait()
    read = json.loads(r.stdout)
    deliveries = events * sockets
    out: dict[str, Any] = {
        "sockets": sockets,
        "rate": rate,
        "frame_bytes": wire,
        "deliveries_per_mode": deliveries,
        "all_read": read["bytes"] == expect,
        "reader_cpu_s": round(read["reader_cpu_s"], 2),
    }
    for mode in MODES:
        used = sent[f"{mode}_cpu_s"]
        out[f"{mode}_cpu_s"] = round(used, 3)
        out[f"{mode}_per_cpu_s"] = round(deliveries / used) if used > 0 else None
    return out


if __name__ == "__main__":
    role, *args = sys.argv[1:]
    if role == "writer":
        writer(int(args[0]), float(args[1]), float(args[2]))
    else:
        reader(int(args[0]), int(args[1]), int(args[2]), float(args[3]))
