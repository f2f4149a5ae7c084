"""Server CPU of one socket `resume` over many chats, measured (never asserted), on a real
embedded `parley-server`.

    .venv/bin/python deploy/local/bench/resume_bench.py --chats 200 --rounds 20

One user in `--chats` group chats, each with `--behind` messages after the cursor the resume
sends (0: every chat level with the server, the common reconnect after a short drop). The figure
is the server process's user+system CPU (from /proc) from sending `resume` to receiving `resumed`,
so the client's own work does not count: the mean over `--rounds` (/proc counts in 10 ms ticks,
so one round alone is coarse), with the spread of single rounds.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "k6"))

from tests.support.client import Api, Socket  # noqa: E402
from tests.support.server import ServerProcess  # noqa: E402

TICK_S = 1 / os.sysconf("SC_CLK_TCK")


def cpu_s(pid: int) -> float:
    """User + system CPU of the process (all its threads) so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) * TICK_S


async def _setup(api: Api, chats: int, behind: int) -> str:
    user = await api.user()
    ids = [await api.group(user, title=f"room {i}") for i in range(chats)]
    for chat_id in ids:
        await api.send(user, chat_id, "seen")
        for n in range(behind):
            await api.send(user, chat_id, f"missed {n}")
    return user.access_token


async def measure(srv: ServerProcess, chats: int, behind: int, rounds: int) -> list[float]:
    api = Api(srv.url)
    try:
        token = await _setup(api, chats, behind)
    finally:
        await api.close()
    sock = await Socket.connect(srv.ws_url, token)
    # the cursor: every chat's position before its missed messages
    cursor = [
        {"chat_id": p["chat_id"], "last_seq": int(p["last_seq"]) - behind}
        for p in sock.ready["chats"]
    ]
    assert len(cursor) == chats
    assert srv.proc is not None
    pid = srv.proc.pid
    samples: list[float] = []
    try:
        for _ in range(rounds):
            sock.frames.clear()
            before = cpu_s(pid)
            await sock.send({"type": "resume", "chats": cursor})
            resumed = await sock.next("resumed", 60)
            samples.append((cpu_s(pid) - before) * 1000)
            assert len(resumed["chats"]) == chats, resumed
    finally:
        await sock.ws.close()
    return samples


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--chats", type=int, default=200)
    parser.add_argument("--behind", type=int, default=0)
    parser.add_argument("--rounds", type=int, default=20)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as data:
        env = {"PARLEY_SENDS_PER_USER": "100000", "PARLEY_WS_FRAMES_PER_S": "100000"}
        srv = ServerProcess(Path(data), env).start()
        try:
            started = time.monotonic()
            samples = asyncio.run(measure(srv, args.chats, args.behind, args.rounds))
        finally:
            srv.stop()
    print(
        f"resume of {args.chats} chats, {args.behind} missed each: server CPU per resume "
        f"mean {statistics.fmean(samples):.1f} ms, min {min(samples):.1f}, "
        f"max {max(samples):.1f} over {len(samples)} rounds ({time.monotonic() - started:.0f} s)"
    )


if __name__ == "__main__":
    main()
