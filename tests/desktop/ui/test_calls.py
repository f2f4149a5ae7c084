"""Calls in the real app against a real server: the 1:1 WebRTC path end to end, the sandbox.

Camera and microphone are Chromium's fake devices (`--use-fake-device-for-media-stream`); the
app's own permission handling grants them, so no flag bypasses the code under test.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

import psutil
from PySide6.QtWidgets import QLabel, QPushButton

import tests.desktop.ui.fake_media  # noqa: F401 - sets the fake capture devices
from desktop.ui.app import DesktopApp
from desktop.ui.call.picker import SourcePicker
from tests.desktop.conftest import unique
from tests.desktop.ui.helpers import click, create_group, find, sign_up
from tests.support.server import ServerProcess


def renderers() -> list[psutil.Process]:
    """The web engine's page processes: forked from its zygote, they keep the zygote's command
    line, so they are the zygote-type processes whose parent is one too."""
    found = []
    for p in psutil.Process().children(recursive=True):
        try:
            parent = p.parent()
            if (
                "QtWebEngineProcess" in p.name()
                and "--type=zygote" in p.cmdline()
                and parent is not None
                and "--type=zygote" in parent.cmdline()
            ):
                found.append(p)
        except psutil.NoSuchProcess:
            continue
    return found


def capture_services() -> list[psutil.Process]:
    """Chromium's camera service: it runs while a page holds the camera."""
    found = []
    for p in psutil.Process().children(recursive=True):
        try:
            if any("VideoCaptureService" in part for part in p.cmdline()):
                found.append(p)
        except psutil.NoSuchProcess:
            continue
    return found


def decoding(app: DesktopApp, kind: str) -> bool:
    window = app.calls.call_window
    if window is None:
        return False
    got = window.stats.get("inbound", {}).get(kind, {})
    return bool(got.get("bytes", 0) > 0 and (kind == "audio" or got.get("frames", 0) > 0))


def inbound_video(app: DesktopApp) -> dict[str, Any]:
    window = app.calls.call_window
    assert window is not None
    got: dict[str, Any] = window.stats.get("inbound", {}).get("video", {})
    return got


def share_screen(qtbot: Any, alice: DesktopApp, bob: DesktopApp) -> None:
    """Alice shares her (Xvfb) screen through the app's picker; Bob decodes the new track."""
    window = alice.calls.call_window
    assert window is not None
    camera = inbound_video(bob)
    assert camera["width"] * 3 == camera["height"] * 4  # the fake camera's 4:3
    click(qtbot, find(window, QPushButton, "Share screen"))
    qtbot.waitUntil(lambda: bool(window.findChildren(SourcePicker)), timeout=10_000)
    (picker,) = window.findChildren(SourcePicker)
    qtbot.waitUntil(lambda: picker.sources.count() > 0, timeout=10_000)
    assert picker.sources.item(0).text().startswith("Screen")
    preview = picker.preview.pixmap()
    assert preview is not None and not preview.isNull()
    click(qtbot, find(picker, QPushButton, "Share"))
    qtbot.waitUntil(lambda: window.bar is not None, timeout=10_000)
    frames = inbound_video(bob)["frames"]
    # The screen is 1280×720: Bob's decoder now gets 16:9 frames (WebRTC may scale them down
    # under load, keeping the aspect).
    qtbot.waitUntil(
        lambda: (
            inbound_video(bob)["frames"] > frames + 10
            and inbound_video(bob)["width"] * 9 == inbound_video(bob)["height"] * 16
        ),
        timeout=60_000,
    )
    assert window.bar is not None
    click(qtbot, find(window.bar, QPushButton, "Stop sharing"))
    qtbot.waitUntil(lambda: window.bar is None, timeout=10_000)


def mute_and_camera(qtbot: Any, app: DesktopApp) -> None:
    """The window's Mute and Camera off buttons switch the page's own tracks off and on."""
    window = app.calls.call_window
    assert window is not None
    local = lambda: window.stats.get("local", {})  # noqa: E731
    assert local() == {"audio": True, "video": True}
    click(qtbot, find(window, QPushButton, "Mute"))
    click(qtbot, find(window, QPushButton, "Camera off"))
    qtbot.waitUntil(lambda: local() == {"audio": False, "video": False}, timeout=10_000)
    click(qtbot, find(window, QPushButton, "Mute"))
    click(qtbot, find(window, QPushButton, "Camera off"))
    qtbot.waitUntil(lambda: local() == {"audio": True, "video": True}, timeout=10_000)


