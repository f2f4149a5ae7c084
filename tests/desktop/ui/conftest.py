"""The app under test: real windows on the offscreen platform, against a real server."""

from __future__ import annotations

import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from desktop.core.backoff import Backoff
from desktop.core.session import FileStore
from desktop.ui import i18n, retranslate, theme
from desktop.ui.app import DesktopApp, build
from desktop.ui.preferences import Preferences

ROOT = Path(__file__).resolve().parents[3]


def fast_backoff() -> Backoff:
    """Short delays so a test's server restart is noticed quickly; same algorithm as shipped."""
    return Backoff(base=0.1, cap=0.8)


@pytest.fixture
def make_app(
    qtbot: Any, run: Callable[..., Any], tmp_path: Path
) -> Iterator[Callable[..., DesktopApp]]:
    """Build app instances (a person at a computer each), closed at the end of the test."""
    apps: list[DesktopApp] = []

    def make(server_url: str, backoff: Callable[[], Backoff] = fast_backoff) -> DesktopApp:
        config = tmp_path / f"client{len(apps)}"
        app = build(
            server_url, config, secrets=FileStore(config / "credentials.json"), backoff=backoff
        )
        qtbot.addWidget(app.window)
        app.window.show()
        apps.append(app)
        return app

    yield make
    for app in apps:
        run(app.close())


@pytest.fixture(scope="session")
def compiled_translations(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The .qm files built from the .ts sources the way the app's build makes them, once a run."""
    out = tmp_path_factory.mktemp("qm")
    subprocess.run(["bash", str(ROOT / "deploy/local/i18n.sh"), str(out)], check=True, cwd=ROOT)
    return out


@pytest.fixture
def translations(compiled_translations: Path) -> Iterator[None]:
    """The app finds the compiled translations; the next test starts in English and light."""
    original = i18n.QM_DIR[0]
    i18n.QM_DIR[0] = compiled_translations
    yield
    retranslate.switch("en")
    i18n.reset()
    i18n.QM_DIR[0] = original
    theme.apply("light")


@pytest.fixture
def russian(tmp_path: Path, translations: None) -> None:
    """The first app's profile chooses Russian before the app is built."""
    Preferences(tmp_path / "client0").language = "ru"


@pytest.fixture(params=["en", "ru"])
def language(request: pytest.FixtureRequest) -> str:
    """A test taking it runs twice: in English, then with the first app speaking Russian."""
    if request.param == "ru":
        request.getfixturevalue("russian")
    return str(request.param)


@pytest.fixture
def spoken(language: str, tmp_path: Path, translations: None) -> str:
    """`language`, with English chosen outright in the English run too (not whatever the
    desktop's locale is), so figures read as a person's would: 1,025 bytes."""
    if language == "en":
        Preferences(tmp_path / "client0").language = "en"
    return language
