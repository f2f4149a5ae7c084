"""The write path of every chat change: allocate `seq`, store, acknowledge, then publish.

Changes are queued and whatever is waiting (up to `max_batch`) forms one batch: one relational
transaction allocates the `seq`s, one message-store write stores the contents, and only then are
the callers answered and the events published. Under light load a batch holds one change;
under heavy load the cost per change falls without adding a timer's latency.

Where the message rows live in the relational database too (the embedded default), a joint log
inserts a batch's new messages in the transaction that allocates their `seq`s: one durable
commit per batch, not two. Edits and deletes keep the store's own write, after it.

On engines that take concurrent writers (MySQL, Elasticsearch, RabbitMQ) several batches are in
flight: up to `lanes` transactions allocate at once, each over chats no other running one holds
(`inflight.Admission`: a chat's batches are allocated one after another), up to `in_flight`
batches are stored at once, and each is published once no batch allocated before it for one of
its chats is still unpublished (`inflight.Release`), with up to `publish_calls` publish calls
awaiting their confirms at once (`inflight.Publisher`). Batches that were allocated while every
store slot was busy are stored together, in allocation order: one message-store write for them.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from backend.domain import rules
from backend.domain.errors import DomainError, NotFound, Unavailable
from backend.domain.events import Event
from backend.domain.models import ChatEvent, Message
from backend.domain.ports import Appended, ChatRepo, EventBus, EventRequest, MessageStore
from backend.services.inflight import Admission, Flight, Publisher, Release

log = logging.getLogger(__name__)

# Builds, from the allocated event, the message state to store (None for member events).
BuildMessage = Callable[[ChatEvent], Message | None]
# Builds the events to publish once the change is stored.
BuildEvents = Callable[[ChatEvent, Message | None], list[Event]]
# Given a transaction's requests and their results, the new messages to insert with them.
NewMessages = Callable[[Sequence[EventRequest], Sequence[Appended]], list[Message]]
# Told how long one batch spent in one stage, in seconds (the app points it at a metric).
OnStage = Callable[[str, float], None]


class JointLog(Protocol):
    """An event log that can insert new messages in the transaction that allocates their seqs."""

    async def append_with(
        self, requests: Sequence[EventRequest], new_messages: NewMessages
    ) -> list[Appended]: ...


async def publish_after_commit(bus: EventBus, events: Sequence[Event]) -> None:
    """Publish what is already stored. A bus failure here is logged, not raised: the change
    happened, and clients that miss the live push get it when they resume by `seq`."""
    if not events:
        return
    try:
        await bus.publish(events)
    except Exception as exc:
        log.warning("publish of %d events failed: %s", len(events), exc)


@dataclass
class _Job:
    request: EventRequest
    build: BuildMessage
    publish: BuildEvents
    queued: float = field(default_factory=time.perf_counter)
    future: asyncio.Future[tuple[Appended, Message | None]] = field(
        default_factory=lambda: asyncio.get_running_loop().create_future()
    )


class Pipeline:
    """Stages joined by short queues: allocate (up to `lanes` transactions over disjoint chats)
    → store (up to `in_flight` batches at once) → publish (up to `publish_calls` calls, started in
    each chat's order).

    A chat's batches are allocated one after another, and published in that order,
    so within a replica a chat's events leave in `seq` order while other chats' batches overlap.
    (Across replicas, order comes from `seq`: each socket's order buffer places events by it.)
    """

    def __init__(
        self,
        chats: ChatRepo,
        store: MessageStore,
        bus: EventBus,
        *,
        max_batch: int = 100,
        joint: JointLog | None = None,
        lanes: int = 1,
        in_flight: int = 1,
        publish_calls: int = 1,
    ) -> None:
        self._chats = chats
        self._joint = joint
        self._store = store
        self._bus = bus
        self._admission: Admission[_Job] = Admission(lanes, max_batch, _chat_of)
        self._allocating: set[asyncio.Task[None]] = set()
        self._closed = False
        self._allocated: asyncio.Queue[_Allocated] = asyncio.Queue(max(4, 2 * lanes))
        self._carried: _Allocated | None = None  # taken from `_allocated`, not yet stored
        self._max_batch = max_batch
        self._slots = asyncio.Semaphore(max(in_flight, 1))
        self._publisher = Publisher(
            functools.partial(publish_after_commit, bus), self._stage, calls=publish_calls
        )
        self._release = Release(self._publisher)
        self._storing: set[asyncio.Task[None]] = set()
        self._tasks: list[asyncio.Task[None]] = []
        self._busy = 0
        # Told each batch's size (the app points it at a metric).
        self.on_batch: Callable[[int], None] | None = None
        # Told each stage's time per batch: where a batch's wall time goes (`_stage`).
        self.on_stage: OnStage | None = None

    def _stage(self, name: str, started: float) -> float:
        """Report the time since `started` as stage `name`; returns now, the next stage's start."""
        now = time.perf_counter()
        if self.on_stage is not None:
            self.on_stage(name, now - started)
        return now

    def start(self) -> None:
        self._tasks = [asyncio.create_task(self._store_loop(), name="pipeline-store")]
        self._publisher.start()

    async def close(self) -> None:
        self._closed = True
        tasks = [*self._tasks, *self._allocating, *self._storing]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        self._tasks = []
        await self._publisher.close()

    @property
    def idle(self) -> bool:
        return (
            not self._admission
            and self._allocated.empty()
            and self._carried is None
            and self._busy == 0
            and self._release.empty
            and self._publisher.idle
        )

    async def submit(
        self, request: EventRequest, build: BuildMessage, publish: BuildEvents
    ) -> tuple[Appended, Message | None]:
        """Queue one change; returns once it is stored (or refused), before it is published.

        The request is validated first: what reaches a shared transaction is well-formed."""
        validate(request)
        job = _Job(request, build, publish)
        self._admission.put(job)
        self._admit()
        return await job.future

    def _admit(self) -> None:
        """Start an allocation for each batch the admission lets through now."""
        while not self._closed and (jobs := self._admission.take()) is not None:
            task = asyncio.create_task(self._allocate_batch(jobs), name="pipeline-allocate")
            self._allocating.add(task)
            task.add_done_callback(self._allocating.discard)

    async def _allocate_batch(self, jobs: list[_Job]) -> None:
        self._busy += 1
        try:
            if self.on_batch is not None:
                self.on_batch(len(jobs))
            self._stage("wait", jobs[0].queued)
            await self._allocate(jobs)
        finally:
            self._busy -= 1
            self._admission.done(jobs)
            self._admit()

    async def _allocate(self, jobs: list[_Job]) -> None:
        inserted: dict[int, Message] = {}  # id(job) -> its new message, stored with its event
        started = time.perf_counter()
        try:
            results = await self._append(jobs, inserted)
        except Unavailable as exc:  # an engine outage: nothing was allocated for anyone
            _fail(jobs, exc, "database_unavailable", "The database is unavailable; try again.")
            return
        except Exception as exc:
            if len(jobs) == 1:
                _fail(jobs, exc, "database_unavailable", "The change could not be stored.")
                return
            # Not an outage, so one request is at fault: run each alone (the transaction rolled
            # back whole), so the faulty one is answered alone and the rest go through.
            log.warning("batch of %d failed (%s); isolating", len(jobs), type(exc).__name__)
            for job in jobs:
                await self._allocate([job])
            return
        await self._allocated.put(
            _Allocated(jobs, results, inserted, self._stage("allocate", started))
        )

    async def _append(self, jobs: list[_Job], inserted: dict[int, Message]) -> list[Appended]:
        requests = [j.request for j in jobs]
        if self._joint is None:
            return await self._chats.append(requests)
        by_request = {id(j.request): j for j in jobs}

        def new_messages(
            reqs: Sequence[EventRequest], results: Sequence[Appended]
        ) -> list[Message]:
            # Called once per transaction attempt (the log may retry, or split the batch).
            out = []
            for req, result in zip(reqs, results, strict=True):
                job, event = by_request[id(req)], result.event
                if event is None or result.error is not None or result.duplicate:
                    continue
                message = job.build(event)
                if message is not None and message.seq == event.seq:  # new, not an edit
                    inserted[id(job)] = message
                    out.append(message)
            return out

        return await self._joint.append_with(requests, new_messages)

    async def _store_loop(self) -> None:
        """Take batches in allocation order; each is stored in a task of its own, together with
        the batches that queued behind it while every store slot was busy (`_merge_waiting`)."""
        while True:
            batch = self._carried or await self._allocated.get()
            self._carried = None
            await self._publisher.room()
            await self._slots.acquire()
            batch = self._merge_waiting(batch)
            flight = self._release.open(frozenset(j.request.chat_id for j in batch.jobs))
            task = asyncio.create_task(self._store_flight(batch, flight))
            self._storing.add(task)
            task.add_done_callback(self._storing.discard)

    def _merge_waiting(self, batch: _Allocated) -> _Allocated:
        """`batch` and the allocated batches queued behind it (up to `max_batch` changes), as one:
        one message-store write instead of several when the store is the slower stage. They stay
        in allocation order, so each chat's events are still answered and published in order."""
        while not self._allocated.empty():
            later = self._allocated.get_nowait()
            if len(batch.jobs) + len(later.jobs) > self._max_batch:
                self._carried = later  # the next one stored, before anything queued behind it
                break
            batch = batch.joined(later)
        return batch

    async def _store_flight(self, batch: _Allocated, flight: Flight) -> None:
        self._busy += 1
        events: list[Event] = []
        started = self._stage("handoff", batch.allocated)
        try:
            events = await self._store_and_answer(batch)
            self._stage("store", started)
        except Exception as exc:  # seqs taken, contents not stored: the retry fills them
            _fail(
                batch.jobs,
                exc,
                "store_unavailable",
                "The message could not be stored; try again.",
            )
        finally:
            self._release.finish(flight, events)
            self._slots.release()
            self._busy -= 1

    async def _store_and_answer(self, batch: _Allocated) -> list[Event]:
        """Store the batch, answer its senders, and return the events it publishes."""
        messages = await self._store_batch(batch)
        events: list[Event] = []
        for job, result, msg in zip(batch.jobs, batch.results, messages, strict=True):
            if not job.future.done():
                job.future.set_result((result, msg))
            if result.event is not None and not result.duplicate:
                events.extend(job.publish(result.event, msg))
        return events

    async def _store_batch(self, batch: _Allocated) -> list[Message | None]:
        """Store new messages, and re-store retried ones whose first write never landed."""
        jobs, results = batch.jobs, batch.results
        retried = [r.event for r in results if r.duplicate and r.event is not None]
        stored = await self._store.get([(e.chat_id, e.seq) for e in retried]) if retried else {}
        messages: list[Message | None] = []
        to_write: list[Message] = []
        for job, result in zip(jobs, results, strict=True):
            event = result.event
            message = None
            joint = batch.inserted.get(id(job))
            # Committed with its event (the same seq, so not a stale attempt's): nothing to write.
            fresh = joint is not None and event is not None and joint.seq == event.seq
            if fresh and not result.duplicate:
                messages.append(joint)
                continue
            if event is not None and result.error is None:
                message = stored.get((event.chat_id, event.seq)) if result.duplicate else None
                if message is None:
                    message = job.build(event)
                    if message is not None:
                        to_write.append(message)
            messages.append(message)
        if to_write:
            await self._store.write(to_write)
        return messages


@dataclass
class _Allocated:
    """One committed batch on its way to the store stage."""

    jobs: list[_Job]
    results: list[Appended]
    inserted: dict[int, Message]
    allocated: float  # when its transaction committed (perf_counter)

    def joined(self, later: _Allocated) -> _Allocated:
        """This batch followed by one allocated after it, stored as one."""
        return _Allocated(
            self.jobs + later.jobs,
            self.results + later.results,
            {**self.inserted, **later.inserted},
            self.allocated,
        )


def _chat_of(job: _Job) -> str:
    return job.request.chat_id


def validate(request: EventRequest) -> None:
    """The shape every change must have before it may share a transaction with others."""
    if not rules.is_id(request.chat_id):  # no chat has such an id
        raise NotFound("No such chat.", code="chat_not_found")
    if "user_id" in request.data and not rules.is_id(request.data["user_id"]):
        raise NotFound("No such user.", code="user_not_found")
    rules.check_id(request.actor_id, "actor_id")
    if request.client_msg_id is not None:
        rules.check_client_msg_id(request.client_msg_id)
    if request.target_seq is not None:
        rules.check_seq(request.target_seq)


def _fail(jobs: Sequence[_Job], exc: Exception, code: str, detail: str) -> None:
    log.warning("batch of %d failed (%s): %s", len(jobs), code, type(exc).__name__)
    error = exc if isinstance(exc, DomainError) else Unavailable(detail, code=code)
    for job in jobs:
        if not job.future.done():
            job.future.set_exception(error)
