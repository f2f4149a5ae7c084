"""Read receipts: markers move forward only, and count the readers other than me."""

from __future__ import annotations

from desktop.core.receipts import ReadReceipts


def test_readers_count_others_at_or_past_the_message() -> None:
    r = ReadReceipts()
    r.set_markers("c", [("me", 9), ("bob", 3), ("eve", 5)])
    assert r.readers("c", 3, "me") == 2
    assert r.readers("c", 4, "me") == 1
    assert r.readers("c", 6, "me") == 0
    assert r.readers("other", 1, "me") == 0


def test_a_late_frame_never_takes_a_tick_back() -> None:
    r = ReadReceipts()
    assert r.read("c", "bob", 7)
    assert not r.read("c", "bob", 4)
    assert r.readers("c", 7, "me") == 1
    r.forget_member("c", "bob")
    assert r.readers("c", 1, "me") == 0
