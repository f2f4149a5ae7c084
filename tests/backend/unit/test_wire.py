"""The API's JSON shapes: an event's domain objects take their contract form on the way onto the
bus, byte for byte what the REST responses give for the same objects."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime

import pytest

from backend.adapters.bus.memory import MemoryBus
from backend.api import wire
from backend.domain import events as ev
from backend.domain.calls import Call, CallKind, CallState
from backend.domain.events import Event
from backend.domain.models import Attachment, Chat, ChatKind, Message, User

AT = datetime(2026, 12, 1, 9, 30, 0, 250000, tzinfo=UTC)
ALICE = User("u-a", "alice", "alice@example.org", "Alice", AT)


def _message(*, deleted: bool = False) -> Message:
    file = Attachment("f1", "a.png", 12, "image/png", "ab" * 32, 4, 3, True, None)
    base = Message("c1", 7, "u-a", "hi", AT, "cm-1", attachments=(file,))
    return replace(base, deleted=deleted)


def test_a_message_has_the_contract_shape_and_a_tombstone_shows_nothing() -> None:
    assert json.dumps(wire.message(_message())) == json.dumps(
        {
            "id": "c1:7",
            "chat_id": "c1",
            "seq": 7,
            "sender_id": "u-a",
            "text": "hi",
            "attachments": [
                {
                    "id": "f1",
                    "name": "a.png",
                    "size": 12,
                    "content_type": "image/png",
                    "sha256": "ab" * 32,
                    "width": 4,
                    "height": 3,
                    "has_thumbnail": True,
                    "placeholder": None,
                }
            ],
            "reply_to_seq": None,
            "created_at": "2026-12-01T09:30:00.250000Z",
            "edited_at": None,
            "deleted": False,
            "client_msg_id": "cm-1",
        }
    )
    gone = wire.message(_message(deleted=True))
    assert gone["text"] is None and gone["attachments"] == []


def test_a_user_shows_the_email_only_to_its_owner() -> None:
    assert "email" not in wire.user(ALICE)
    assert wire.user(ALICE, private=True)["email"] == "alice@example.org"


def test_an_event_body_gets_the_shapes_and_keeps_the_rest() -> None:
    chat = Chat("c1", ChatKind.GROUP, "plans", AT, 7, 7)
    call = Call("k1", "c1", CallKind.P2P, CallState.RINGING, "room", "u-a", AT)
    event = ev.to_chat("c1", "x", seq=7, message=_message(), user=ALICE, chat=chat, call=call)
    body = wire.encoded(event).body
    assert body == {
        "chat_id": "c1",
        "seq": 7,
        "message": wire.message(_message()),
        "user": wire.user(ALICE),  # public: an event reaches every member
        "chat": wire.chat(chat),
        "call": wire.call(call),
    }
    assert list(wire.frame(event)) == ["type", "chat_id", "seq", "message", "user", "chat", "call"]


async def test_the_services_bus_publishes_json_the_plain_bus_would_refuse() -> None:
    inner = MemoryBus()
    seen: list[Event] = []

    async def record(event: Event) -> None:
        seen.append(event)

    inner.on_event(record)
    await inner.start()
    await inner.bind([ev.chat_key("c1")])
    bus = wire.WireBus(inner)
    await bus.publish([ev.to_chat("c1", "message.created", seq=7, message=_message())])
    assert [e.body["message"] for e in seen] == [wire.message(_message())]
    with pytest.raises(TypeError, match="Message"):
        await inner.publish([ev.to_chat("c1", "message.created", message=_message())])
    await inner.close()
