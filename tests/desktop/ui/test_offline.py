"""The server goes away and comes back: queued messages go out once, missed ones arrive in order."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from desktop.core.backoff import Backoff
from desktop.core.timeline import SendState
from desktop.ui.app import DesktopApp
from tests.desktop.conftest import unique
from tests.desktop.ui.helpers import (
    click,
    create_group,
    entries,
    screenshot,
    send,
    sign_up,
    texts,
)
from tests.support.client import Api
from tests.support.server import ServerProcess

pytestmark = pytest.mark.desktop


def manual_backoff() -> Backoff:
    """Waits (far) longer than the test: this client reconnects only when asked to."""
    return Backoff(base=600.0, cap=600.0)


@pytest.mark.slow
def test_offline_queue_and_resume_after_server_restart(
    qtbot: Any,
    run: Callable[..., Any],
    make_app: Callable[..., DesktopApp],
    server_factory: Callable[..., ServerProcess],
    artifacts: Path,
) -> None:
    srv = server_factory("embedded")
    alice = make_app(srv.url)
    bob = make_app(srv.url, backoff=manual_backoff)
    alice_name, bob_name = unique("alice"), unique("bob")
    sign_up(qtbot, alice, srv.url, alice_name)
    sign_up(qtbot, bob, srv.url, bob_name)
    api = Api(srv.url)
    carol = run(api.user(unique("carol")))
    chat_id = create_group(qtbot, alice, "Night shift", bob_name, carol.username)
    qtbot.waitUntil(lambda: chat_id in bob.messenger.chats, timeout=10_000)
    assert bob.window.select_chat(chat_id)
    send(qtbot, alice, "before the outage")
    qtbot.waitUntil(lambda: texts(bob) == ["before the outage"], timeout=10_000)

    # The server stops (gracefully: it tells every socket to reconnect, then exits).
    srv.stop()
    qtbot.waitUntil(lambda: alice.window.offline.isVisible(), timeout=10_000)
    qtbot.waitUntil(lambda: bob.window.offline.isVisible(), timeout=10_000)
    bob_rt = bob.messenger.realtime
    assert bob_rt is not None
    # Bob has tried once, found nothing, and now waits for his (long) backoff.
    qtbot.waitUntil(lambda: bob_rt.backoff.attempts >= 1, timeout=10_000)
    send(qtbot, alice, "written offline 1")
    send(qtbot, alice, "written offline 2")
    qtbot.waitUntil(lambda: len(entries(alice)) == 3, timeout=5_000)
    assert [e.state for e in entries(alice)] == [SendState.SENT] + [SendState.PENDING] * 2
    screenshot(alice, artifacts / "offline_banner.png")

    # It comes back. Alice reconnects by herself and her queue goes out; Bob stays offline
    # while Carol writes, so Bob has to catch up by resuming.
    srv.start()
    qtbot.waitUntil(lambda: not alice.window.offline.isVisible(), timeout=15_000)
    qtbot.waitUntil(
        lambda: [e.state for e in entries(alice)] == [SendState.SENT] * 3, timeout=10_000
    )
    for i in (1, 2):
        r = run(
            api.http.post(
                f"/chats/{chat_id}/messages",
                headers=carol.auth,
                json={"client_msg_id": uuid.uuid4().hex, "text": f"carol while bob was away {i}"},
            )
        )
        assert r.status_code == 201, r.text
    assert bob.window.offline.isVisible()
    connections = bob_rt.connections
    click(qtbot, bob.window.offline.button)  # "Reconnect now"
    qtbot.waitUntil(lambda: not bob.window.offline.isVisible(), timeout=10_000)
    assert bob_rt.connections == connections + 1

    expected = [
        "before the outage",
        "written offline 1",
        "written offline 2",
        "carol while bob was away 1",
        "carol while bob was away 2",
    ]
    qtbot.waitUntil(lambda: texts(bob) == expected, timeout=10_000)
    qtbot.waitUntil(lambda: texts(alice) == expected, timeout=10_000)
    assert [e.seq for e in entries(bob)] == [e.seq for e in entries(alice)]

    # Exactly once on the server too, whatever retries happened underneath.
    r = run(api.http.get(f"/chats/{chat_id}/messages", headers=carol.auth))
    stored = [m["text"] for m in r.json()["messages"]]
    assert stored == expected
    run(api.close())
