"""CPU one replica's bus spends per message it receives: a benchmark, never a test.

    cd CHECKOUT && .venv/bin/python /path/to/tests/cluster/bus_receive_bench.py [--burst 20]
        [--pace SECONDS]

The checkout measured is the working directory (its `backend` is imported from there), e.g.
/work/main for a before figure. A subscriber `RabbitBus` binds one chat; a publisher in a
child process publishes `messages` single-event messages to it, `burst` publish calls at a time;
the subscriber's own process CPU (user + system) from the first publish to the last delivery,
divided by the messages, is what every replica pays per message of each chat it serves (the
cluster's CPU per delivery grows with the replica count because each replica receives every
message of its users' chats). Uses the RabbitMQ of `.engines/rabbitmq.env`, on an exchange of
its own, and uvloop, the replicas' loop (Sanic's).

`--burst 1 --pace 0.0125` prices a message that arrives on its own, as each chat's events reach a
replica at 100 msg/s over ten chats: the subscriber wakes for every one, and that wake, not the
decoding, is most of what it pays (a stream of bursts shares one wake among many messages).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import subprocess
import sys
import time
from pathlib import Path

import uvloop

sys.path.insert(0, os.getcwd())  # the checkout measured, ahead of the installed one

from backend.adapters.bus.rabbit import RabbitBus
from backend.domain.events import Event, to_chat

TEXT = "x" * 200  # about the size of a chat message's event


def _amqp_url() -> str:
    env = Path.cwd() / ".engines" / "rabbitmq.env"
    for line in env.read_text().splitlines():
        key, _, value = line.partition("=")
        if key == "PARLEY_TEST_AMQP_URL":
            return value
    raise SystemExit(f"no PARLEY_TEST_AMQP_URL in {env}")


def _event(seq: int) -> Event:
    return to_chat("c", "message.created", seq=seq, text=TEXT)


async def subscribe(messages: int, burst: int, pace: float) -> float:
    url, exchange = _amqp_url(), f"bus-receive-bench-{os.getpid()}.events"
    sub = RabbitBus(url, exchange, replica_id="sub")
    await sub.start()
    got = 0
    done = asyncio.Event()

    async def handler(_: Event) -> None:
        nonlocal got
        got += 1
        if got >= messages:
            done.set()

    sub.on_event(handler)
    await sub.bind(["chat.c"])
    started = time.process_time()
    args = ["--publish", exchange, "--messages", str(messages), "--burst", str(burst)]
    args += ["--pace", str(pace)]
    child = subprocess.Popen([sys.executable, __file__, *args], cwd=Path.cwd())
    try:
        await asyncio.wait_for(done.wait(), 120)
    finally:
        used = time.process_time() - started
        await asyncio.to_thread(child.wait)
        await sub.close()
    return 1e6 * used / messages


async def publish(exchange: str, messages: int, burst: int, pace: float) -> None:
    pub = RabbitBus(_amqp_url(), exchange, replica_id="pub")
    await pub.start()
    seq = 0
    while seq < messages:
        calls = []
        for _ in range(min(burst, messages - seq)):
            seq += 1
            calls.append(pub.publish([_event(seq)]))
        await asyncio.gather(*calls)
        if pace:
            await asyncio.sleep(pace)  # pacing, not synchronisation
    await pub.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--messages", type=int, default=3000)
    parser.add_argument("--burst", type=int, default=20, help="publish calls in flight at once")
    parser.add_argument(
        "--pace", type=float, default=0.0, help="seconds between bursts (0: back to back)"
    )
    parser.add_argument("--publish", metavar="EXCHANGE", help=argparse.SUPPRESS)
    ns = parser.parse_args()
    if ns.publish:
        uvloop.run(publish(ns.publish, ns.messages, ns.burst, ns.pace))
        return
    us = uvloop.run(subscribe(ns.messages, ns.burst, ns.pace))
    print(
        f"{Path.cwd()}: {us:.1f} µs subscriber CPU per message received ({ns.messages} messages, "
        f"bursts of {ns.burst}, {ns.pace} s apart)"
    )


if __name__ == "__main__":
    main()
