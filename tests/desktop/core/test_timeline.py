"""The timeline merges pages, live events and acks into one ordered list, each message once."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

from desktop.core.timeline import SendState, Timeline
from desktop.core.wire import Message


def msg(seq: int, text: str = "", sender: str = "u2", cid: str | None = None) -> Message:
    return Message(
        id=f"c:{seq}",
        chat_id="c",
        seq=seq,
        sender_id=sender,
        text=text or f"m{seq}",
        created_at=datetime(2026, 1, 1, tzinfo=UTC),
        client_msg_id=cid,
    )


class Recorder:
    """Checks the begin/end pairing and keeps a mirror of the row count, like a Qt view."""

    def __init__(self, tl: Timeline) -> None:
        self.tl, self.rows, self.open = tl, len(tl), ""
        self.changed: list[int] = []

    def begin_insert(self, first: int, last: int) -> None:
        assert not self.open and 0 <= first <= self.rows
        self.open, self.pending = "insert", last - first + 1

    def end_insert(self) -> None:
        assert self.open == "insert"
        self.rows += self.pending
        self.open = ""
        assert self.rows == len(self.tl)

    def begin_remove(self, first: int, last: int) -> None:
        assert not self.open and 0 <= first <= last < self.rows
        self.open, self.pending = "remove", last - first + 1

    def end_remove(self) -> None:
        assert self.open == "remove"
        self.rows -= self.pending
        self.open = ""
        assert self.rows == len(self.tl)

    def row_changed(self, row: int) -> None:
        assert not self.open and 0 <= row < self.rows
        self.changed.append(row)

    def begin_reset(self) -> None:
        self.open = "reset"

    def end_reset(self) -> None:
        self.open = ""
        self.rows = len(self.tl)


def rows(tl: Timeline) -> list[tuple[int | None, str, SendState]]:
    return [(e.seq, e.text, e.state) for e in (tl.row(i) for i in range(len(tl)))]


def test_pages_and_live_events_merge_in_seq_order_without_duplicates() -> None:
    tl = Timeline("c")
    rec = Recorder(tl)
    tl.observer = rec
    tl.replace([msg(8), msg(9), msg(10)], has_more_before=True)
    tl.merge([msg(5), msg(6), msg(7)])  # an older page: one block at the top
    tl.upsert(msg(12))
    tl.upsert(msg(11))  # arrived late
    tl.upsert(msg(12))  # resumed again
    assert [r[0] for r in rows(tl)] == [5, 6, 7, 8, 9, 10, 11, 12]
    assert tl.oldest_seq == 5 and tl.newest_seq == 12


def test_own_message_pending_then_acknowledged_then_echoed() -> None:
    tl = Timeline("c")
    tl.observer = Recorder(tl)
    tl.replace([msg(1)], has_more_before=False)
    tl.add_pending("a", "me", "hello")
    tl.add_pending("b", "me", "again")
    assert [r[2] for r in rows(tl)] == [SendState.SENT, SendState.PENDING, SendState.PENDING]
    tl.upsert(msg(2, "other person"))  # lands before our pending rows
    tl.acknowledge("a", 3, "c:3")
    tl.upsert(msg(3, "hello", sender="me", cid="a"))  # our own echo: no duplicate
    tl.upsert(msg(4, "again", sender="me", cid="b"))  # the echo overtakes the ack
    tl.acknowledge("b", 4, "c:4")
    assert rows(tl) == [
        (1, "m1", SendState.SENT),
        (2, "other person", SendState.SENT),
        (3, "hello", SendState.SENT),
        (4, "again", SendState.SENT),
    ]


def test_failed_send_can_be_retried_and_edits_and_deletes_apply_in_place() -> None:
    tl = Timeline("c")
    rec = Recorder(tl)
    tl.observer = rec
    tl.replace([msg(1), msg(2)], has_more_before=False)
    tl.add_pending("x", "me", "too fast")
    tl.set_state("x", SendState.FAILED, "slow down")
    assert rows(tl)[-1][2] is SendState.FAILED
    tl.set_state("x", SendState.PENDING)
    tl.acknowledge("x", 3, "c:3")
    tl.upsert(replace(msg(1), text="fixed", edited_at=datetime(2026, 1, 2, tzinfo=UTC)))
    tl.upsert(replace(msg(2), text="", deleted=True))
    assert tl.row(0).text == "fixed" and tl.row(0).edited
    assert tl.row(1).deleted and tl.row(1).text == ""
    assert rows(tl)[2] == (3, "too fast", SendState.SENT)
    assert 0 in rec.changed and 1 in rec.changed


def test_resync_keeps_unsent_messages() -> None:
    tl = Timeline("c")
    tl.replace([msg(1)], has_more_before=False)
    tl.add_pending("p", "me", "still queued")
    tl.replace([msg(50), msg(51)], has_more_before=True)
    assert rows(tl) == [
        (50, "m50", SendState.SENT),
        (51, "m51", SendState.SENT),
        (None, "still queued", SendState.PENDING),
    ]


def test_live_messages_during_the_first_load_are_kept() -> None:
    """The first page may be read before messages that arrive live while it loads."""
    tl = Timeline("c")
    tl.early.extend([msg(3), msg(2)])
    tl.replace([msg(1), msg(2, "from the page")], has_more_before=False)
    assert [(e.seq, e.text) for e in (tl.row(i) for i in range(len(tl)))] == [
        (1, "m1"),
        (2, "m2"),
        (3, "m3"),
    ]
    assert tl.early == []
