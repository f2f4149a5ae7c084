"""Desktop notifications through a real D-Bus session bus and a notification daemon in its own
process: one notification per chat updated in place, a click opens the chat, per-chat mute and
Do not disturb silence them."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest

from desktop.core.rest import RestClient
from desktop.ui.app import DesktopApp
from tests.desktop.conftest import unique
from tests.desktop.ui.helpers import PASSWORD, find, sign_up
from tests.support.engines import REPO
from tests.support.server import ServerProcess

pytestmark = pytest.mark.desktop


@dataclass
class Daemon:
    address: str
    proc: subprocess.Popen[str]
    calls: list[dict[str, Any]] = field(default_factory=list)

    def click(self, nid: int) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write(f"click {nid}\n")
        self.proc.stdin.flush()

    def notified(self) -> list[dict[str, Any]]:
        return [c for c in self.calls if "summary" in c]


@pytest.fixture
def daemon() -> Iterator[Daemon]:
    """A private session bus (dbus-daemon) with a notification server on it."""
    bus = subprocess.Popen(
        ["dbus-daemon", "--session", "--nofork", "--print-address=1"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    server: subprocess.Popen[str] | None = None
    try:
        assert bus.stdout is not None
        address = bus.stdout.readline().strip()
        server = subprocess.Popen(
            [sys.executable, "-m", "tests.desktop.ui.notification_server", address],
            cwd=REPO,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert server.stdout is not None
        assert json.loads(server.stdout.readline()) == {"ready": True}
        d = Daemon(address, server)
        out = server.stdout

        def read() -> None:
            for line in out:
                d.calls.append(json.loads(line))

        threading.Thread(target=read, daemon=True).start()
        yield d
    finally:
        for proc in (server, bus):
            if proc is None:
                continue
            proc.kill()
            proc.wait(10)
            for stream in (proc.stdin, proc.stdout):
                if stream is not None:
                    stream.close()


def test_notifications_are_grouped_clickable_and_can_be_silenced(
    daemon: Daemon,  # first: torn down after the app has closed its connection to it
    qtbot: Any,
    run: Callable[..., Any],
    make_app: Callable[[str], DesktopApp],
    desktop_server: ServerProcess,
) -> None:
    app = make_app(desktop_server.url)
    sign_up(qtbot, app, desktop_server.url, unique("nia"))
    assert app.messenger.me is not None
    assert run(app.window.notifier.start_desktop(bus=daemon.address))
    other, name = RestClient(desktop_server.url), unique("oto")

    async def chats() -> tuple[str, str]:
        await other.register(name, f"{name}@example.org", PASSWORD, "Oto")
        await other.login(name, PASSWORD)
        assert app.messenger.me is not None
        one = await other.create_chat("Release", [app.messenger.me.id])
        two = await other.create_chat("Random", [app.messenger.me.id])
        return one.id, two.id

    release, random = run(chats())
    qtbot.waitUntil(lambda: {release, random} <= set(app.messenger.chats), timeout=10_000)
    here = run(app.messenger.chat_list.create_group("My notes", []))
    assert app.window.select_chat(here.id)

    run(other.send(release, "a1", "build is green"))
    qtbot.waitUntil(lambda: len(daemon.notified()) == 1, timeout=10_000)
    run(other.send(release, "a2", "tagging now"))
    qtbot.waitUntil(lambda: len(daemon.notified()) == 2, timeout=10_000)
    first, second = daemon.notified()
    assert (first["summary"], first["body"]) == ("Release", "Oto: build is green")
    assert second["replaces"] == first["id"], "one notification per chat, updated in place"
    assert second["body"] == "2 new messages — latest: Oto: tagging now"

    daemon.click(first["id"])
    qtbot.waitUntil(lambda: app.window.current_chat() == release, timeout=10_000)

    # Random is muted; then Do not disturb silences everything until it is switched off.
    assert app.window.select_chat(here.id)
    app.preferences.set_muted(random, True)
    dnd = find(app.window, type(app.window.dnd), "Do not disturb")

    def unread_in(chat_id: str) -> int:
        return app.messenger.chats[chat_id].unread

    try:
        run(other.send(random, "b1", "lunch?"))
        qtbot.waitUntil(lambda: unread_in(random) == 1, timeout=10_000)
        dnd.click()
        assert app.preferences.do_not_disturb
        before = unread_in(release)
        run(other.send(release, "a3", "during focus time"))
        qtbot.waitUntil(lambda: unread_in(release) == before + 1, timeout=10_000)
        dnd.click()
        assert not app.preferences.do_not_disturb
        run(other.send(release, "a4", "after focus time"))
        qtbot.waitUntil(lambda: len(daemon.notified()) == 3, timeout=10_000)
        assert daemon.notified()[-1]["body"].endswith("Oto: after focus time")
        silenced = ("lunch", "during focus")
        assert not any(s in c["body"] for c in daemon.notified() for s in silenced)
    finally:
        run(other.aclose())
