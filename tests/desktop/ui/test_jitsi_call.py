"""The Jitsi path of the call window against a stand-in of Jitsi's IFrame API on 127.0.0.1.

The stand-in records the options the app builds it with and the commands it gets, and emits
events the test queues; the server is a real `parley-server` configured for Jitsi.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtWidgets import QPushButton

import tests.desktop.ui.fake_media  # noqa: F401 - sets the fake capture devices
from desktop.ui.app import DesktopApp
from tests.desktop.conftest import unique
from tests.desktop.ui.helpers import click, find, group_of_two, sign_up, username
from tests.support.server import ServerProcess

STANDIN = Path(__file__).parent / "jitsi_standin" / "external_api.js"
SECRET = "jitsi-desktop-test-secret-" + "y" * 16


class StandIn:
    def __init__(self) -> None:
        self.records: list[dict[str, Any]] = []
        self.queued: list[dict[str, Any]] = []
        self.lock = threading.Lock()

    def of(self, kind: str) -> list[Any]:
        with self.lock:
            return [r["data"] for r in self.records if r["kind"] == kind]

    def emit(self, name: str, data: Any = None) -> None:
        with self.lock:
            self.queued.append({"name": name, "data": data})


def _handler(standin: StandIn) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def _reply(self, body: bytes, kind: str) -> None:
            self.send_response(200)
            self.send_header("Content-Type", kind)
            self.send_header("Access-Control-Allow-Origin", "*")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self) -> None:
            if self.path.startswith("/external_api.js"):
                self._reply(STANDIN.read_bytes(), "text/javascript")
            elif self.path == "/events":
                with standin.lock:
                    events, standin.queued = standin.queued, []
                self._reply(json.dumps(events).encode(), "application/json")
            else:
                self.send_error(404)

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            record = json.loads(self.rfile.read(length) or b"{}")
            with standin.lock:
                standin.records.append(record)
            self._reply(b"{}", "application/json")

        def log_message(self, *_: Any) -> None:
            pass

    return Handler


@pytest.fixture
def standin() -> Iterator[tuple[StandIn, str]]:
    state = StandIn()
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler(state))
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield state, f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def window_of(app: DesktopApp) -> Any:
    assert app.calls.call_window is not None
    return app.calls.call_window


def test_jitsi_call_is_built_from_the_servers_token_and_bridged_both_ways(
    qtbot: Any,
    run: Callable[..., Any],
    make_app: Callable[..., DesktopApp],
    server_factory: Callable[..., ServerProcess],
    standin: tuple[StandIn, str],
) -> None:
    state, jitsi_url = standin
    env = {
        "PARLEY_JITSI_URL": jitsi_url,
        "PARLEY_JITSI_APP_ID": "parley",
        "PARLEY_JITSI_APP_SECRET": SECRET,
    }
    srv = server_factory("embedded", env=env)
    alice, bob, chat_id = group_of_two(qtbot, make_app, srv.url, "Standup")
    a_name = username(alice)
    assert bob.window.select_chat(chat_id)

    click(qtbot, find(alice.window, QPushButton, "Call"))
    qtbot.waitUntil(lambda: bool(state.of("constructed")), timeout=30_000)
    session = alice.messenger.calls.active
    assert session is not None and session.kind == "jitsi"
    (built,) = state.of("constructed")
    assert built["roomName"] == session.jitsi["room"] and built["jwt"] == session.jitsi["jwt"]
    assert built["configOverwrite"]["prejoinConfig"] == {"enabled": False}
    assert built["configOverwrite"]["defaultLanguage"] == "en"  # Jitsi speaks the app's language
    assert built["userInfo"]["displayName"] == a_name.title()
    assert built["domain"] == jitsi_url.removeprefix("http://")
    # Our own host page is not Jitsi's origin: it does not get the camera.
    qtbot.waitUntil(lambda: bool(state.of("host_camera")), timeout=10_000)
    assert state.of("host_camera") != ["granted"]
    assert window_of(alice).denied == [("MediaVideoCapture", "file:///")]
    # A group call shows Bob a join banner, not a ringing prompt.
    qtbot.waitUntil(lambda: find(bob.window, QPushButton, "Join call").isVisible(), timeout=10_000)
    assert bob.calls.incoming is None

    # Carol joins the group after the call began: her app asks, and shows the banner too.
    carol, c_name = make_app(srv.url), unique("carol")
    sign_up(qtbot, carol, srv.url, c_name)
    run(alice.messenger.chat_list.invite(chat_id, c_name))
    qtbot.waitUntil(lambda: chat_id in carol.messenger.chats, timeout=10_000)
    assert carol.window.select_chat(chat_id)
    qtbot.waitUntil(carol.calls.banner.isVisible, timeout=10_000)

    window = alice.calls.call_window
    assert window is not None
    # Jitsi's events reach the app...
    state.emit("videoConferenceJoined", {"roomName": built["roomName"], "id": "me"})
    state.emit("participantJoined", {"id": "p2", "displayName": "Bob"})
    names = lambda: [e["name"] for e in window.events]  # noqa: E731
    qtbot.waitUntil(lambda: "participantJoined" in names(), timeout=10_000)
    assert names()[:2] == ["videoConferenceJoined", "participantJoined"]
    # ...and the app's buttons reach Jitsi.
    # Each command is a separate script run in the page: wait for one before the next.
    for button, command in (
        ("Mute", "toggleAudio"),
        ("Camera off", "toggleVideo"),
        ("Share screen", "toggleShareScreen"),
    ):
        click(qtbot, find(window, QPushButton, button))
        qtbot.waitUntil(lambda c=command: c in state.of("command"), timeout=10_000)
    assert state.of("command") == ["toggleAudio", "toggleVideo", "toggleShareScreen"]
    state.emit("screenSharingStatusChanged", {"on": True})
    qtbot.waitUntil(lambda: window.bar is not None and window.bar.isVisible(), timeout=10_000)
    assert window.bar is not None
    click(qtbot, find(window.bar, QPushButton, "Stop sharing"))
    qtbot.waitUntil(lambda: state.of("command")[-1:] == ["toggleShareScreen"], timeout=10_000)
    state.emit("screenSharingStatusChanged", {"on": False})
    qtbot.waitUntil(lambda: window.bar is None, timeout=10_000)
    # Navigation away from the call page is refused.
    window.page.runJavaScript("window.location.href = 'https://example.org/';")
    qtbot.waitUntil(lambda: bool(window.page.refused), timeout=10_000)
    assert window.page.refused == ["https://example.org/"]
    assert window.page.url().toString() == window.own
    # Jitsi says the meeting is over: the window goes and Alice has left the call.
    state.emit("readyToClose")
    qtbot.waitUntil(lambda: alice.calls.call_window is None, timeout=10_000)
    assert alice.messenger.calls.active is None
    qtbot.waitUntil(lambda: chat_id not in bob.messenger.calls.running, timeout=10_000)
