"""The composition root of the desktop app: builds the core and the window and wires them."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from desktop.core.app import Messenger
from desktop.core.backoff import Backoff
from desktop.core.session import SecretStore, SessionStore
from desktop.ui.bridge import Bridge
from desktop.ui.main_window import MainWindow


@dataclass
class DesktopApp:
    messenger: Messenger
    bridge: Bridge
    window: MainWindow

    async def start(self) -> None:
        """Resume a saved session if there is one; otherwise the sign-in page stays."""
        try:
            await self.messenger.restore()
        except Exception as exc:  # shown in words; the sign-in page stays usable
            self.messenger._report(exc)

    async def close(self) -> None:
        await self.messenger.close()


def build(
    default_server: str,
    config_dir: Path,
    *,
    secrets: SecretStore | None = None,
    backoff: Callable[[], Backoff] = Backoff,
) -> DesktopApp:
    """Everything the app is made of; a QApplication must exist already."""
    sessions = SessionStore(config_dir, secrets)
    bridge = Bridge()
    messenger = Messenger(sessions, bridge, backoff=backoff)
    server = sessions.last_server() or default_server
    window = MainWindow(messenger, bridge, server)
    return DesktopApp(messenger, bridge, window)
