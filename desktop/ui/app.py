"""The composition root of the desktop app: builds the core and the window and wires them."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from desktop.core import offline
from desktop.core.app import Messenger
from desktop.core.backoff import Backoff
from desktop.core.errors import ServerUnreachableError
from desktop.core.services import WindowServices
from desktop.core.session import SecretStore, SessionStore
from desktop.ui import i18n, look, settings_dialog, shortcuts, theme
from desktop.ui.bridge import Bridge
from desktop.ui.call.controller import CallControls, install
from desktop.ui.main_window import MainWindow
from desktop.ui.preferences import Preferences

log = logging.getLogger(__name__)


@dataclass
class DesktopApp:
    messenger: Messenger
    bridge: Bridge
    window: MainWindow
    calls: CallControls
    preferences: Preferences

    async def start(self) -> None:
        self.messenger.tasks.spawn(self.window.notifier.start_desktop(), "notifications")
        await self._restore()

    async def _restore(self) -> None:
        """Resume a saved session if there is one; otherwise the sign-in page stays.

        If the server cannot be reached, say so and keep trying in the background (with
        backoff) until it answers or the person signs in by hand.
        """
        try:
            await self.messenger.restore()
        except ServerUnreachableError as exc:
            if offline.show_cached(self.messenger):
                self.window.show_cached_offline()
            else:
                self.messenger._report(exc)
                self._prefill()
            backoff = Backoff(base=1.0, cap=5.0)  # a GET /me every 5 s at most: cheap
            self.messenger.tasks.spawn(self._retry_restore(backoff), "restore")
        except Exception as exc:  # shown in words; the sign-in page stays usable
            self.messenger._report(exc)
            self._prefill()

    def _prefill(self) -> None:
        saved = self.messenger.saved
        if saved is not None and not self.window.signin.username.text():
            self.window.signin.username.setText(saved.login)

    async def _retry_restore(self, backoff: Backoff) -> None:
        while self.messenger.rest is None and self.messenger.sessions.load() is not None:
            await asyncio.sleep(backoff.next())
            if self.messenger.rest is not None:
                return
            cached = self.messenger.me is not None
            current = self.window.current_chat()
            try:
                if await self.messenger.restore():
                    if cached:
                        self._drop_cached_messages(current)
                    self.window.clear_error()
                    self.window.show_recovered()
                return
            except ServerUnreachableError:
                continue

    def _drop_cached_messages(self, current: str | None) -> None:
        """Online again: the cached pages may be stale, so each chat fetches its own afresh."""
        self.window.pane.show_chat(None)
        self.messenger.timelines.clear()
        if current is not None and current in self.messenger.chats:
            self.window.pane.show_chat(current)

    async def close(self) -> None:
        """App quit: leave a running call first (best effort), then stop everything."""
        self.calls.teardown()
        try:
            await asyncio.wait_for(self.messenger.calls.hang_up(), 3.0)
        except Exception as exc:  # quitting anyway; the other side sees the peer go
            log.info("could not leave the call on quit: %s", type(exc).__name__)
        offline.save(self.messenger)
        await self.window.notifier.close()
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
    i18n.install(preferences.language)  # before any widget: texts are translated when built
    sessions = SessionStore(config_dir, secrets)
    bridge = Bridge()
    messenger = Messenger(sessions, bridge, backoff=backoff)
    server = preferences.server or sessions.last_server() or default_server
    window = MainWindow(window_services(messenger), bridge, server)
    window.notifier.preferences = preferences
    window.shortcuts = list(shortcuts.install(window))
    window.dnd.setChecked(preferences.do_not_disturb)
    settings_dialog.install(window, preferences)
    look.install(window, messenger.presence, messenger.conversation)
    bridge.user_signed_out.connect(lambda _reason: offline.cache_for(messenger).clear())
    calls = install(messenger.calls, messenger.chat_list, window)
    return DesktopApp(messenger, bridge, window, calls, preferences)


def window_services(messenger: Messenger) -> WindowServices:
    """The narrow services the window hands to its widgets; never the messenger itself."""
    return WindowServices(
        account=messenger,
        chats=messenger.chat_list,
        reading=messenger.reading,
        people=messenger.people,
        outbox=messenger.outbox,
        typing=messenger.presence,
        spawn=messenger.tasks.spawn,
        conversation=messenger.conversation,
    )
