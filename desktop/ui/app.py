"""The composition root of the desktop app: builds the core and the window and wires them."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from desktop.core.app import Messenger
from desktop.core.backoff import Backoff
from desktop.core.errors import ServerUnreachableError
from desktop.core.session import SecretStore, SessionStore
from desktop.ui import theme
from desktop.ui.bridge import Bridge
from desktop.ui.main_window import MainWindow
from desktop.ui.preferences import Preferences


@dataclass
class DesktopApp:
    messenger: Messenger
    bridge: Bridge
    window: MainWindow
    preferences: Preferences

    async def start(self) -> None:
        """Resume a saved session if there is one; otherwise the sign-in page stays.

        If the server cannot be reached, say so and keep trying in the background (with
        backoff) until it answers or the person signs in by hand.
        """
        try:
            await self.messenger.restore()
        except ServerUnreachableError as exc:
            self.messenger._report(exc)
            self._prefill()
            backoff = Backoff(base=2.0, cap=30.0)
            self.messenger.tasks.spawn(self._retry_restore(backoff), "restore")
        except Exception as exc:  # shown in words; the sign-in page stays usable
            self.messenger._report(exc)
            self._prefill()

    def _prefill(self) -> None:
        saved = self.messenger.saved
        if saved is not None and not self.window.signin.username.text():
            self.window.signin.username.setText(saved.login)

    async def _retry_restore(self, backoff: Backoff) -> None:
        while self.messenger.me is None and self.messenger.sessions.load() is not None:
            await asyncio.sleep(backoff.next())
            if self.messenger.me is not None:
                return
            try:
                if await self.messenger.restore():
                    self.window.clear_error()
                return
            except ServerUnreachableError:
                continue

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
    preferences = Preferences(config_dir)
    theme.apply(preferences.theme)
    sessions = SessionStore(config_dir, secrets)
    bridge = Bridge()
    messenger = Messenger(sessions, bridge, backoff=backoff)
    server = sessions.last_server() or default_server
    window = MainWindow(messenger, bridge, server)
    return DesktopApp(messenger, bridge, window, preferences)
