"""Notifications: one per chat (updated as messages arrive, not one popup per message), through
the desktop's notification daemon where there is no tray, else the tray; per-chat mute, Do not
disturb, and a click opens the chat."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QCoreApplication, QObject, QPoint, Signal
from PySide6.QtWidgets import QListView, QMenu, QSystemTrayIcon

from desktop.core.desktop_notify import DesktopNotifications
from desktop.ui.models import CHAT_ID_ROLE
from desktop.ui.preferences import Preferences
from desktop.ui.signin import named
from desktop.ui.tray import Tray

Runner = Callable[[Coroutine[Any, Any, Any]], object]


@dataclass
class _Group:
    count: int = 0
    nid: int = 0


class Notifier(QObject):
    open_chat = Signal(str)

    def __init__(self, tray: Tray, run: Runner, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._tray, self._run = tray, run
        self.preferences: Preferences | None = None
        self.desktop: DesktopNotifications | None = None
        self._groups: dict[str, _Group] = {}
        self._by_nid: dict[int, str] = {}
        self._tray_chat: str | None = None
        self.shown: list[tuple[str, str, str]] = []  # (chat id, summary, body), newest last
        tray.icon.messageClicked.connect(self._tray_clicked)

    async def start_desktop(self, bus: str = "SESSION") -> bool:
        """Use the notification daemon when there is no tray to show messages."""
        if QSystemTrayIcon.isSystemTrayAvailable() and bus == "SESSION":
            return False
        desktop = DesktopNotifications(self._clicked, bus)
        if not await desktop.start():
            return False
        self.desktop = desktop
        return True

    def allowed(self, chat_id: str) -> bool:
        p = self.preferences
        return p is None or (p.notifications and not p.do_not_disturb and chat_id not in p.muted())

    def notify(self, chat_id: str, title: str, body: str) -> None:
        if not self.allowed(chat_id):
            return
        group = self._groups.setdefault(chat_id, _Group())
        group.count += 1
        text = (
            body
            if group.count == 1
            else self.tr("%n new message(s) — latest: %1", "", group.count).replace("%1", body)
        )
        self.shown.append((chat_id, title, text))
        del self.shown[:-50]
        if self.desktop is not None:
            self._run(self._send(chat_id, group, title, text))
        else:
            self._tray_chat = chat_id
            self._tray.notify(title, text)

    async def _send(self, chat_id: str, group: _Group, title: str, text: str) -> None:
        assert self.desktop is not None
        nid = await self.desktop.notify(group.nid, title, text)
        group.nid = nid
        self._by_nid[nid] = chat_id

    def chat_read(self, chat_id: str) -> None:
        """The chat was read: its notification goes away and the count starts over."""
        group = self._groups.pop(chat_id, None)
        if group is not None and group.nid and self.desktop is not None:
            self._by_nid.pop(group.nid, None)
            self._run(self.desktop.close_notification(group.nid))

    def _clicked(self, nid: int) -> None:
        chat_id = self._by_nid.get(nid)
        if chat_id is not None:
            self.open_chat.emit(chat_id)

    def _tray_clicked(self) -> None:
        if self._tray_chat is not None:
            self.open_chat.emit(self._tray_chat)

    async def close(self) -> None:
        if self.desktop is not None:
            await self.desktop.close()
            self.desktop = None


def chat_menu(view: QListView, notifier: Notifier, pos: QPoint) -> QMenu | None:
    """The chat list's context menu: mute or unmute that chat's notifications."""
    index = view.indexAt(pos)
    prefs = notifier.preferences
    if not index.isValid() or prefs is None:
        return None
    chat_id = str(index.data(CHAT_ID_ROLE))
    muted = chat_id in prefs.muted()
    menu = QMenu(view)
    named(menu, "Chat actions")
    action = menu.addAction(
        QCoreApplication.translate("ChatMenu", "Unmute notifications")
        if muted
        else QCoreApplication.translate("ChatMenu", "Mute notifications")
    )
    action.triggered.connect(lambda: prefs.set_muted(chat_id, not muted))
    menu.aboutToHide.connect(menu.deleteLater)
    menu.popup(view.viewport().mapToGlobal(pos))
    return menu
