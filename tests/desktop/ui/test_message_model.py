"""The message list model is a bounded, consistent window over a chat's timeline."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from desktop.core.app import Messenger
from desktop.core.session import FileStore, SessionStore
from desktop.core.timeline import SendState, Timeline
from desktop.core.wire import Message, User
from desktop.ui.bridge import Bridge
from desktop.ui.message_model import SLIDE, WINDOW, MessageModel

pytestmark = pytest.mark.desktop
T0 = datetime(2026, 1, 1, tzinfo=UTC)


def msg(seq: int, sender: str = "them", cid: str | None = None) -> Message:
    return Message(
        id=f"c:{seq}",
        chat_id="c",
        seq=seq,
        sender_id=sender,
        text=f"m{seq}",
        created_at=T0 + timedelta(minutes=seq),
        client_msg_id=cid,
    )


@pytest.fixture
def model(qtmodeltester: Any, tmp_path: Path) -> MessageModel:
    sessions = SessionStore(tmp_path, FileStore(tmp_path / "c.json"))
    messenger = Messenger(sessions, Bridge())
    messenger.me = User("me", "me", "Me")
    m = MessageModel(messenger.people)
    qtmodeltester.check(m)  # Qt's own consistency checks stay attached for the whole test
    return m


def seqs(m: MessageModel) -> list[int | None]:
    return [m.entry(r).seq for r in range(m.rowCount())]  # type: ignore[union-attr]


def test_a_long_history_shows_a_bounded_window_that_follows_new_messages(
    model: MessageModel,
) -> None:
    tl = Timeline("c")
    tl.replace([msg(s) for s in range(2001, 3001)], has_more_before=True)
    tl.merge([msg(s) for s in range(1, 2001)])  # the window is not at the top: shifted only
    model.show(tl)
    assert model.rowCount() == WINDOW and model.at_newest
    assert seqs(model)[-1] == 3000 and seqs(model)[0] == 3000 - WINDOW + 1

    tl.upsert(msg(3001))  # a live message: shown, the oldest row of the window drops out
    assert model.rowCount() == WINDOW and seqs(model)[-1] == 3001

    tl.add_pending("p1", "me", "mine")
    assert model.entry(model.rowCount() - 1).state is SendState.PENDING  # type: ignore[union-attr]
    tl.acknowledge("p1", 3002, "c:3002")
    assert seqs(model)[-2:] == [3001, 3002] and model.rowCount() == WINDOW


def test_sliding_up_and_down_through_memory_and_an_older_page_at_the_top(
    model: MessageModel,
) -> None:
    tl = Timeline("c")
    tl.replace([msg(s) for s in range(501, 3001)], has_more_before=True)
    model.show(tl)
    while model.slide_up():
        assert model.rowCount() <= WINDOW
    assert model.start == 0 and seqs(model)[0] == 501 and not model.at_newest
    model.keep_top = True  # the reader is at the top and asked for more
    tl.merge([msg(s) for s in range(401, 501)])  # a page fetched because we are at the top
    assert seqs(model)[:2] == [401, 402] and model.rowCount() == WINDOW
    tl.upsert(msg(3001))  # the window is far from the newest: not shown yet
    assert seqs(model)[-1] != 3001
    while model.slide_down():
        assert model.rowCount() <= WINDOW
    assert model.at_newest and seqs(model)[-1] == 3001
    assert seqs(model) == list(range(3001 - WINDOW + 1, 3002))
    assert SLIDE < WINDOW


def test_an_older_page_fetched_while_reading_the_newest_does_not_move_the_window(
    model: MessageModel,
) -> None:
    tl = Timeline("c")
    tl.replace([msg(s) for s in range(901, 1001)], has_more_before=True)
    model.show(tl)
    for low in range(801, 0, -100):
        tl.merge([msg(s) for s in range(low, low + 100)])
    assert model.at_newest and seqs(model) == list(range(1001 - WINDOW, 1001))
    tl.replace([msg(s) for s in range(1101, 1201)], has_more_before=True)  # a resync
    tl.merge([msg(s) for s in range(1001, 1101)])
    tl.merge([msg(s) for s in range(2, 1001)])  # too big to fit: stays above the window
    assert model.at_newest and seqs(model) == list(range(1001, 1201))
    assert model.start == len(tl) - 200


def test_jumping_back_to_the_newest_after_reading_old_messages(model: MessageModel) -> None:
    tl = Timeline("c")
    tl.replace([msg(s) for s in range(1, 1501)], has_more_before=False)
    model.show(tl)
    model.slide_up()
    model.slide_up()
    model.slide_up()
    assert not model.at_newest
    model.jump_to_newest()
    assert model.at_newest and seqs(model)[-1] == 1500
