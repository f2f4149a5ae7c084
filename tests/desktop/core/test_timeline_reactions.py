"""Reactions in the timeline: pages bring them, events change them, pushed messages keep them."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

from desktop.core.timeline import Timeline
from desktop.core.wire import Message


def msg(seq: int, **kw: object) -> Message:
    base = Message(
        id=f"c:{seq}",
        chat_id="c",
        seq=seq,
        sender_id="u2",
        text=f"m{seq}",
        created_at=datetime(2026, 1, 1, tzinfo=UTC),
    )
    return replace(base, **kw)  # type: ignore[arg-type]


def test_events_change_a_pages_reactions_and_an_edit_keeps_them() -> None:
    tl = Timeline("c")
    tl.replace([msg(1, reactions={"👍": ("a",)})], has_more_before=False)
    tl.react(1, "👍", "b", True)
    tl.react(1, "👍", "b", True)  # a replay changes nothing
    tl.react(1, "🎉", "a", True)
    tl.upsert(msg(1, text="edited", reactions=None))  # a pushed edit carries none
    entry = tl.by_seq(1)
    assert entry is not None
    assert entry.reactions == {"👍": ["a", "b"], "🎉": ["a"]}
    tl.react(1, "🎉", "a", False)
    tl.react(1, "👍", "a", False)
    assert entry.reactions == {"👍": ["b"]}
    tl.upsert(msg(1, deleted=True, text=""))
    assert entry.reactions == {}


def test_reactions_during_the_first_load_apply_on_top_of_the_page() -> None:
    tl = Timeline("c")
    tl.react(1, "👍", "b", True)
    tl.react(1, "👍", "b", False)
    tl.react(1, "❤️", "b", True)
    # the page was read after the first two events: it has no 👍 and no ❤️ yet
    tl.replace([msg(1, reactions={}), msg(2, reply_to_seq=1)], has_more_before=False)
    first, second = tl.by_seq(1), tl.by_seq(2)
    assert first is not None and second is not None
    assert first.reactions == {"❤️": ["b"]}
    assert second.reply_to_seq == 1


def test_the_wire_reads_reactions_only_when_they_are_there() -> None:
    raw = {"chat_id": "c", "seq": 3, "text": "x", "reply_to_seq": 2}
    assert Message.from_json(raw).reactions is None
    assert Message.from_json({**raw, "reactions": {"👍": ["a"]}}).reactions == {"👍": ("a",)}
    assert Message.from_json(raw).reply_to_seq == 2
