"""Long messages wrap between words, break a word only when it alone is wider than the line,
and leave no empty line under the text."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtGui import QFontMetrics

from desktop.ui.app import DesktopApp
from desktop.ui.delegates import MessageDelegate
from tests.desktop.conftest import unique
from tests.desktop.ui.helpers import create_group, screenshot, send, sign_up, texts
from tests.support.server import ServerProcess

pytestmark = pytest.mark.desktop

MESSAGES = [
    "The quick brown fox jumps over the lazy dog and runs across the wide green field "
    "while the farmer watches from the porch of his old wooden house.",
    "Когда мы встретимся завтра утром, давайте обсудим планы на следующую неделю "
    "и распределим задачи между всеми участниками проекта.",
    "A link https://example.org/" + "very-long-path-segment-" * 8 + " ends here.",
    "Emoji 🎉 between words 🚀 should wrap like words do when the line is full 👍 yes.",
    "Two lines\nexactly, then a trailing break\n",
]


def _words_broken_without_need(
    text: str, lines: list[str], fm: QFontMetrics, width: int
) -> list[str]:
    """Every break inside a word whose whole width would have fit on one line."""
    bad = []
    pos = 0
    for line in lines[:-1]:
        pos += len(line)
        if not line or line[-1].isspace() or pos >= len(text) or text[pos].isspace():
            continue  # a break between words, or at a line break of the text itself
        start = pos
        while start > 0 and not text[start - 1].isspace():
            start -= 1
        end = pos
        while end < len(text) and not text[end].isspace():
            end += 1
        word = text[start:end]
        if fm.horizontalAdvance(word) <= width:
            bad.append(f"{line!r} | {word!r}")
    return bad


@pytest.mark.parametrize("window_width", [560, 980])
def test_messages_wrap_at_word_boundaries(
    qtbot: Any,
    make_app: Callable[[str], DesktopApp],
    desktop_server: ServerProcess,
    artifacts: Path,
    window_width: int,
) -> None:
    app = make_app(desktop_server.url)
    sign_up(qtbot, app, desktop_server.url, unique("wren"))
    app.window.resize(window_width, 700)
    create_group(qtbot, app, "Wrapping")
    for text in MESSAGES:
        send(qtbot, app, text)
    qtbot.waitUntil(lambda: len(texts(app)) == len(MESSAGES), timeout=10_000)

    view = app.window.pane.view
    delegate = view.itemDelegate()
    assert isinstance(delegate, MessageDelegate)
    font = view.font()
    fm = QFontMetrics(font)
    inner = delegate.inner_width(view.viewport().width())
    wrapped_somewhere = False
    for text in texts(app):
        body = text.rstrip("\n")
        w = delegate.wrapped(body, inner, font)
        lines = w.line_texts()
        wrapped_somewhere |= len(lines) > body.count("\n") + 1
        assert _words_broken_without_need(body, lines, fm, inner) == []
        assert all(line.strip() for line in lines), f"an empty line in {lines!r}"
        assert w.height <= len(lines) * fm.lineSpacing() + 2, "space for a line that is not there"
        assert w.width <= inner
    assert wrapped_somewhere, "the test texts must be long enough to wrap"
    screenshot(app, artifacts / f"wrap_{window_width}.png")
