"""CPU one replica's bus spends per message it receives: a benchmark, never a test.

    cd CHECKOUT && .venv/bin/python /path/to/tests/cluster/bus_receive_bench.py [--burst 20]
        [--pace SECONDS] [--floor socket|aiormq]

The checkout measured is the working directory (its `backend` is imported from there), e.g.
/work/main for a before figure. A subscriber `RabbitBus` binds one chat; a publisher in a
child process publishes `messages` single-event messages to it, `burst` publish calls at a time;
the subscriber's own process CPU (user + system) from the first publish to the last delivery,
divided by the messages, is what every replica pays per message of each chat it serves (the
cluster's CPU per delivery grows with the replica count because each replica receives every
message of its users' chats). Uses the RabbitMQ of `.engines/rabbitmq.env`, on an exchange of
its own, and uvloop, the replicas' loop (Sanic's).

`--burst 1 --pace 0.0125` prices a message that arrives on its own, as each chat's events reach a
replica at 100 msg/s over ten chats: the subscriber wakes for every one and runs its whole delivery
path cold each time, where a stream of bursts shares one wake and warm code among many messages.

`--floor` prices the same arrivals without the bus, to tell the wake from the library: `socket`
receives a 300-byte write at a time on a bare uvloop `Protocol` over loopback (what the wake of a
sleeping process costs), `aiormq` consumes the same RabbitMQ messages with aiormq alone, no
aio-pika, no Parley code and no acknowledgements (what the AMQP client's own delivery path costs).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import NamedTuple

import aiormq
import uvloop
from aiormq.abc import DeliveredMessage

sys.path.insert(0, os.getcwd())  # the checkout measured, ahead of the installed one

from backend.adapters.bus.rabbit import RabbitBus
from backend.domain.events import Event, to_chat

TEXT = "x" * 200  # about the size of a chat message's event
FLOOR_BYTES = 300  # what one floor message weighs, about a bus message with such an event


def _amqp_url() -> str:
    env = Path.cwd() / ".engines" / "rabbitmq.env"
    for line in env.read_text().splitlines():
        key, _, value = line.partition("=")
        if key == "PARLEY_TEST_AMQP_URL":
            return value
    raise SystemExit(f"no PARLEY_TEST_AMQP_URL in {env}")


class Pacing(NamedTuple):
    messages: int
    burst: int
    pace: float


def _event(seq: int) -> Event:
    return to_chat("c", "message.created", seq=seq, text=TEXT)


class Tally:
    """Messages received so far: `done` once all of them are in."""

    def __init__(self, messages: int) -> None:
        self.left = messages
        self.done = asyncio.Event()

    def add(self, n: int = 1) -> None:
        self.left -= n
        if self.left <= 0:
            self.done.set()


async def _timed(
    tally: Tally, sender: list[str], close: Callable[[], Awaitable[None]], ns: Pacing
) -> float:
    """This process's CPU (user + system) per message while a child sends them, paced."""
    started = time.process_time()
    pacing = ["--messages", str(ns.messages), "--burst", str(ns.burst), "--pace", str(ns.pace)]
    child = subprocess.Popen([sys.executable, __file__, *sender, *pacing], cwd=Path.cwd())
    try:
        await asyncio.wait_for(tally.done.wait(), 120)
    finally:
        used = time.process_time() - started
        await asyncio.to_thread(child.wait)
        await close()
    return 1e6 * used / ns.messages


async def _paced(send: Callable[[int], Awaitable[object]], ns: Pacing) -> None:
    """`burst` sends in flight at once, `pace` seconds apart, until `messages` are out."""
    seq = 0
    while seq < ns.messages:
        calls = []
        for _ in range(min(ns.burst, ns.messages - seq)):
            seq += 1
            calls.append(send(seq))
        await asyncio.gather(*calls)
        if ns.pace:
            await asyncio.sleep(ns.pace)  # pacing, not synchronisation


async def subscribe(ns: Pacing) -> float:
    url, exchange = _amqp_url(), f"bus-receive-bench-{os.getpid()}.events"
    sub = RabbitBus(url, exchange, replica_id="sub")
    await sub.start()
    tally = Tally(ns.messages)

    async def handler(_: Event) -> None:
        tally.add()

    sub.on_event(handler)
    await sub.bind(["chat.c"])
    return await _timed(tally, ["--publish", exchange], sub.close, ns)


async def publish(exchange: str, ns: Pacing) -> None:
    pub = RabbitBus(_amqp_url(), exchange, replica_id="pub")
    await pub.start()
    await _paced(lambda seq: pub.publish([_event(seq)]), ns)
    await pub.close()


async def floor_receive(kind: str, ns: Pacing) -> float:
    """`--floor`: the same child pacing, received without the bus."""
    tally = Tally(ns.messages)
    if kind == "socket":

        class Counter(asyncio.Protocol):
            received = 0  # bytes: a read may end inside a message

            def data_received(self, data: bytes) -> None:
                before = self.received // FLOOR_BYTES
                self.received += len(data)
                tally.add(self.received // FLOOR_BYTES - before)

        server = await asyncio.get_running_loop().create_server(Counter, "127.0.0.1", 0)

        async def close() -> None:
            server.close()

        target = str(server.sockets[0].getsockname()[1])
        return await _timed(tally, ["--floor-send", kind, target], close, ns)
    connection = await aiormq.connect(_amqp_url())
    channel = await connection.channel()
    queue = str((await channel.queue_declare(exclusive=True, auto_delete=True)).queue)

    async def on_message(_: DeliveredMessage) -> None:
        tally.add()

    await channel.basic_consume(queue, on_message, no_ack=True)
    return await _timed(tally, ["--floor-send", kind, queue], connection.close, ns)


async def floor_send(kind: str, target: str, ns: Pacing) -> None:
    body = b"x" * FLOOR_BYTES
    if kind == "socket":
        _, writer = await asyncio.open_connection("127.0.0.1", int(target))

        async def write(_: int) -> None:
            writer.write(body)
            await writer.drain()

        await _paced(write, ns)
        writer.close()
        await writer.wait_closed()
        return
    connection = await aiormq.connect(_amqp_url())
    channel = await connection.channel()
    await _paced(lambda _: channel.basic_publish(body, routing_key=target), ns)
    await connection.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--messages", type=int, default=3000)
    parser.add_argument("--burst", type=int, default=20, help="publish calls in flight at once")
    parser.add_argument(
        "--pace", type=float, default=0.0, help="seconds between bursts (0: back to back)"
    )
    parser.add_argument(
        "--floor",
        choices=("socket", "aiormq"),
        help="the same arrivals on a bare uvloop socket, or through aiormq alone (no bus)",
    )
    parser.add_argument("--publish", metavar="EXCHANGE", help=argparse.SUPPRESS)
    parser.add_argument("--floor-send", nargs=2, metavar=("KIND", "TARGET"), help=argparse.SUPPRESS)
    ns = parser.parse_args()
    pacing = Pacing(ns.messages, ns.burst, ns.pace)
    if ns.publish:
        uvloop.run(publish(ns.publish, pacing))
    elif ns.floor_send:
        kind, target = ns.floor_send
        uvloop.run(floor_send(kind, target, pacing))
    else:
        received = floor_receive(ns.floor, pacing) if ns.floor else subscribe(pacing)
        us = uvloop.run(received)
        what = f"floor {ns.floor}" if ns.floor else str(Path.cwd())
        print(
            f"{what}: {us:.1f} µs subscriber CPU per message received ({ns.messages} messages, "
            f"bursts of {ns.burst}, {ns.pace} s apart)"
        )


if __name__ == "__main__":
    main()
