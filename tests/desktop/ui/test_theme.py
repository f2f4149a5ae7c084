"""Readable in both themes: text/background contrast of at least 4.5:1 (WCAG AA) on screen, for
message bubbles (mine and theirs), chat list rows (selected or not) and the composer; and a
dark desktop gets the dark theme by itself."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QPoint, QRect
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication

from desktop.ui import theme
from desktop.ui.app import DesktopApp
from desktop.ui.delegates import PAD
from tests.desktop.ui.contrast import ratio, region_of, strongest
from tests.desktop.ui.helpers import create_group, group_of_two, screenshot, send, texts
from tests.support.server import ServerProcess

pytestmark = pytest.mark.desktop

AA = 4.5


@pytest.fixture
def desktop_palette(qapp: QApplication) -> Iterator[Callable[[str], None]]:
    """Pretend the desktop hands the app a light or dark palette; restored afterwards."""
    original = QPalette(qapp.palette())

    def use(kind: str) -> None:
        pal = QPalette()
        window, text = ("#202124", "#f1f1f1") if kind == "dark" else ("#efefef", "#101010")
        for role in (QPalette.ColorRole.Window, QPalette.ColorRole.Base):
            pal.setColor(role, QColor(window))
        for role in (QPalette.ColorRole.WindowText, QPalette.ColorRole.Text):
            pal.setColor(role, QColor(text))
        qapp.setPalette(pal)
        theme.forget_system_palette()

    yield use
    qapp.setPalette(original)
    theme.forget_system_palette()
    theme.apply("light", qapp)


def _bubble_contrast(app: DesktopApp, row: int, mine: bool) -> float:
    view = app.window.pane.view
    image = view.viewport().grab().toImage()
    rect = view.visualRect(app.window.pane.model.index(row, 0))
    text_top = rect.bottom() - 18  # inside the bubble, in its padding above the footer line
    x = rect.right() - PAD - 3 if mine else rect.left() + PAD + 3
    box = region_of(image, QPoint(x, rect.top() + rect.height() // 2), rect)
    background = image.pixelColor(x, rect.top() + rect.height() // 2)
    inner = box.adjusted(6, 6, -6, -(rect.bottom() - text_top))
    return strongest(image, inner, background)[0]


def _chat_row_contrast(app: DesktopApp, row: int) -> float:
    view = app.window.chat_list
    image = view.viewport().grab().toImage()
    rect = view.visualRect(app.window.chat_proxy.index(row, 0))
    background = image.pixelColor(rect.left() + 2, rect.top() + 2)
    title = QRect(rect.left() + PAD + 16, rect.top() + 6, rect.width() // 2, 22)
    return strongest(image, title, background)[0]


def _composer_contrast(app: DesktopApp) -> float:
    composer = app.window.pane.composer
    composer.setPlainText("Draft of a reply")
    image = composer.viewport().grab().toImage()
    background = image.pixelColor(image.width() - 3, image.height() - 3)
    return strongest(image, QRect(0, 0, image.width() // 2, 24), background)[0]


def _talk(
    qtbot: Any, run: Callable[..., Any], make_app: Callable[[str], DesktopApp], url: str
) -> tuple[DesktopApp, str]:
    alice, bob, chat_id = group_of_two(qtbot, make_app, url, "Contrast")
    run(bob.messenger.outbox.send(chat_id, "A message from Bea, who uses the other theme"))
    qtbot.waitUntil(lambda: len(texts(alice)) == 1, timeout=10_000)
    send(qtbot, alice, "My own reply, in my own bubble")
    qtbot.waitUntil(lambda: len(texts(alice)) == 2, timeout=10_000)
    create_group(qtbot, alice, "Second chat")  # a row that is not selected
    assert alice.window.select_chat(chat_id)
    qtbot.waitUntil(lambda: len(texts(alice)) == 2, timeout=10_000)
    return alice, chat_id


@pytest.mark.parametrize("desktop", ["light", "dark"])
def test_text_is_readable_in_both_themes_on_any_desktop(
    qtbot: Any,
    run: Callable[..., Any],
    make_app: Callable[[str], DesktopApp],
    desktop_server: ServerProcess,
    desktop_palette: Callable[[str], None],
    artifacts: Path,
    desktop: str,
) -> None:
    desktop_palette(desktop)
    alice, _chat_id = _talk(qtbot, run, make_app, desktop_server.url)
    assert theme.current().name == desktop, "'system' follows the desktop's colours"
    for name in ("light", "dark"):
        theme.apply(name)
        alice.window.repaint()
        qtbot.waitUntil(lambda: alice.window.pane.view.isVisible(), timeout=5_000)
        theirs = _bubble_contrast(alice, 0, mine=False)
        mine = _bubble_contrast(alice, 1, mine=True)
        selected_row = alice.window.chat_list.currentIndex().row()
        other_row = 1 - selected_row
        measured = {
            "their bubble": theirs,
            "my bubble": mine,
            "selected chat": _chat_row_contrast(alice, selected_row),
            "other chat": _chat_row_contrast(alice, other_row),
            "composer": _composer_contrast(alice),
        }
        low = {k: round(v, 2) for k, v in measured.items() if v < AA}
        assert low == {}, f"{name} theme on a {desktop} desktop: contrast below {AA}: {low}"
        screenshot(alice, artifacts / f"theme_{name}_on_{desktop}_desktop.png")


def test_contrast_measure_sees_unreadable_text() -> None:
    """The measure itself: palette-white text on the old light bubble is far below AA."""
    assert ratio(QColor("#ffffff"), QColor("#dbe8ff")) < 1.5
    assert ratio(QColor("#000000"), QColor("#ffffff")) == pytest.approx(21.0)
