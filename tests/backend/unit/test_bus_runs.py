"""One bus message per run of a chat's events: each chat keeps its order, a user's event is never
moved past anything, and a run reads back as the events it was made of."""

from __future__ import annotations

import pytest

from backend.adapters.bus.codec import decode, decode_run, encode, encode_run, runs
from backend.domain.events import Event, to_chat, to_user


def seqs(run: list[Event]) -> list[tuple[str, int]]:
    return [(e.key, int(e.body.get("seq", 0))) for e in run]


def test_runs_group_each_chat_in_order_and_respect_the_limit() -> None:
    events = [to_chat(c, "message.created", seq=s) for s in range(1, 6) for c in ("a", "b")]
    out = runs(events, limit=3)
    assert [seqs(r) for r in out] == [
        [("chat.a", 1), ("chat.a", 2), ("chat.a", 3)],
        [("chat.b", 1), ("chat.b", 2), ("chat.b", 3)],
        [("chat.a", 4), ("chat.a", 5)],
        [("chat.b", 4), ("chat.b", 5)],
    ]


def test_a_users_event_is_a_barrier() -> None:
    """`chat.created` on the user's key joins the chat on the receiving replica: the chat's
    later events must not overtake it, nor earlier ones fall behind it."""
    joined = to_user("u", "chat.created", chat_id="a")
    events = [
        to_chat("a", "message.created", seq=1),
        joined,
        to_chat("a", "member.added", seq=2),
        to_chat("b", "message.created", seq=1),
        to_chat("a", "message.created", seq=3),
    ]
    out = runs(events, limit=50)
    assert [[e.key for e in r] for r in out] == [
        ["chat.a"],
        ["user.u"],
        ["chat.a", "chat.a"],
        ["chat.b"],
    ]
    flat = [e for r in out for e in r]
    assert flat.index(joined) == 1
    assert [e.body["seq"] for e in flat if e.key == "chat.a"] == [1, 2, 3]


def test_a_run_reads_back_as_its_events() -> None:
    run = [to_chat("a", "message.created", seq=s, text="ünï ✓") for s in (1, 2, 3)]
    assert decode_run(encode_run(run)) == run
    one = [to_chat("a", "typing", user_id="u")]
    assert encode_run(one) == encode(one[0])  # a single event keeps the single-event form
    assert decode_run(encode(one[0])) == one == [decode(encode(one[0]))]


def test_a_run_of_two_keys_or_a_malformed_message_is_refused() -> None:
    with pytest.raises(ValueError, match="one key"):
        encode_run([to_chat("a", "x", seq=1), to_chat("b", "x", seq=1)])
    for bad in (b'{"key":"chat.a","events":[1]}', b'{"key":"chat.a","events":{}}', b"[]"):
        with pytest.raises(ValueError, match="malformed"):
            decode_run(bad)
