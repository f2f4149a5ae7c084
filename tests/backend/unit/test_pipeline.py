"""The write pipeline in-process: malformed requests never queue, and one faulty request in a
shared transaction is answered alone while the rest of its batch is stored."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any, cast

import pytest

from backend.adapters.bus.memory import MemoryBus
from backend.domain.errors import DomainError, InvalidInput, NotFound
from backend.domain.models import ChatEvent, EventType, Message
from backend.domain.ports import ChatRepo, EventRequest, MessageStore
from backend.services.pipeline import Pipeline
from tests.fakes.poison import POISON, DictStore, PoisonChatRepo

NOW = datetime(2026, 12, 1, tzinfo=UTC)


def request(chat_id: str = "c1", cid: str = "m1", **data: Any) -> EventRequest:
    return EventRequest(chat_id, EventType.MESSAGE_CREATED, "u1", NOW, client_msg_id=cid, data=data)


def build(event: ChatEvent) -> Message:
    return Message(event.chat_id, event.seq, event.actor_id, "hi", event.created_at, None)


@pytest.fixture
async def pipeline() -> Any:
    repo = PoisonChatRepo()
    p = Pipeline(cast(ChatRepo, repo), cast(MessageStore, DictStore()), MemoryBus())
    p.start()
    yield p, repo
    await p.close()


async def test_one_poisoned_request_fails_alone_and_the_batch_is_stored(pipeline: Any) -> None:
    p, repo = pipeline
    reqs = [request(cid=f"m{i}", **({POISON: True} if i == 7 else {})) for i in range(20)]
    outcomes = await asyncio.gather(
        *(p.submit(r, build, lambda e, m: []) for r in reqs), return_exceptions=True
    )
    failed = [i for i, o in enumerate(outcomes) if isinstance(o, BaseException)]
    assert failed == [7]
    assert isinstance(outcomes[7], DomainError)
    seqs = sorted(o[0].event.seq for o in outcomes if not isinstance(o, BaseException))
    assert seqs == list(range(1, 20))
    assert repo.transactions > 1  # the shared transaction failed, then each ran alone


@pytest.mark.parametrize(
    ("req", "error"),
    [
        (request(chat_id="x" * 33), NotFound),
        (request(chat_id="a b"), NotFound),
        (request(cid="y" * 65), InvalidInput),
        (request(cid="with space"), InvalidInput),
        (request(user_id="z" * 40), NotFound),
    ],
)
async def test_malformed_requests_never_reach_a_transaction(
    pipeline: Any, req: EventRequest, error: type[Exception]
) -> None:
    p, repo = pipeline
    with pytest.raises(error):
        await p.submit(req, build, lambda e, m: [])
    assert repo.transactions == 0
