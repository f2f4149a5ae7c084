"""Server memory under abuse, measured (never asserted): RSS of a real embedded `parley-server`
before, during and after N trickling connections (slowloris) or N unauthenticated sockets.

    .venv/bin/python deploy/local/bench/abuse_bench.py slowloris --connections 2000
    .venv/bin/python deploy/local/bench/abuse_bench.py sockets --connections 3000

Connections come from 127.0.0.1-127.0.0.N (loopback is the whole of 127/8) so that they stay under
the per-address caps where the bench wants them admitted; `--per-address` sets how many each
address opens; `--env PARLEY_WS_UNAUTH_PER_IP=0` (repeatable) measures without a cap.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(REPO))

from tests.support.server import ServerProcess  # noqa: E402


def rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


async def _trickle(port: int, source: str, ended: list[float]) -> None:
    t0 = time.monotonic()
    with contextlib.suppress(OSError):
        reader, writer = await asyncio.open_connection("127.0.0.1", port, local_addr=(source, 0))
        writer.write(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")

        async def feed() -> None:
            while True:
                await asyncio.sleep(1.0)
                writer.write(b"X-Slow: 1\r\n")
                await writer.drain()

        feeder = asyncio.create_task(feed())
        with contextlib.suppress(OSError, TimeoutError):
            await asyncio.wait_for(reader.read(), 300)
        feeder.cancel()
        writer.close()
    ended.append(time.monotonic() - t0)


async def _socket(url: str, source: str, ended: list[float]) -> None:
    import websockets

    t0 = time.monotonic()
    with contextlib.suppress(OSError, websockets.WebSocketException, TimeoutError):
        async with websockets.connect(url, local_addr=(source, 0), open_timeout=60) as ws:
            await asyncio.wait_for(ws.wait_closed(), 300)
    ended.append(time.monotonic() - t0)


async def run(args: argparse.Namespace) -> None:
    env = {"PARLEY_LOG_LEVEL": "WARNING", **dict(kv.split("=", 1) for kv in args.env)}
    srv = ServerProcess(Path(tempfile.mkdtemp(prefix="abuse-")), env).start()
    assert srv.proc is not None
    pid = srv.proc.pid
    try:
        before = rss_mib(pid)
        ended: list[float] = []
        sources = [f"127.0.0.{1 + i // args.per_address}" for i in range(args.connections)]
        if args.mode == "slowloris":
            tasks = [asyncio.create_task(_trickle(srv.port, s, ended)) for s in sources]
        else:
            tasks = [asyncio.create_task(_socket(srv.ws_url, s, ended)) for s in sources]
        peak, t0 = before, time.monotonic()
        while len(ended) < len(tasks) and time.monotonic() - t0 < 300:
            await asyncio.sleep(0.5)
            peak = max(peak, rss_mib(pid))
        await asyncio.gather(*tasks)
        await asyncio.sleep(2)
        after = rss_mib(pid)
        held = sorted(ended)
        print(
            f"{args.mode}: {args.connections} connections from {len(set(sources))} addresses; "
            f"server RSS before {before:.1f} MiB, peak {peak:.1f} MiB, after {after:.1f} MiB; "
            f"connections ended after median {held[len(held) // 2]:.1f} s, max {held[-1]:.1f} s"
        )
    finally:
        srv.stop()


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("mode", choices=["slowloris", "sockets"])
    p.add_argument("--connections", type=int, default=2000)
    p.add_argument("--per-address", type=int, default=250)
    p.add_argument("--env", action="append", default=[], help="KEY=VALUE for the server")
    asyncio.run(run(p.parse_args()))


if __name__ == "__main__":
    main()
