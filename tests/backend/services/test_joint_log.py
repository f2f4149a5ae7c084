"""The embedded default stores a message with its event in one transaction: a message the
database refuses takes no `seq`, leaves no event to resume and reaches nobody, and the rest of
its batch is stored whole."""

from __future__ import annotations

import asyncio

import pytest
from tortoise import connections

from backend.api import wire
from backend.domain.errors import DomainError
from tests.backend.services.conftest import Pair

REFUSE = (
    "CREATE TRIGGER refuse_message BEFORE INSERT ON messages WHEN NEW.text = 'refused' "
    "BEGIN SELECT RAISE(ABORT, 'refused by the test'); END;"
)


async def _created(pair: Pair) -> list[tuple[int, str]]:
    missed = await pair.app.messages.resume(pair.bob.id, pair.chat_id, 0)
    frames = [wire.frame(e) for e in missed.events]
    return [(f["seq"], f["message"]["text"]) for f in frames if f["type"] == "message.created"]


async def test_a_refused_message_takes_no_seq_and_leaves_no_event(pair: Pair) -> None:
    app = pair.app
    await connections.get("default").execute_script(REFUSE)
    await app.messages.send(pair.alice.id, pair.chat_id, "c-1", "kept")
    with pytest.raises(DomainError):
        await app.messages.send(pair.alice.id, pair.chat_id, "c-2", "refused")
    after, _ = await app.messages.send(pair.alice.id, pair.chat_id, "c-3", "next")
    assert after.seq == 2
    assert await _created(pair) == [(1, "kept"), (2, "next")]
    published = [e.body["message"]["text"] for e in pair.seen if e.type == "message.created"]
    assert published == ["kept", "next"]


async def test_one_refused_message_in_a_batch_leaves_the_others_stored(pair: Pair) -> None:
    app = pair.app
    await connections.get("default").execute_script(REFUSE)
    texts = [f"m{i}" if i != 4 else "refused" for i in range(10)]
    outcomes = await asyncio.gather(
        *(app.messages.send(pair.alice.id, pair.chat_id, f"c-{i}", t) for i, t in enumerate(texts)),
        return_exceptions=True,
    )
    refused = [texts[i] for i, o in enumerate(outcomes) if isinstance(o, BaseException)]
    assert refused == ["refused"]
    stored = await _created(pair)
    assert [seq for seq, _ in stored] == list(range(1, 10))
    assert sorted(text for _, text in stored) == sorted(t for t in texts if t != "refused")
    page, _ = await app.messages.history(pair.bob.id, pair.chat_id, None, None, 50)
    assert [(m.seq, m.text) for m in page] == stored


async def test_a_batch_of_sends_reads_back_as_sent_everywhere(pair: Pair) -> None:
    """What one batch committed is the same message for history, resume, the chat list, unread
    counts and search, and a retry in a later batch gets the first message back."""
    app = pair.app
    texts = [f"harbour note {i}" for i in range(8)]
    sent = await asyncio.gather(
        *(app.messages.send(pair.alice.id, pair.chat_id, f"c-{i}", t) for i, t in enumerate(texts))
    )
    mine = sorted((m for m, _ in sent), key=lambda m: m.seq)
    assert [m.seq for m in mine] == list(range(1, 9))
    page, _ = await app.messages.history(pair.bob.id, pair.chat_id, None, None, 50)
    assert page == mine
    missed = await app.messages.resume(pair.bob.id, pair.chat_id, 0)
    frames = [wire.frame(e) for e in missed.events]
    assert [f["message"] for f in frames] == [wire.message(m) for m in mine]
    (row,) = await app.chats.summaries(pair.bob.id)
    assert row.summary.last_message == mine[-1] and row.summary.unread == 8
    found = await app.search.search(pair.bob.id, "harbour")
    assert sorted(h.message.seq for h in found.hits) == list(range(1, 9))
    again, duplicate = await app.messages.send(pair.alice.id, pair.chat_id, "c-3", texts[3])
    assert duplicate and again == next(m for m in mine if m.client_msg_id == "c-3")
    with pytest.raises(DomainError) as refused:
        await app.messages.send(pair.alice.id, pair.chat_id, "c-3", "something else")
    assert refused.value.code == "client_msg_id_reused"


async def test_a_send_by_a_former_member_is_refused_and_the_batch_goes_on(pair: Pair) -> None:
    app = pair.app
    await app.chats.remove_member(pair.alice.id, pair.chat_id, pair.bob.id)
    outcomes = await asyncio.gather(
        app.messages.send(pair.alice.id, pair.chat_id, "a-1", "still here"),
        app.messages.send(pair.bob.id, pair.chat_id, "b-1", "gone"),
        return_exceptions=True,
    )
    assert isinstance(outcomes[1], DomainError) and outcomes[1].code == "chat_not_found"
    assert not isinstance(outcomes[0], BaseException)
    page, _ = await app.messages.history(pair.alice.id, pair.chat_id, None, None, 50)
    assert [m.text for m in page] == ["still here"]
    (row,) = await app.chats.summaries(pair.alice.id)
    assert row.summary.last_message == page[-1]
