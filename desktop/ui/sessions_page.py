"""Settings → Sessions: the devices signed in to my account, with sign-out of one or all others.

The page gets the narrow `Devices` service (through a getter: the REST client changes when the
person signs in again) and the window's coroutine runner, so a failure ends in the error line
here, in words, while the dialog stays open.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from datetime import datetime
from typing import Any

from PySide6.QtCore import QDate, QDateTime, QLocale, Qt, QTime, Signal
from PySide6.QtWidgets import (
    QHBoxLayout,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from desktop.core.devices import Device, Devices
from desktop.core.errors import describe
from desktop.ui import i18n
from desktop.ui.signin import label, named

Runner = Callable[[Coroutine[Any, Any, Any]], object]
ID_ROLE = Qt.ItemDataRole.UserRole


def _when(moment: datetime) -> str:
    """A short local date and time in the interface language ("01.12.2026 12:15")."""
    local = moment.astimezone()
    stamp = QDateTime(QDate(local.year, local.month, local.day), QTime(local.hour, local.minute))
    return QLocale().toString(stamp, QLocale.FormatType.ShortFormat)


class SessionsPage(QWidget):
    loaded = Signal()  # the list shows what the server said (tests wait on it)

    def __init__(
        self, devices: Callable[[], Devices | None], run: Runner, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self._devices, self._run = devices, run
        self.shown: list[Device] = []
        self.list = named(QTreeWidget(), "Sessions")
        self.list.setRootIsDecorated(False)
        self.list.setColumnCount(2)
        self.list.setHeaderLabels([self.tr("Device"), self.tr("Last used")])
        self.list.setColumnWidth(0, 220)
        self.status = label("")
        self.status.setProperty("muted", True)
        self.status.setWordWrap(True)
        named(self.status, "Sessions status")
        self.sign_out_one = named(QPushButton(self.tr("Sign out")), "Sign out session")
        self.sign_out_others = named(
            QPushButton(self.tr("Sign out all other sessions")), "Sign out all other sessions"
        )
        self.refresh_button = named(QPushButton(self.tr("Refresh")), "Refresh sessions")
        buttons = QHBoxLayout()
        buttons.addWidget(self.sign_out_one)
        buttons.addWidget(self.sign_out_others)
        buttons.addStretch(1)
        buttons.addWidget(self.refresh_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.list, 1)
        layout.addWidget(self.status)
        layout.addLayout(buttons)
        self.sign_out_one.clicked.connect(lambda: self._act(self._sign_out_selected()))
        self.sign_out_others.clicked.connect(lambda: self._act(self._others()))
        self.refresh_button.clicked.connect(self.reload)
        self.list.currentItemChanged.connect(lambda *_: self._enable())
        self._enable()

    def reload(self) -> None:
        self._act(self._load())

    def _act(self, coro: Coroutine[Any, Any, None]) -> None:
        self._run(self._reporting(coro))

    async def _reporting(self, coro: Coroutine[Any, Any, None]) -> None:
        try:
            await coro
        except Exception as exc:  # shown in words here; the dialog stays open
            self.status.setText(i18n.tr_error(describe(exc)))

    def _service(self) -> Devices:
        found = self._devices()
        if found is None:
            raise RuntimeError("not signed in")
        return found

    async def _load(self) -> None:
        self.status.setText(self.tr("Loading…"))
        self.show_devices(await self._service().list())

    async def _sign_out_selected(self) -> None:
        item = self.list.currentItem()
        if item is None:
            return
        await self._service().sign_out(str(item.data(0, ID_ROLE)))
        await self._load()

    async def _others(self) -> None:
        count = await self._service().sign_out_others()
        await self._load()
        self.status.setText(self.tr("Signed out %n other session(s).", "", count))

    def show_devices(self, devices: list[Device]) -> None:
        self.shown = devices
        self.list.clear()
        for device in devices:
            name = device.device_name or self.tr("Unnamed device")
            if device.current:
                name = self.tr("%1 (this device)").replace("%1", name)
            used = _when(device.last_used_at)
            item = QTreeWidgetItem([name, used])
            item.setData(0, ID_ROLE, device.id)
            item.setData(0, Qt.ItemDataRole.AccessibleTextRole, f"{name}, {used}")
            self.list.addTopLevelItem(item)
        self.status.setText(self.tr("%n session(s) signed in.", "", len(devices)))
        self._enable()
        self.loaded.emit()

    def _enable(self) -> None:
        item = self.list.currentItem()
        current = item is not None and any(
            d.current and d.id == item.data(0, ID_ROLE) for d in self.shown
        )
        self.sign_out_one.setEnabled(item is not None and not current)
        self.sign_out_others.setEnabled(any(not d.current for d in self.shown))
