"""RabbitMQ publish -> consume through `RabbitBus`, with publisher confirms.

    set -a; . .engines/rabbitmq.env; set +a
    .venv/bin/python deploy/local/bench/rabbit_bench.py [--seconds 4] [--rate 1000]

Two buses in one process (publisher and consumer, one event loop, so the client CPU of both sides
is on one core): sequential publishes of one event each (every call waits for its confirm), then
publishes of 100 events per call, each counted when the consumer got them all; then a paced run at
`--rate` events/s reporting publish->handler latency p50/p99. A fresh exchange per run. A
measurement, never an assertion.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import time
import uuid

from backend.adapters.bus.rabbit import RabbitBus
from backend.domain.events import Event, to_chat


async def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=float, default=4.0)
    ap.add_argument("--rate", type=float, default=1000.0)
    args = ap.parse_args()
    url, exchange = os.environ["PARLEY_TEST_AMQP_URL"], f"bench.{uuid.uuid4().hex[:8]}"
    pub = RabbitBus(url, exchange, replica_id="bench-pub")
    sub = RabbitBus(url, exchange, replica_id="bench-sub")
    latencies: list[float] = []
    arrived = asyncio.Event()

    async def on_event(event: Event) -> None:
        arrived.set()
        sent = event.body.get("t")
        if isinstance(sent, float):
            latencies.append(time.perf_counter() - sent)

    sub.on_event(on_event)
    await pub.start()
    await sub.start()
    await sub.bind(["chat.bench"])
    text = "x" * 150
    try:

        async def until_received(n: int) -> None:
            while sub.received < n:
                arrived.clear()
                await asyncio.wait_for(arrived.wait(), 30)

        for per_call in (1, 100):
            base = sub.received
            sent = 0
            start = time.perf_counter()
            while time.perf_counter() - start < args.seconds:
                await pub.publish(
                    [to_chat("bench", "x", seq=sent + i, text=text) for i in range(per_call)]
                )
                sent += per_call
            confirmed = time.perf_counter() - start
            await until_received(base + sent)
            total = time.perf_counter() - start
            print(
                f"{per_call:3d} event(s)/publish: confirmed {sent / confirmed:7.0f} msg/s, "
                f"publish->consume {sent / total:7.0f} msg/s ({sent} events)"
            )

        latencies.clear()
        base, n = sub.received, int(args.rate * args.seconds)
        start = time.perf_counter()
        for i in range(n):
            due = start + i / args.rate
            delay = due - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            await pub.publish([to_chat("bench", "x", seq=i, text=text, t=time.perf_counter())])
        achieved = n / (time.perf_counter() - start)
        await until_received(base + n)
        q = statistics.quantiles(latencies, n=100)
        print(
            f"paced {args.rate:.0f} msg/s (achieved {achieved:.0f}) for {n} events: "
            f"latency p50 {q[49] * 1000:.2f} ms, p99 {q[98] * 1000:.2f} ms "
            "(publish incl. confirm -> consumer handler)"
        )
    finally:
        await pub.close()
        await sub.close()


if __name__ == "__main__":
    asyncio.run(main())
