"""Resume positions: the highest `seq` seen of each chat, since the server sends them in order.

A repeat (a replay at the seam of a resume) is dropped and not counted as unread; a `gap` frame
advances the position like any event; a `seq` that jumps ahead is counted as a broken order
(a safety net that should stay 0) and is not waited for.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from pathlib import Path

from desktop.core.app import Messenger
from desktop.core.positions import Positions
from desktop.core.session import FileStore, SessionStore
from desktop.core.wire import JSON, Chat, User


class Recorder:
    """An `AppListener` that keeps what it is told."""

    def __init__(self) -> None:
        self.errors: list[str] = []
        self.notified: list[str] = []

    def signed_in(self, me: User) -> None: ...
    def signed_out(self, reason: str) -> None: ...
    def chats_reset(self) -> None: ...
    def chat_changed(self, chat_id: str) -> None: ...
    def connection_changed(self, online: bool) -> None: ...
    def typing_changed(self, chat_id: str) -> None: ...

    def notify(self, chat_id: str, title: str, body: str) -> None:
        self.notified.append(chat_id)

    def error(self, text: str) -> None:
        self.errors.append(text)


async def eventually(check: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        await asyncio.sleep(0.02)


def created(chat_id: str, seq: int, sender: str = "u-other") -> JSON:
    message = {
        "id": f"{chat_id}:{seq}",
        "chat_id": chat_id,
        "seq": seq,
        "sender_id": sender,
        "text": f"m{seq}",
        "created_at": "2026-01-01T00:00:00Z",
    }
    return {"type": "message.created", "chat_id": chat_id, "seq": seq, "message": message}


def test_a_position_is_the_highest_seq_seen() -> None:
    p = Positions()
    p.start("c", 5)
    p.start("c", 2)  # known already: a later `ready` does not move it
    assert p.record("c", 6) and p.last("c") == 6
    assert p.record("c", 6) is False and p.record("c", 3) is False
    assert p.record("other", 1) is None  # not tracked
    assert p.record("c", 9) and p.last("c") == 9  # a jump is not waited for, but counted
    assert (p.counters.repeats, p.counters.skipped) == (2, 1)
    assert p.cursor() == [{"chat_id": "c", "last_seq": 9}]


async def test_events_repeats_and_gaps_move_the_resume_point(tmp_path: Path) -> None:
    listener = Recorder()
    m = Messenger(SessionStore(tmp_path, FileStore(tmp_path / "credentials.json")), listener)
    m.chats["c1"] = Chat(id="c1", kind="group", title="one", last_seq=5)
    m.positions.start("c1", 5)

    m.live.on_event(created("c1", 6))
    m.live.on_event({"type": "read", "chat_id": "c1", "user_id": "u-other", "seq": 9})
    assert m.live.resume_cursor() == [{"chat_id": "c1", "last_seq": 6}]  # a read marker is no event
    m.live.on_event(created("c1", 6))  # the same event again (a resume replays it): not counted
    assert m.chats["c1"].unread == 1
    m.live.on_event({"type": "gap", "chat_id": "c1", "seq": 7})  # a seq with nothing to deliver
    m.live.on_event(created("c1", 8))
    assert m.live.resume_cursor() == [{"chat_id": "c1", "last_seq": 8}]
    assert m.chats["c1"].unread == 2 and m.positions.counters.skipped == 0
    await eventually(lambda: len(listener.notified) == 2, 5, "one notification per message")
    await m.tasks.cancel_all()