def two_people(
    qtbot: Any, run: Callable[..., Any], make_app: Callable[..., DesktopApp], url: str
) -> tuple[DesktopApp, DesktopApp, str]:
    alice, bob = make_app(url), make_app(url)
    a_name, b_name = unique("alice"), unique("bob")
    sign_up(qtbot, alice, url, a_name)
    sign_up(qtbot, bob, url, b_name)
    (found,) = [u for u in run(alice.messenger.people.search_users(b_name)) if u.username == b_name]
    chat = run(alice.messenger.chat_list.direct_with(found))
    qtbot.waitUntil(lambda: chat.id in bob.messenger.chats, timeout=10_000)
    assert alice.window.select_chat(chat.id)
    assert bob.window.select_chat(chat.id)
    return alice, bob, chat.id


def test_one_to_one_call_carries_audio_and_video_both_ways(
    qtbot: Any,
    run: Callable[..., Any],
    make_app: Callable[..., DesktopApp],
    desktop_server: ServerProcess,
) -> None:
    alice, bob, _chat = two_people(qtbot, run, make_app, desktop_server.url)
    click(qtbot, find(alice.window, QPushButton, "Call"))
    qtbot.waitUntil(lambda: alice.calls.call_window is not None, timeout=10_000)
    # Bob's app rings; he accepts.
    qtbot.waitUntil(lambda: bob.calls.incoming is not None, timeout=10_000)
    assert bob.calls.incoming is not None
    assert "is calling you" in find(bob.calls.incoming, QLabel, "Incoming call text").text()
    click(qtbot, find(bob.calls.incoming, QPushButton, "Accept"))
    qtbot.waitUntil(lambda: bob.calls.call_window is not None, timeout=10_000)
    for app in (alice, bob):
        for kind in ("audio", "video"):
            qtbot.waitUntil(lambda a=app, k=kind: decoding(a, k), timeout=60_000)
    assert len(renderers()) >= 2  # a page per call window
    mute_and_camera(qtbot, alice)
    assert capture_services()
    if os.environ.get("PARLEY_TEST_SHARE_SCREEN"):  # set by test_screen_share.py under Xvfb
        share_screen(qtbot, alice, bob)
    # Alice hangs up: both windows close and the web engine's processes go away.
    window = alice.calls.call_window
    assert window is not None
    click(qtbot, find(window, QPushButton, "Hang up"))
    qtbot.waitUntil(lambda: alice.calls.call_window is None, timeout=10_000)
    qtbot.waitUntil(lambda: bob.calls.call_window is None, timeout=10_000)
    qtbot.waitUntil(lambda: not renderers(), timeout=30_000)
    qtbot.waitUntil(lambda: not capture_services(), timeout=30_000)
    assert find(bob.window, QPushButton, "Call").isEnabled()


def test_group_call_without_jitsi_says_so_and_decline_stops_the_ringing(
    qtbot: Any,
    run: Callable[..., Any],
    make_app: Callable[..., DesktopApp],
    desktop_server: ServerProcess,
) -> None:
    alice, bob, _direct = two_people(qtbot, run, make_app, desktop_server.url)
    # Bob declines: Alice's call ends, her window closes, nothing of the call is left.
    click(qtbot, find(alice.window, QPushButton, "Call"))
    qtbot.waitUntil(lambda: bob.calls.incoming is not None, timeout=10_000)
    assert bob.calls.incoming is not None
    click(qtbot, find(bob.calls.incoming, QPushButton, "Decline"))
    qtbot.waitUntil(lambda: alice.calls.call_window is None, timeout=10_000)
    assert alice.messenger.calls.active is None and bob.calls.call_window is None
    # This server has no Jitsi: a group's Call button gives way to a plain explanation.
    group = create_group(
        qtbot, alice, "Book club", bob.messenger.me.username if bob.messenger.me else ""
    )
    click(qtbot, find(alice.window, QPushButton, "Call"))
    qtbot.waitUntil(alice.calls.unavailable.isVisible, timeout=10_000)
    label = find(alice.window, QLabel, "Call unavailable")
    assert label.text() == "Group calls need a Jitsi server"
    assert not alice.calls.button.isVisible()
    assert alice.calls.call_window is None and group in alice.messenger.chats
    # The refusal reaches the banner when the failed task's callback runs, after the header.
    qtbot.waitUntil(lambda: "Jitsi" in alice.window.error_banner.text(), timeout=10_000)
