"""Freedesktop notifications over the D-Bus session bus, for desktops without a system tray.

Stock GNOME has no tray, so `QSystemTrayIcon.showMessage` shows nothing there; the notification
daemon's `org.freedesktop.Notifications` interface works on every freedesktop desktop. QtDBus
from PySide6 cannot send the `u` (uint32) arguments `Notify` requires (Python ints travel as
`i`, which daemons refuse), so this uses jeepney, the pure-Python D-Bus client that `keyring`
already brings in on Linux, on the app's asyncio loop.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable

from jeepney import DBusAddress, MatchRule, message_bus, new_method_call
from jeepney.io.asyncio import DBusRouter, Proxy, open_dbus_router

log = logging.getLogger(__name__)

PATH = "/org/freedesktop/Notifications"
IFACE = "org.freedesktop.Notifications"
TIMEOUT_S = 3.0


class DesktopNotifications:
    """`notify()` shows or replaces a notification; a click calls `on_click(notification id)`."""

    def __init__(self, on_click: Callable[[int], None], bus: str = "SESSION") -> None:
        self._on_click, self._bus = on_click, bus
        self._router: DBusRouter | None = None
        self._router_cm: contextlib.AbstractAsyncContextManager[DBusRouter] | None = None
        self._listener: asyncio.Task[None] | None = None
        self._address = DBusAddress(PATH, bus_name=IFACE, interface=IFACE)

    async def start(self) -> bool:
        """Connect and check a notification daemon is there; False when there is none."""
        try:
            self._router_cm = open_dbus_router(bus=self._bus)
            router = await asyncio.wait_for(self._router_cm.__aenter__(), TIMEOUT_S)
            self._router = router
            rule = MatchRule(type="signal", interface=IFACE, member="ActionInvoked", path=PATH)
            await asyncio.wait_for(Proxy(message_bus, router).AddMatch(rule), TIMEOUT_S)
            caps = new_method_call(self._address, "GetCapabilities")
            await asyncio.wait_for(router.send_and_get_reply(caps), TIMEOUT_S)
        except Exception as exc:  # no bus, no daemon: the app goes on without notifications
            log.info("no desktop notifications: %s", type(exc).__name__)
            await self.close()
            return False
        self._listener = asyncio.ensure_future(self._listen(rule))
        return True

    async def _listen(self, rule: MatchRule) -> None:
        assert self._router is not None
        with self._router.filter(rule) as queue:
            while True:
                signal = await queue.get()
                nid, action = signal.body[0], signal.body[1]
                if action == "default":
                    self._on_click(int(nid))

    async def notify(self, replaces: int, summary: str, body: str) -> int:
        """Show (or replace, when `replaces` is an id) a notification; returns its id."""
        if self._router is None:
            return 0
        msg = new_method_call(
            self._address,
            "Notify",
            "susssasa{sv}i",
            ("Parley", replaces, "parley", summary, body, ["default", "Open"], {}, -1),
        )
        reply = await asyncio.wait_for(self._router.send_and_get_reply(msg), TIMEOUT_S)
        return int(reply.body[0])

    async def close_notification(self, nid: int) -> None:
        if self._router is None or not nid:
            return
        msg = new_method_call(self._address, "CloseNotification", "u", (nid,))
        with contextlib.suppress(Exception):
            await asyncio.wait_for(self._router.send_and_get_reply(msg), TIMEOUT_S)

    async def close(self) -> None:
        if self._listener is not None:
            self._listener.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._listener
            self._listener = None
        cm = self._router_cm
        if cm is not None and self._router is not None:
            with contextlib.suppress(Exception):
                await cm.__aexit__(None, None, None)
        conn = getattr(cm, "conn", None)
        if conn is not None:  # also when the bus went away first, or start() stopped halfway
            with contextlib.suppress(Exception):
                await conn.close()
        self._router, self._router_cm = None, None
