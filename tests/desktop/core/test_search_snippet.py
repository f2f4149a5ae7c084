"""Snippets of search hits: the match stays in view and its marks move with the cut."""

from __future__ import annotations

from desktop.core.search import SearchHit, snippet


def test_a_short_text_is_shown_whole_with_its_marks() -> None:
    s = snippet("Встреча в субботу", ((0, 7), (10, 17)))
    assert s.text == "Встреча в субботу"
    assert [s.text[a:b] for a, b in s.marks] == ["Встреча", "субботу"]


def test_a_long_text_is_cut_around_the_first_match() -> None:
    text = "x" * 300 + " needle " + "y" * 300
    start = text.index("needle")
    s = snippet(text, ((start, start + 6),), width=60)
    assert s.text.startswith("…") and s.text.endswith("…")
    assert [s.text[a:b] for a, b in s.marks] == ["needle"]
    assert len(s.text) <= 62


def test_a_hit_from_the_wire() -> None:
    hit = SearchHit.from_json(
        {
            "chat_id": "c1",
            "seq": 4,
            "highlights": [[0, 5]],
            "message": {
                "id": "c1:4",
                "chat_id": "c1",
                "seq": 4,
                "sender_id": "u1",
                "text": "hello",
                "created_at": "2026-12-01T09:00:00Z",
            },
        }
    )
    assert (hit.chat_id, hit.seq, hit.highlights, hit.message.text) == ("c1", 4, ((0, 5),), "hello")
