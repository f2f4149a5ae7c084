"""Light and dark themes: a QPalette and a small style sheet from `assets/themes/`.

Widgets take their colours from the palette; the painters (bubbles, chat rows) read the theme's
extra colours through `current()`. "system" follows the desktop's colour scheme (Qt's style hints,
or, where the platform does not say, the lightness of the palette the desktop gave us), and is
re-applied when the desktop switches.
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QGuiApplication, QPalette
from PySide6.QtWidgets import QApplication

CHOICES = ("system", "light", "dark")


def assets_dir() -> Path:
    """`assets/` beside the package, or inside a PyInstaller bundle."""
    bundle = getattr(sys, "_MEIPASS", None)
    if bundle is not None:
        return Path(bundle) / "assets"
    return Path(__file__).resolve().parents[2] / "assets"


@dataclass(frozen=True)
class Theme:
    name: str
    palette: dict[str, str]
    colors: dict[str, str]

    def color(self, name: str) -> QColor:
        return QColor(self.colors[name])

    def qpalette(self) -> QPalette:
        pal = QPalette()
        for role_name, value in self.palette.items():
            role = getattr(QPalette.ColorRole, role_name)
            pal.setColor(role, QColor(value))
        for group in (QPalette.ColorGroup.Disabled,):
            pal.setColor(group, QPalette.ColorRole.Text, QColor(self.colors["muted"]))
            pal.setColor(group, QPalette.ColorRole.ButtonText, QColor(self.colors["muted"]))
            pal.setColor(group, QPalette.ColorRole.WindowText, QColor(self.colors["muted"]))
        return pal

    def style_sheet(self) -> str:
        qss = (assets_dir() / "themes" / "base.qss").read_text(encoding="utf-8")
        values = {**{k.lower(): v for k, v in self.palette.items()}, **self.colors}
        for key in sorted(values, key=len, reverse=True):  # @mine_bg before @mine
            qss = qss.replace(f"@{key}", values[key])
        return qss


@cache
def load(name: str) -> Theme:
    raw = json.loads((assets_dir() / "themes" / f"{name}.json").read_text(encoding="utf-8"))
    return Theme(str(raw["name"]), dict(raw["palette"]), dict(raw["colors"]))


_current: list[Theme] = []
_system_palette: list[QPalette] = []
_choice: list[str] = ["system"]


def current() -> Theme:
    """The theme in use (light until one is applied)."""
    return _current[0] if _current else load("light")


def system_is_dark(app: QGuiApplication) -> bool:
    scheme = app.styleHints().colorScheme()
    if scheme == Qt.ColorScheme.Dark:
        return True
    if scheme == Qt.ColorScheme.Light:
        return False
    base = _system_palette[0] if _system_palette else app.palette()
    return base.color(QPalette.ColorRole.Window).lightnessF() < 0.5


def resolve(choice: str, app: QGuiApplication) -> str:
    if choice in ("light", "dark"):
        return choice
    return "dark" if system_is_dark(app) else "light"


def apply(choice: str, app: QApplication | None = None) -> Theme:
    """Switch the whole app to `choice` ("system", "light" or "dark"); returns the theme."""
    app = app or QApplication.instance()  # type: ignore[assignment]
    assert isinstance(app, QApplication)
    if not _system_palette:
        _system_palette.append(QPalette(app.palette()))  # what the desktop gave us
    choice = choice if choice in CHOICES else "system"
    _choice[:] = [choice]
    theme = load(resolve(choice, app))
    _current[:] = [theme]
    app.setStyle("Fusion")  # the one style that paints everything from the palette
    app.setPalette(theme.qpalette())
    app.setStyleSheet(theme.style_sheet())
    return theme


def choice() -> str:
    """What the person chose: "system", "light" or "dark"."""
    return _choice[0]


def follow_system(app: QApplication) -> None:
    """Re-apply "system" when the desktop switches between light and dark."""

    def changed(_scheme: Qt.ColorScheme) -> None:
        if _choice[0] == "system":
            apply("system", app)

    app.styleHints().colorSchemeChanged.connect(changed)


def forget_system_palette() -> None:
    """For tests that pretend to be a different desktop: read its palette afresh next time."""
    _system_palette.clear()
