"""The production event bus: a RabbitMQ topic exchange (aio-pika).

Each process declares one exclusive, auto-delete queue of its own and binds to it exactly the
routing keys of its connected users (`chat.<id>`, `user.<id>`), so it receives no event of a chat
none of its users is in. `bind` counts like the embedded bus: a key stays bound until it has been
unbound as often as it was bound.

`publish` returns once the broker confirmed every event (publisher confirms) and raises
`Unavailable` when the broker is unreachable, refuses, or does not confirm in time. The connection
is robust: after a broker restart it reconnects by itself, re-declares the exchange and the queue,
binds every key again, and then calls the `on_reconnect` handlers, because whatever was published
while the queue did not exist never reached it (clients fill that gap by resuming from their last
`seq`).

Calls to `publish` may overlap: each queues its frames on the one channel, in call order, before
it first suspends, and only then awaits its confirms, so overlapping calls keep the order of the
calls (the pipeline keeps several in flight and relies on it).

Deliveries are queued in arrival order and handed to the handlers one at a time by one task; the
broker keeps at most `prefetch` unacknowledged deliveries in flight, and the queue itself holds at
most `max_queue` messages (oldest dropped first), so a stalled process bounds both its own memory
and the broker's. Every delivery already arrived is handled in one pass of that task, so the
sockets it reaches are written once for all of them (the hub's `WriteBatch` flushes when the pass
yields). aiormq hands each delivery to the consumer callback the bus puts on its channel directly
(`_on_delivery`): aio-pika's wrapper would build an `IncomingMessage` and start one more task per
delivery, a fixed price every replica pays for every message of its chats (aio-pika's consumer
stays registered underneath, so its reconnect restores the consumer; the bus swaps in its own
callback again after each restore). A message carries a run of up to `RUN_EVENTS` events of one
chat (`codec.runs`): what a publish, a confirm and a delivery cost is paid per message, not per
event.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
from collections import Counter, deque
from collections.abc import Awaitable, Callable, Iterable, Sequence
from typing import Any, TypeVar, cast

import aio_pika
import aiormq
from aio_pika.abc import (
    AbstractChannel,
    AbstractExchange,
    AbstractIncomingMessage,
    AbstractQueue,
    AbstractRobustConnection,
)
from aio_pika.robust_queue import RobustQueue
from aiormq.abc import DeliveredMessage
from aiormq.channel import Channel as AmqpChannel

from backend.adapters.bus.codec import decode_run, encode_run, runs
from backend.domain.errors import Unavailable
from backend.domain.events import Event
from backend.domain.ports import EventHandler

log = logging.getLogger(__name__)

BUS_UNAVAILABLE = "bus_unavailable"  # the stable code clients see while the broker is away

ReconnectHandler = Callable[[], Awaitable[None]]
# Events of one chat per message at most: bounds a message, and what `max_queue` messages hold.
RUN_EVENTS = 50
# How long a quiet consumer waits before acknowledging what it handled (well inside `prefetch`).
ACK_DELAY_S = 0.05
T = TypeVar("T")

# What a lost or refused broker looks like from aio-pika/aiormq, besides timeouts.
_BROKER_ERRORS: tuple[type[BaseException], ...] = (
    aiormq.exceptions.AMQPError,
    aio_pika.exceptions.AMQPException,
    ConnectionError,
    OSError,
    RuntimeError,  # aio-pika raises it for a channel or connection closed underneath a call
    TimeoutError,
)


class RabbitBus:
    def __init__(
        self,
        url: str,
        exchange: str = "parley.events",
        *,
        replica_id: str = "parley",
        publish_timeout_s: float = 5.0,
        connect_timeout_s: float = 10.0,
        reconnect_interval_s: float = 1.0,
        prefetch: int = 1000,
        max_queue: int = 100_000,
    ) -> None:
        self._url = url
        self._exchange_name = exchange
        self._replica_id = replica_id
        self._publish_timeout = publish_timeout_s
        self._connect_timeout = connect_timeout_s
        self._reconnect_interval = reconnect_interval_s
        self._prefetch = prefetch
        self._max_queue = max_queue
        self.queue_name = f"{exchange}.{replica_id}.{secrets.token_hex(4)}"

        self._connection: AbstractRobustConnection | None = None
        self._channel: AbstractChannel | None = None
        self._exchange: AbstractExchange | None = None
        self._queue: AbstractQueue | None = None
        self._handlers: list[EventHandler] = []
        self._reconnect_handlers: list[ReconnectHandler] = []
        self._wanted: Counter[str] = Counter()  # key -> how many times bound
        self._applied: set[str] = set()  # keys bound on the broker's current queue
        self._bind_lock = asyncio.Lock()
        # Deliveries in arrival order: the channel they came on, their tag, their events.
        self._inbox: deque[tuple[Any, int, list[Event]]] = deque()
        self._arrived = asyncio.Event()  # set while `_inbox` holds something
        self._dispatcher: asyncio.Task[None] | None = None
        self._consumer_tag = ""
        self._unacked: tuple[Any, int] | None = None  # the latest delivery not yet acked
        self._ack_timer: asyncio.TimerHandle | None = None
        self._background: set[asyncio.Future[Any]] = set()

        self._published = 0  # messages published: their ids (`_next_id`)

        self.received = 0  # deliveries that reached this process's queue
        self.reconnects = 0

    # -- lifecycle ---------------------------------------------------------------------------

    async def start(self) -> None:
        if self._connection is not None:
            return
        try:
            connection = await aio_pika.connect_robust(
                self._url,
                timeout=self._connect_timeout,
                reconnect_interval=self._reconnect_interval,
                client_properties={"connection_name": self._replica_id},
            )
        except _BROKER_ERRORS as exc:
            raise Unavailable(
                f"message broker unreachable: {type(exc).__name__}", code=BUS_UNAVAILABLE
            ) from None
        self._connection = connection
        self._dispatcher = asyncio.create_task(self._dispatch(), name=f"bus-{self.queue_name}")
        try:
            channel = await connection.channel(publisher_confirms=True)
            await channel.set_qos(prefetch_count=self._prefetch)
            self._channel = channel
            self._exchange = await channel.declare_exchange(
                self._exchange_name, aio_pika.ExchangeType.TOPIC, durable=True
            )
            queue = await channel.declare_queue(
                self.queue_name,
                exclusive=True,
                auto_delete=True,
                arguments={"x-max-length": self._max_queue, "x-overflow": "drop-head"},
            )
            self._consumer_tag = await queue.consume(self._on_message)
            await self._consume_directly()
        except _BROKER_ERRORS as exc:
            await self.close()
            raise Unavailable(
                f"message broker refused the set-up: {type(exc).__name__}", code=BUS_UNAVAILABLE
            ) from None
        self._queue = queue
        connection.reconnect_callbacks.add(self._on_reconnected)
        log.info("bus connected, queue %s on exchange %s", self.queue_name, self._exchange_name)

    async def close(self) -> None:
        if self._ack_timer is not None:
            self._ack_timer.cancel()
            self._ack_timer = None
        if self._dispatcher is not None:
            self._dispatcher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._dispatcher
            self._dispatcher = None
        if self._connection is not None:
            connection, self._connection = self._connection, None
            with contextlib.suppress(*_BROKER_ERRORS):
                await asyncio.wait_for(connection.close(), self._connect_timeout)
        self._channel = self._exchange = self._queue = None
        self._applied.clear()

    @property
    def connected(self) -> bool:
        return self._connection is not None and self._connection.connected.is_set()

    # -- the port ----------------------------------------------------------------------------

    async def publish(self, events: Sequence[Event]) -> None:
        if not events:
            return
        exchange = self._exchange
        if exchange is None or not self.connected:
            raise Unavailable("message broker unreachable", code=BUS_UNAVAILABLE)
        messages = [
            (run[0].key, encode_run(run), _properties(self._next_id()))
            for run in runs(events, RUN_EVENTS)
        ]
        try:
            async with asyncio.timeout(self._publish_timeout):
                results = await self._shielded(self._publish_many(messages))
        except TimeoutError:
            raise Unavailable(
                "message broker did not confirm in time", code=BUS_UNAVAILABLE
            ) from None
        for result in results:
            if isinstance(
                result, aiormq.exceptions.DeliveryError | aio_pika.exceptions.DeliveryError
            ):
                raise Unavailable("message broker refused an event", code=BUS_UNAVAILABLE)
            if isinstance(result, _BROKER_ERRORS):
                raise Unavailable(
                    f"message broker unreachable: {type(result).__name__}", code=BUS_UNAVAILABLE
                )
            if isinstance(result, BaseException):
                raise result
            if isinstance(result, aiormq.spec.Basic.Nack):
                raise Unavailable("message broker refused an event", code=BUS_UNAVAILABLE)

    async def bind(self, keys: Iterable[str]) -> None:
        changed = []
        for key in keys:
            self._wanted[key] += 1
            if self._wanted[key] == 1:
                changed.append(key)
        await self._shielded(self._sync(changed))

    async def unbind(self, keys: Iterable[str]) -> None:
        changed = []
        for key in keys:
            count = self._wanted.get(key, 0)
            if count <= 1:
                if self._wanted.pop(key, None) is not None:
                    changed.append(key)
            else:
                self._wanted[key] = count - 1
        await self._shielded(self._sync(changed))

    def on_event(self, handler: EventHandler) -> None:
        self._handlers.append(handler)

    def on_reconnect(self, handler: ReconnectHandler) -> None:
        """Run `handler` after the bus regained the broker and bound every key again."""
        self._reconnect_handlers.append(handler)

    @property
    def bound_keys(self) -> set[str]:
        return set(self._wanted)

    # -- internals ---------------------------------------------------------------------------

    def _next_id(self) -> str:
        self._published += 1
        return f"{self._published:x}"

    async def _publish_many(
        self, messages: Sequence[tuple[str, bytes, aiormq.spec.Basic.Properties]]
    ) -> list[Any]:
        """Write every message, then await their confirms together.

        One task per message, created in order: aiormq writes them under its channel lock in that
        order. Without `wait` a task holds the lock only to queue its frames, not until the
        connection's writer drained them, so a batch costs one pass of the writer instead of a
        round of task switches per message. (Getting the channel does not suspend while the
        connection is up, so concurrent callers keep their call order.)
        """
        try:
            channel = self._channel
            if channel is None or channel.is_closed:
                raise aiormq.exceptions.ChannelInvalidStateError("channel closed")
            # The concrete channel: its `basic_publish` takes `wait` (the abstract one lacks it).
            raw = cast(AmqpChannel, await channel.get_underlay_channel())
        except Exception as exc:
            return [exc]
        return await asyncio.gather(
            *(
                raw.basic_publish(
                    body,
                    exchange=self._exchange_name,
                    routing_key=key,
                    properties=properties,
                    mandatory=False,
                    wait=False,
                )
                for key, body, properties in messages
            ),
            return_exceptions=True,
        )

    async def _shielded(self, aw: Awaitable[T]) -> T:
        """Finish `aw` even if the caller is cancelled.

        aiormq closes the whole channel when an RPC in flight is cancelled, and callers do get
        cancelled (a WebSocket handler unbinding its keys as its socket closes): that would cost
        every other user of this process a reconnect. The work goes on in a task instead.
        """
        task = asyncio.ensure_future(aw)
        self._background.add(task)
        task.add_done_callback(self._forget)
        return await asyncio.shield(task)

    def _forget(self, task: asyncio.Future[Any]) -> None:
        self._background.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.debug("bus operation failed after its caller left: %r", task.exception())

    async def _sync(self, keys: Iterable[str]) -> None:
        """Make the broker's bindings of `keys` match `_wanted`.

        While the broker is away this only records the wish: the reconnect binds every wanted
        key anyway, so a user who connects during an outage is not left without events.
        """
        async with self._bind_lock:
            for key in keys:
                queue, exchange = self._queue, self._exchange
                if queue is None or exchange is None or not self.connected:
                    return
                want = key in self._wanted
                try:
                    if want and key not in self._applied:
                        if isinstance(queue, RobustQueue):
                            # Not recorded by aio-pika: `_on_reconnected` binds what is wanted
                            # then, and a key unbound during an outage must not come back.
                            await queue.bind(exchange, routing_key=key, robust=False)
                        else:
                            await queue.bind(exchange, routing_key=key)
                        self._applied.add(key)
                    elif not want and key in self._applied:
                        await queue.unbind(exchange, routing_key=key)
                        self._applied.discard(key)
                except _BROKER_ERRORS as exc:
                    log.warning("bus binding deferred until reconnect: %s", type(exc).__name__)
                    return

    async def _on_reconnected(self, *_: Any) -> None:
        """After aio-pika re-declared the exchange and the queue: bind every wanted key again."""
        self.reconnects += 1
        self._applied.clear()
        with contextlib.suppress(*_BROKER_ERRORS):
            await self._consume_directly()
        await self._sync(list(self._wanted))
        log.info("bus reconnected, %d keys bound again", len(self._applied))
        for handler in list(self._reconnect_handlers):
            try:
                await handler()
            except Exception:
                log.exception("reconnect handler failed")

    async def _consume_directly(self) -> None:
        """Put `_on_delivery` in place of aio-pika's wrapper on the channel's consumer."""
        channel = self._channel
        if channel is None or not self._consumer_tag:
            return
        raw = cast(AmqpChannel, await channel.get_underlay_channel())
        if self._consumer_tag in raw.consumers:
            raw.consumers[self._consumer_tag] = self._on_delivery

    async def _on_delivery(self, message: DeliveredMessage) -> None:
        delivery = cast(aiormq.spec.Basic.Deliver, message.delivery)  # a consumer's is one
        self._arrive(message.channel, cast(int, delivery.delivery_tag), message.body)

    async def _on_message(self, message: AbstractIncomingMessage) -> None:
        """aio-pika's path, between a reconnect's restore and `_consume_directly`."""
        try:
            channel: Any = message.channel
        except aiormq.exceptions.ChannelInvalidStateError:
            channel = None  # closed meanwhile: nothing to acknowledge, the broker forgot it
        self._arrive(channel, cast(int, message.delivery_tag), message.body)

    def _arrive(self, channel: Any, tag: int, body: bytes) -> None:
        # No await before the append: aiormq runs one task per delivery, in arrival order.
        try:
            events = decode_run(body)
        except ValueError:
            log.warning("dropping a malformed bus message (%d bytes)", len(body))
            events = []
        self.received += len(events)
        self._inbox.append((channel, tag, events))
        self._arrived.set()

    async def _dispatch(self) -> None:
        """Every delivery already here in one pass (no suspension between them), then the
        acknowledgement: one ack frame for a quarter of `prefetch`, or a moment after a pass."""
        count = 0
        inbox, every = self._inbox, max(self._prefetch // 4, 1)
        while True:
            await self._arrived.wait()
            while inbox:
                channel, tag, events = inbox.popleft()
                for event in events:
                    await self._handle(event)
                if channel is not None:
                    self._unacked = (channel, tag)
                count += 1
                if count >= every:
                    count = 0
                    await self._ack()
            self._arrived.clear()
            if self._unacked is not None and self._ack_timer is None:
                # A quiet moment: acknowledge a little later, so a trickle of deliveries costs
                # one ack frame per `ACK_DELAY_S`, not one each.
                self._ack_timer = asyncio.get_running_loop().call_later(
                    ACK_DELAY_S, self._ack_later
                )

    async def _handle(self, event: Event) -> None:
        for handler in self._handlers:
            try:
                await handler(event)
            except Exception:
                log.exception("event handler failed for %s (%s)", event.type, event.key)

    def _ack_later(self) -> None:
        self._ack_timer = None
        task = asyncio.ensure_future(self._ack())
        self._background.add(task)
        task.add_done_callback(self._forget)

    async def _ack(self) -> None:
        """One ack covers every earlier delivery of the channel. A delivery from a channel that
        died meanwhile cannot be acknowledged; the broker forgot it anyway."""
        unacked, self._unacked = self._unacked, None
        if unacked is not None:
            channel, tag = unacked
            with contextlib.suppress(*_BROKER_ERRORS):
                await channel.basic_ack(tag, multiple=True)


def _properties(message_id: str) -> aiormq.spec.Basic.Properties:
    """One per message, with nothing but a short id (not an `aio_pika.Message`, whose
    construction cost more than the rest of a publish).

    Every receiving replica decodes each property of every message, so the header carries only
    what is needed: no content type (every body is the codec's JSON), no delivery mode (absent
    means transient, which the exclusive queues are anyway), and an id from the bus's own
    counter, which aiormq needs to match a confirm and would otherwise fill with a random
    32-character UUID per message (unique per channel is all it asks).
    """
    return aiormq.spec.Basic.Properties(message_id=message_id)
