"""The call window speaks the UI language: its buttons (and what they say once pressed) and the
page's own status line, which the app translates and hands to the page (real app, real server,
the built-in 1:1 call with Chromium's fake devices). Screenshots in both themes go to
tests/artifacts/call_window_ru_*.png."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtWidgets import QPushButton

import tests.desktop.ui.fake_media  # noqa: F401 - sets the fake capture devices
from desktop.ui import theme
from desktop.ui.app import DesktopApp
from desktop.ui.call.window import CallWindow
from desktop.ui.preferences import Preferences
from tests.desktop.ui.helpers import click, find
from tests.desktop.ui.test_calls import two_people
from tests.support.server import ServerProcess

pytestmark = pytest.mark.desktop


@pytest.fixture
def russian(tmp_path: Path, translations: None) -> None:
    """The profiles choose Russian before the apps are built."""
    for app in ("client0", "client1"):  # Alice's and Bob's: translators are process-wide
        Preferences(tmp_path / app).language = "ru"


def page_status(window: CallWindow, seen: list[str]) -> str:
    """Ask the page for its status line; the answer arrives on a later turn of the loop."""
    window.page.runJavaScript(
        "document.getElementById('status').textContent", 0, lambda v: seen.append(str(v))
    )
    return seen[-1] if seen else ""


def test_the_call_window_is_in_russian(
    qtbot: Any,
    russian: None,
    run: Callable[..., Any],
    make_app: Callable[..., DesktopApp],
    desktop_server: ServerProcess,
    artifacts: Path,
) -> None:
    alice, _bob, _chat = two_people(qtbot, run, make_app, desktop_server.url)
    click(qtbot, find(alice.window, QPushButton, "Call"))
    qtbot.waitUntil(lambda: alice.calls.call_window is not None, timeout=10_000)
    window = alice.calls.call_window
    assert isinstance(window, CallWindow)
    assert window.windowTitle() == "Звонок Parley"
    mute, camera = find(window, QPushButton, "Mute"), find(window, QPushButton, "Camera off")
    assert [mute.text(), camera.text()] == ["Выкл. микрофон", "Выкл. камеру"]
    assert find(window, QPushButton, "Hang up").text() == "Завершить"
    seen: list[str] = []
    qtbot.waitUntil(lambda: page_status(window, seen) == "Звоним…", timeout=30_000)
    click(qtbot, mute)
    click(qtbot, camera)
    assert [mute.text(), camera.text()] == ["Вкл. микрофон", "Вкл. камеру"]
    for look in ("light", "dark"):
        theme.apply(look)
        assert window.grab().save(str(artifacts / f"call_window_ru_{look}.png"))
    click(qtbot, find(window, QPushButton, "Hang up"))
    qtbot.waitUntil(lambda: alice.calls.call_window is None, timeout=10_000)
