"""Avatars (initials on a colour of their own, hi-DPI pixmaps) in the chat list, and the chat
header saying who is there: "2 members, 2 online" in a group, "online" and then "last seen today
at …" in a direct chat. Screenshots in both themes go to tests/artifacts/look_*.png.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QPoint
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QLineEdit, QListWidget, QPushButton

from desktop.ui import avatar, theme
from desktop.ui.app import DesktopApp
from desktop.ui.chat_header import ChatHeader
from tests.desktop.conftest import unique
from tests.desktop.ui.contrast import ratio
from tests.desktop.ui.helpers import (
    click,
    create_group,
    find,
    screenshot,
    sign_up,
    texts,
    type_into,
)

pytestmark = pytest.mark.desktop


def test_initials_and_colours_are_stable_and_readable(qapp: Any) -> None:
    assert avatar.initials("Анна Шевченко") == "АШ"
    assert avatar.initials("bob") == "B"
    assert avatar.initials("  ") == "?"
    assert avatar.initials("mary_jane smith") == "MJ"
    assert avatar.color_for("u1") == avatar.color_for("u1"), "the same id, the same colour"
    assert len({avatar.color_for(f"user{n}").name() for n in range(40)}) >= 6, "spread out"
    white = QColor("#ffffff")
    for colour in avatar.COLORS:
        assert ratio(QColor(colour), white) >= 4.5, colour
    sharp = avatar.pixmap("u1", "Anna", 36, 2.0)
    assert (sharp.width(), sharp.height()) == (72, 72), "painted at the screen's pixel ratio"
    assert sharp.devicePixelRatio() == 2.0
    assert avatar.pixmap("u1", "Anna", 36, 2.0).cacheKey() == sharp.cacheKey(), "cached"


def header(app: DesktopApp) -> ChatHeader:
    found = app.window.pane.findChild(ChatHeader)
    assert found is not None
    return found


def avatar_pixel(app: DesktopApp, row: int) -> QColor:
    """A pixel inside the avatar's circle, above its letters."""
    view = app.window.chat_list
    rect = view.visualRect(app.window.chat_proxy.index(row, 0))
    image = view.viewport().grab().toImage()
    ratio_ = image.devicePixelRatio()
    point = QPoint(rect.left() + 8 + 18, rect.top() + (rect.height() - 36) // 2 + 5)
    return image.pixelColor(QPoint(int(point.x() * ratio_), int(point.y() * ratio_)))


def gutter_colours(app: DesktopApp) -> set[str]:
    """The colours down the middle of the avatar gutter left of the first message."""
    view = app.window.pane.view
    rect = view.visualRect(view.model().index(0, 0))
    image = view.viewport().grab().toImage()
    scale = image.devicePixelRatio()
    x = int((8 + 2 + 14) * scale)
    return {image.pixelColor(x, int(y * scale)).name() for y in range(rect.top(), rect.bottom())}


def test_chat_list_avatars_and_the_chat_header(
    qtbot: Any,
    run: Callable[..., Any],
    make_app: Callable[[str], DesktopApp],
    desktop_server: Any,
    artifacts: Path,
) -> None:
    url = desktop_server.url
    alice, bob = make_app(url), make_app(url)
    bob_name = unique("bob")
    sign_up(qtbot, alice, url, unique("ann"))
    sign_up(qtbot, bob, url, bob_name)
    group = create_group(qtbot, alice, "Design review", bob_name)
    h = header(alice)
    qtbot.waitUntil(lambda: h.subtitle.text() == "2 members, 2 online", timeout=10_000)
    assert alice.window.pane.title.text() == "Design review"
    assert h.avatar.pixmap() is not None and not h.avatar.pixmap().isNull()
    assert avatar_pixel(alice, 0) == avatar.color_for(group), "the group's own colour"
    bob_id = bob.messenger.me.id if bob.messenger.me else ""
    run(bob.messenger.outbox.send(group, "Here is the mock-up"))
    qtbot.waitUntil(lambda: texts(alice) == ["Here is the mock-up"], timeout=10_000)
    qtbot.waitUntil(lambda: avatar.color_for(bob_id).name() in gutter_colours(alice), timeout=5_000)
    for look in ("light", "dark"):
        theme.apply(look)
        screenshot(alice, artifacts / f"look_group_header_{look}.png")

    click(qtbot, find(alice.window, QPushButton, "New direct chat"))
    type_into(qtbot, find(alice.window, QLineEdit, "Search users"), bob_name)
    users = find(alice.window, QListWidget, "Users")
    qtbot.waitUntil(lambda: users.count() >= 1, timeout=10_000)
    users.setCurrentRow(0)
    click(qtbot, find(alice.window, QPushButton, "Start chat"))
    qtbot.waitUntil(lambda: alice.window.current_chat() not in (None, group), timeout=10_000)
    direct = alice.window.current_chat()
    assert direct is not None
    qtbot.waitUntil(lambda: h.subtitle.text() == "online", timeout=10_000)
    peer = alice.messenger.chats[direct].peer_id
    assert peer is not None
    row = alice.window.chat_proxy.row_of(direct)
    assert row is not None
    assert avatar_pixel(alice, row) == avatar.color_for(peer), "a direct chat wears the peer's"
    for look in ("light", "dark"):
        theme.apply(look)
        screenshot(alice, artifacts / f"look_direct_online_{look}.png")
    run(bob.messenger.sign_out())
    qtbot.waitUntil(lambda: h.subtitle.text().startswith("last seen today at "), timeout=30_000)
    for look in ("light", "dark"):
        theme.apply(look)
        screenshot(alice, artifacts / f"look_direct_last_seen_{look}.png")
    theme.apply("light")


def test_the_focused_control_wears_a_ring_in_both_themes(
    qtbot: Any, make_app: Callable[[str], DesktopApp], desktop_server: Any, artifacts: Path
) -> None:
    app = make_app(desktop_server.url)
    w = app.window
    with qtbot.waitActive(w, timeout=5_000):
        w.activateWindow()
    button = w.signin.sign_in
    for look in ("light", "dark"):
        accent = theme.apply(look).color("accent")
        button.setFocus()
        qtbot.waitUntil(button.hasFocus, timeout=5_000)
        image = button.grab().toImage()
        edge = image.pixelColor(QPoint(1, image.height() // 2))
        assert ratio(edge, accent) < 1.3, (
            f"{look}: the ring is the accent colour, got {edge.name()}"
        )
        w.signin.username.setFocus()
        qtbot.waitUntil(lambda: not button.hasFocus(), timeout=5_000)
        plain = button.grab().toImage().pixelColor(QPoint(1, image.height() // 2))
        assert ratio(plain, accent) > 1.3, "only the focused control wears it"
        button.setFocus()
        screenshot(app, artifacts / f"look_focus_ring_{look}.png")
    theme.apply("light")
