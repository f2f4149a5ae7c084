"""Resume positions with holes: out-of-order events never move the resume point past a gap.

With several replicas, live events of one chat arrive out of order, and one can be lost for good
(a replica killed between commit and publish). The app resumes from the highest seq with no hole
below it, and asks again for a hole that stays open.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Callable
from pathlib import Path

from desktop.core.app import Messenger
from desktop.core.positions import GAP_RESUME_S, ChatPosition
from desktop.core.rest import RestClient
from desktop.core.session import FileStore, SessionStore
from desktop.core.wire import JSON, Chat, User
from tests.desktop.conftest import unique
from tests.support.server import ServerProcess

PASSWORD = "correct horse 1"


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


def test_a_position_advances_only_over_held_seqs() -> None:
    pos = ChatPosition(5)
    assert pos.record(7, now=10.0) and pos.contiguous == 5 and pos.gap_since == 10.0
    assert pos.record(8, now=10.5) and pos.gap_since == 10.0  # the same hole, still open
    assert not pos.record(7, now=10.6) and not pos.record(4, now=10.6)  # duplicates
    assert pos.due(10.5) == GAP_RESUME_S - 0.5
    assert pos.record(6, now=10.7)
    assert pos.contiguous == 8 and pos.ahead == set() and pos.gap_since is None
    assert pos.due(11.0) is None


async def test_out_of_order_frames_resume_from_below_the_hole(tmp_path: Path) -> None:
    listener = Recorder()
    m = Messenger(SessionStore(tmp_path, FileStore(tmp_path / "credentials.json")), listener)
    m.chats["c1"] = Chat(id="c1", kind="group", title="one", last_seq=5)
    m.positions.start("c1", 5)
    ready = {"type": "ready", "chats": [{"chat_id": "c1", "last_seq": 9}]}

    m.on_event(created("c1", 7))  # 6 is still on its way from another replica
    m.on_event({"type": "read", "chat_id": "c1", "user_id": "u-other", "seq": 9})
    assert m.positions.contiguous("c1") == 5
    assert m.resume_cursor(ready) == [{"chat_id": "c1", "last_seq": 5}]

    m.on_event(created("c1", 6))  # older than the last message, yet new to us: unread
    assert m.positions.contiguous("c1") == 7
    assert m.chats["c1"].unread == 2
    m.on_event(created("c1", 6))  # the same event again (a resume replays it): not counted
    assert m.chats["c1"].unread == 2
    assert m.resume_cursor(ready) == [{"chat_id": "c1", "last_seq": 7}]

    m.on_event({"type": "read", "chat_id": "c1", "user_id": "u-other", "seq": 12})
    assert m.positions.contiguous("c1") == 7  # a reader's marker is not an event of the chat
    m.on_event(created("c1", 8))
    m.on_event(created("c1", 9))
    assert m.resume_cursor(ready) == []  # level with the server: nothing to resume
    await eventually(lambda: len(listener.notified) == 4, 5, "one notification per message")
    await m.tasks.cancel_all()


async def test_a_hole_that_stays_open_is_asked_for_again(
    desktop_server: ServerProcess, tmp_path: Path
) -> None:
    alice, bob = unique("gapa"), unique("gapb")
    rest = RestClient(desktop_server.url)
    await rest.register(bob, f"{bob}@example.org", PASSWORD, "")
    await rest.register(alice, f"{alice}@example.org", PASSWORD, "")
    await rest.login(alice, PASSWORD)
    chat = await rest.create_chat("holes", [])
    await rest.invite(chat.id, bob)

    listener = Recorder()
    m = Messenger(SessionStore(tmp_path, FileStore(tmp_path / "credentials.json")), listener)
    await m.sign_in(desktop_server.url, bob, PASSWORD)
    assert m.realtime is not None
    await eventually(lambda: m.realtime is not None and m.realtime.online, 10, "bob online")
    await m.open_chat(chat.id)
    sent = [await rest.send(chat.id, uuid.uuid4().hex, f"hole {i}") for i in range(3)]
    first, last = sent[0].seq, sent[-1].seq
    await eventually(lambda: m.positions.contiguous(chat.id) == last, 10, "the live events")

    # As if only the middle event had come through (its neighbours lost with a dead replica):
    m.positions.forget(chat.id)
    m.positions.start(chat.id, first - 1)
    history, _ = await rest.history(chat.id, after=first - 1)
    middle = history[1]
    assert middle.seq == sent[1].seq
    m.on_event(
        {
            "type": "message.created",
            "chat_id": chat.id,
            "seq": middle.seq,
            "message": {
                "id": middle.id,
                "chat_id": chat.id,
                "seq": middle.seq,
                "sender_id": middle.sender_id,
                "text": middle.text,
                "created_at": middle.created_at.isoformat(),
            },
        }
    )
    ready = {"type": "ready", "chats": [{"chat_id": chat.id, "last_seq": last}]}
    assert m.resume_cursor(ready) == [{"chat_id": chat.id, "last_seq": first - 1}]

    opened = time.monotonic()
    await eventually(lambda: m.positions.contiguous(chat.id) == last, 10, "the hole filled")
    assert time.monotonic() - opened >= GAP_RESUME_S * 0.9  # asked for after the grace period
    position = m.positions.get(chat.id)
    assert position is not None and position.gap_since is None
    assert m.resume_cursor(ready) == []
    tl = m.timeline(chat.id)
    seqs = [s for i in range(len(tl)) if (s := tl.row(i).seq) is not None and s >= first]
    assert seqs == [s.seq for s in sent]  # replayed events are not shown twice
    assert listener.errors == []
    await m.close()
    await rest.aclose()
