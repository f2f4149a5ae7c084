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
replica at 100 msg/s over ten chats: the subscriber wakes for every one, and that wake, not the
decoding, is most of what it pays (a stream of bursts shares one wake among many messages).

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
from pathlib import Path

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


async def _floor(kind: str, messages: int, burst: int, pace: float) -> float:
    """The subscriber's CPU per message for `--floor`: the same child pacing, no bus."""
    got = 0
    done = asyncio.Event()

    def count(n: int) -> None:
        nonlocal got
        got += n
        if got >= messages:
            done.set()

    if kind == "socket":

        class Counter(asyncio.Protocol):
            received = 0  # bytes: a read may end inside a message

            def data_received(self, data: bytes) -> None:
                before = self.received // FLOOR_BYTES
                self.received += len(data)
                count(self.received // FLOOR_BYTES - before)

        server = await asyncio.get_running_loop().create_server(Counter, "127.0.0.1", 0)
        target = str(server.sockets[0].getsockname()[1])

        async def close() -> None:
            server.close()

    else:
        connection = await aiormq.connect(_amqp_url())
        channel = await connection.channel()
        target = str((await channel.queue_declare(exclusive=True, auto_delete=True)).queue)

        async def on_message(_: DeliveredMessage) -> None:
            count(1)

        await channel.basic_consume(target, on_message, no_ack=True)

        async def close() -> None:
            await connection.close()

    started = time.process_time()
    args = ["--floor-send", kind, target, "--messages", str(messages), "--burst", str(burst)]
    child = subprocess.Popen([sys.executable, __file__, *args, "--pace", str(pace)])
    try:
        await asyncio.wait_for(done.wait(), 120)
    finally:
        used = time.process_time() - started
        await asyncio.to_thread(child.wait)
        await close()
    return 1e6 * used / messages


async def _floor_send(kind: str, target: str, messages: int, burst: int, pace: float) -> None:
    body = b"x" * FLOOR_BYTES
    if kind == "socket":
        _, writer = await asyncio.open_connection("127.0.0.1", int(target))

        async def send() -> None:
            writer.write(body)
            await writer.drain()

        async def close() -> None:
            writer.close()
            await writer.wait_closed()

    else:
        connection = await aiormq.connect(_amqp_url())
        channel = await connection.channel()

        async def send() -> None:
            await channel.basic_publish(body, routing_key=target)

        async def close() -> None:
            await connection.close()

    sent = 0
    while sent < messages:
        for _ in range(min(burst, messages - sent)):
            sent += 1
            await send()
        if pace:
            await asyncio.sleep(pace)  # pacing, not synchronisation
    await close()


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
    parser.add_argument(
        "--floor",
        choices=("socket", "aiormq"),
        help="the same arrivals on a bare uvloop socket, or through aiormq alone (no bus)",
    )
    parser.add_argument("--publish", metavar="EXCHANGE", help=argparse.SUPPRESS)
    parser.add_argument("--floor-send", nargs=2, metavar=("KIND", "TARGET"), help=argparse.SUPPRESS)
    ns = parser.parse_args()
    if ns.publish:
        uvloop.run(publish(ns.publish, ns.messages, ns.burst, ns.pace))
        return
    if ns.floor_send:
        kind, target = ns.floor_send
        uvloop.run(_floor_send(kind, target, ns.messages, ns.burst, ns.pace))
        return
    if ns.floor:
        us = uvloop.run(_floor(ns.floor, ns.messages, ns.burst, ns.pace))
        what = f"floor {ns.floor}"
    else:
        us = uvloop.run(subscribe(ns.messages, ns.burst, ns.pace))
        what = str(Path.cwd())
    print(
        f"{what}: {us:.1f} µs subscriber CPU per message received ({ns.messages} messages, "
        f"bursts of {ns.burst}, {ns.pace} s apart)"
    )


if __name__ == "__main__":
    main()
