"""A freedesktop notification server for tests: a separate process on a private session bus.

It answers `Notify` like a desktop's daemon (ids from 1, `replaces_id` kept), prints each call as
a JSON line on stdout, and on a line `click <id>` on stdin emits `ActionInvoked(id, "default")`,
what a daemon sends when the person clicks the notification.
"""

from __future__ import annotations

import json
import os
import sys

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import ClassInfo, QCoreApplication, QObject, QSocketNotifier, Slot
from PySide6.QtDBus import QDBusConnection, QDBusMessage

PATH = "/org/freedesktop/Notifications"
IFACE = "org.freedesktop.Notifications"


@ClassInfo({"D-Bus Interface": IFACE})
class Server(QObject):
    def __init__(self, bus: QDBusConnection) -> None:
        super().__init__()
        self.bus = bus
        self.next_id = 0

    @Slot(str, "uint", str, str, str, "QStringList", "QVariantMap", int, result="uint")
    def Notify(  # noqa: N802  (the D-Bus method's own name)
        self,
        app_name: str,
        replaces_id: int,
        icon: str,
        summary: str,
        body: str,
        actions: list[str],
        hints: dict[str, object],
        timeout: int,
    ) -> int:
        if replaces_id:
            nid = replaces_id
        else:
            self.next_id += 1
            nid = self.next_id
        call = {"id": nid, "app": app_name, "replaces": replaces_id, "summary": summary}
        call.update({"body": body, "actions": list(actions)})
        print(json.dumps(call), flush=True)
        return nid

    @Slot("uint")
    def CloseNotification(self, nid: int) -> None:  # noqa: N802
        print(json.dumps({"closed": nid}), flush=True)

    @Slot(result="QStringList")
    def GetCapabilities(self) -> list[str]:  # noqa: N802
        return ["actions", "body"]

    def click(self, nid: int) -> None:
        signal = QDBusMessage.createSignal(PATH, IFACE, "ActionInvoked")
        signal.setArguments([nid, "default"])
        self.bus.send(signal)


def main() -> None:
    app = QCoreApplication(sys.argv)
    bus = QDBusConnection.connectToBus(sys.argv[1], "notification-server")
    server = Server(bus)
    bus.registerObject(PATH, server, QDBusConnection.RegisterOption.ExportAllSlots)
    if not bus.registerService(IFACE):
        raise SystemExit("could not own org.freedesktop.Notifications")
    print(json.dumps({"ready": True}), flush=True)
    notifier = QSocketNotifier(sys.stdin.fileno(), QSocketNotifier.Type.Read)

    def command() -> None:
        line = sys.stdin.readline()
        if not line:
            app.quit()
        elif line.startswith("click "):
            server.click(int(line.split()[1]))

    notifier.activated.connect(command)
    app.exec()


if __name__ == "__main__":
    main()
