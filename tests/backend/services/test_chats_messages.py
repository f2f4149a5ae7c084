"""Chats and messages as use cases: what a member sees, what a stranger is refused, and the
events that leave after each write (in their JSON form, as a socket pushes them)."""

from __future__ import annotations

import pytest

from backend.api import wire
from backend.domain.errors import Forbidden, InvalidInput, NotFound
from tests.backend.services.conftest import Pair


async def test_a_sent_message_is_in_history_and_reaches_the_chat_as_json(pair: Pair) -> None:
    app = pair.app
    message, duplicate = await app.messages.send(pair.alice.id, pair.chat_id, "c-1", "hello")
    assert not duplicate and message.seq == 1 and message.text == "hello"
    page, more = await app.messages.history(pair.bob.id, pair.chat_id, None, None, 50)
    assert [m.text for m in page] == ["hello"] and not more
    created = [e for e in pair.seen if e.type == "message.created"]
    assert [e.body for e in created] == [
        {"chat_id": pair.chat_id, "seq": 1, "message": wire.message(message)}
    ]


async def test_a_retried_send_gives_back_the_first_message(pair: Pair) -> None:
    app = pair.app
    first, _ = await app.messages.send(pair.alice.id, pair.chat_id, "c-1", "once")
    again, duplicate = await app.messages.send(pair.alice.id, pair.chat_id, "c-1", "once")
    assert duplicate and again.seq == first.seq
    page, _ = await app.messages.history(pair.alice.id, pair.chat_id, None, None, 50)
    assert len(page) == 1


async def test_a_stranger_sees_no_chat_and_only_the_sender_edits(pair: Pair) -> None:
    app = pair.app
    carol = await app.auth.register(
        "carol", "carol@example.org", "another fine passphrase", "Carol", "127.0.0.1"
    )
    with pytest.raises(NotFound) as no_chat:
        await app.messages.history(carol.id, pair.chat_id, None, None, 50)
    assert no_chat.value.code == "chat_not_found"
    message, _ = await app.messages.send(pair.alice.id, pair.chat_id, "c-1", "mine")
    with pytest.raises(Forbidden) as not_sender:
        await app.messages.edit(pair.bob.id, pair.chat_id, message.seq, "yours now")
    assert not_sender.value.code == "not_sender"
    with pytest.raises(InvalidInput):
        await app.messages.send(pair.alice.id, pair.chat_id, "c-2", "")


async def test_the_chat_list_puts_the_latest_activity_first(pair: Pair) -> None:
    app = pair.app
    other = await app.chats.create_group(pair.alice.id, "later", [])
    rows = await app.chats.summaries(pair.alice.id)
    assert [r.summary.chat.id for r in rows] == [other.summary.chat.id, pair.chat_id]
    await app.messages.send(pair.bob.id, pair.chat_id, "c-1", "news")
    rows = await app.chats.summaries(pair.alice.id)
    assert [r.summary.chat.id for r in rows] == [pair.chat_id, other.summary.chat.id]
    assert rows[0].summary.unread == 1
    assert wire.summary(rows[0])["last_message"]["text"] == "news"


async def test_resume_gives_what_was_missed_in_seq_order(pair: Pair) -> None:
    app = pair.app
    await app.messages.send(pair.alice.id, pair.chat_id, "c-1", "one")
    second, _ = await app.messages.send(pair.alice.id, pair.chat_id, "c-2", "two")
    await app.messages.edit(pair.alice.id, pair.chat_id, second.seq, "two, edited")
    missed = await app.messages.resume(pair.bob.id, pair.chat_id, 1)
    frames = [wire.frame(e) for e in missed.events]
    assert [(f["type"], f["seq"]) for f in frames] == [
        ("message.created", 2),
        ("message.updated", 3),
    ]
    assert frames[1]["message"]["text"] == "two, edited"
    assert missed.last_seq == 3 and not missed.resync


async def test_a_direct_chat_is_opened_once_and_titled_after_the_peer(pair: Pair) -> None:
    app = pair.app
    view, created = await app.chats.open_direct(pair.alice.id, pair.bob.id)
    again, created_again = await app.chats.open_direct(pair.bob.id, pair.alice.id)
    assert created and not created_again
    assert again.summary.chat.id == view.summary.chat.id
    shown = wire.summary(view)
    assert shown["title"] == "Bob" and shown["peer"]["id"] == pair.bob.id
    assert "chat.created" in pair.types()  # Bob's devices hear of the new chat
