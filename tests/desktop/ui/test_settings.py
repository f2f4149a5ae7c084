"""The settings dialog: the theme changes at once and is kept for the next start; notification
switches are kept too."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtWidgets import QCheckBox, QComboBox, QDialog, QToolButton

from desktop.core.session import FileStore
from desktop.ui import theme
from desktop.ui.app import DesktopApp, build
from tests.desktop.conftest import unique
from tests.desktop.ui.helpers import click, find, screenshot, sign_up

pytestmark = pytest.mark.desktop


@pytest.fixture
def back_to_light() -> Iterator[None]:
    yield
    theme.apply("light")


def test_theme_and_notification_settings_apply_and_persist(
    qtbot: Any,
    run: Callable[..., Any],
    make_app: Callable[[str], DesktopApp],
    desktop_server: Any,
    artifacts: Path,
    back_to_light: None,
) -> None:
    app = make_app(desktop_server.url)
    sign_up(qtbot, app, desktop_server.url, unique("sal"))
    w = app.window
    click(qtbot, find(w, QToolButton, "Settings"))
    combo = find(w, QComboBox, "Theme")
    combo.setCurrentIndex(combo.findData("dark"))
    assert theme.current().name == "dark"
    assert w.palette().window().color().lightnessF() < 0.3, "the window turned dark at once"
    dialog = next(d for d in w.findChildren(QDialog) if d.isVisible())
    assert dialog.grab().save(str(artifacts / "settings_dark.png"))
    screenshot(app, artifacts / "settings_applied_dark.png")
    find(w, QCheckBox, "Do not disturb setting").click()
    assert app.preferences.do_not_disturb and w.dnd.isChecked()
    dialog.reject()

    theme.apply("light")  # what another profile might have used meanwhile
    config = app.messenger.sessions.config_dir
    again = build(desktop_server.url, config, secrets=FileStore(config / "credentials.json"))
    qtbot.addWidget(again.window)
    assert theme.current().name == "dark", "the choice is kept for the next start"
    assert again.preferences.do_not_disturb and again.window.dnd.isChecked()
    run(again.close())
