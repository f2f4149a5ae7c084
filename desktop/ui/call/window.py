"""The call window: a sandboxed web view showing our packaged call page.

Imported only when a call starts (it loads QtWebEngine). Each window has its own off-the-record
profile; capture is granted only to the call's origin while our page is shown; the main frame
never leaves our page and frames load only the call's origin; popups are refused. Screen capture
goes through our own picker, and an always-on-top bar says so while it runs.
"""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QEvent, QObject, Qt, QUrl, Signal, Slot
from PySide6.QtWebChannel import QWebChannel
from PySide6.QtWebEngineCore import (
    QWebEngineDesktopMediaRequest,
    QWebEnginePage,
    QWebEnginePermission,
    QWebEngineProfile,
    QWebEngineSettings,
)
from PySide6.QtWebEngineWidgets import QWebEngineView
from PySide6.QtWidgets import QHBoxLayout, QPushButton, QVBoxLayout, QWidget

from desktop.core.calls import CallSession
from desktop.core.wire import JSON
from desktop.ui import i18n
from desktop.ui.call.picker import SharingBar, pick_source
from desktop.ui.call.policy import may_capture, may_navigate, origin_of
from desktop.ui.signin import named

log = logging.getLogger(__name__)

# The packaged pages: beside the sources, or in a PyInstaller bundle's data directory.
ASSETS = Path(getattr(sys, "_MEIPASS", Path(__file__).resolve().parents[3])) / "assets" / "call"
SignalOut = Callable[[str, JSON], None]


class PageBridge(QObject):
    """The QWebChannel object `parley`: JSON messages both ways."""

    to_page = Signal(str)
    from_page = Signal(dict)

    @Slot(str)
    def post(self, text: str) -> None:
        try:
            message = json.loads(text)
        except ValueError:
            return
        if isinstance(message, dict) and len(text) <= 64 * 1024:
            self.from_page.emit(message)


class GuestPage(QWebEnginePage):
    def __init__(self, profile: QWebEngineProfile, own: str, call_origin: str, parent: QObject):
        super().__init__(profile, parent)
        self.own, self.call_origin = own, call_origin
        self.refused: list[str] = []

    def acceptNavigationRequest(  # noqa: N802 - Qt's name
        self, url: QUrl | str, _type: QWebEnginePage.NavigationType, main_frame: bool
    ) -> bool:
        text = url.toString() if isinstance(url, QUrl) else str(url)
        if may_navigate(text, main_frame, self.own, self.call_origin):
            return True
        log.info("call view: refused navigation to %s", text[:200])
        self.refused.append(text)
        return False

    # Returning None refuses the popup; the stubs claim a page is always returned.
    def createWindow(  # type: ignore[override]  # noqa: N802
        self, _type: QWebEnginePage.WebWindowType
    ) -> QWebEnginePage | None:
        return None  # no popups out of the call


class CallWindow(QWidget):
    def __init__(self, session: CallSession, send: SignalOut, hang_up: Callable[[], None]):
        super().__init__(None, Qt.WindowType.Window)
        named(self, "Call window")
        self.setWindowTitle(self.tr("Parley call"))
        self.resize(800, 600)
        self.session = session
        self._send, self._hang_up = send, hang_up
        self._ready = False
        self._queue: list[JSON] = []
        self.stats: JSON = {}
        self.events: list[JSON] = []
        self.denied: list[tuple[str, str]] = []  # (permission, origin) refused by the policy
        self.sharing = False
        self.bar: SharingBar | None = None
        page_file = "p2p.html" if session.kind == "p2p" else "jitsi.html"
        self.own = QUrl.fromLocalFile(str(ASSETS / page_file)).toString()
        jitsi_url = str(session.jitsi.get("url", ""))
        self.call_origin = "file://" if session.kind == "p2p" else origin_of(jitsi_url)
        self._build_view()
        self._build_controls()

    def _build_view(self) -> None:
        self.profile = QWebEngineProfile(self)  # no storage name: off the record
        self.page = GuestPage(self.profile, self.own, self.call_origin, self)
        settings = self.page.settings()
        settings.setAttribute(QWebEngineSettings.WebAttribute.ScreenCaptureEnabled, True)
        settings.setAttribute(QWebEngineSettings.WebAttribute.PlaybackRequiresUserGesture, False)
        remote = self.session.kind == "jitsi"  # our local page loads Jitsi's script and iframe
        settings.setAttribute(
            QWebEngineSettings.WebAttribute.LocalContentCanAccessRemoteUrls, remote
        )
        self.page.permissionRequested.connect(self._permission)
        self.page.desktopMediaRequested.connect(self._desktop_media)
        self.bridge = PageBridge(self)
        self.bridge.from_page.connect(self._from_page)
        self.channel = QWebChannel(self)
        self.channel.registerObject("parley", self.bridge)
        self.page.setWebChannel(self.channel)
        self.view = QWebEngineView(self)
        self.view.setPage(self.page)
        self.view.setUrl(QUrl(self.own))

    def _build_controls(self) -> None:
        self.mute = named(QPushButton(self.tr("Mute")), "Mute")
        self.mute.setCheckable(True)
        self.camera = named(QPushButton(self.tr("Camera off")), "Camera off")
        self.camera.setCheckable(True)
        self.share = named(QPushButton(self.tr("Share screen")), "Share screen")
        self.hang = named(QPushButton(self.tr("Hang up")), "Hang up")
        self.mute.toggled.connect(lambda on: self.command("mute" if on else "unmute"))
        self.camera.toggled.connect(lambda on: self.command("camera_off" if on else "camera_on"))
        self.mute.toggled.connect(self._label_buttons)
        self.camera.toggled.connect(self._label_buttons)
        self.share.clicked.connect(lambda: self.command("stop_share" if self.sharing else "share"))
        self.hang.clicked.connect(self._hang)
        row = QHBoxLayout()
        for b in (self.mute, self.camera, self.share, self.hang):
            row.addWidget(b)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.view, 1)
        layout.addLayout(row)

    # -- the page ---------------------------------------------------------------------------

    def _post(self, message: JSON) -> None:
        if not self._ready:
            self._queue.append(message)
            return
        self.bridge.to_page.emit(json.dumps(message))

    def command(self, name: str) -> None:
        self._post({"type": "command", "name": name})

    def deliver(self, from_user_id: str, data: JSON) -> None:
        self._post({"type": "signal", "from": from_user_id, "data": data})

    def peer_joined(self, user_id: str) -> None:
        self._post({"type": "peer_joined", "user_id": user_id})

    def _label_buttons(self, *_args: object) -> None:
        """The buttons say what pressing them does next, in the UI language."""
        self.setWindowTitle(self.tr("Parley call"))
        self.mute.setText(self.tr("Unmute") if self.mute.isChecked() else self.tr("Mute"))
        on = self.camera.isChecked()
        self.camera.setText(self.tr("Camera on") if on else self.tr("Camera off"))
        self.share.setText(self.tr("Stop sharing") if self.sharing else self.tr("Share screen"))
        self.hang.setText(self.tr("Hang up"))

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802
        if event.type() == QEvent.Type.LanguageChange:
            self._label_buttons()  # the page keeps the language it was opened in
        super().changeEvent(event)

    def labels(self) -> dict[str, str]:
        """What the page shows, translated here: the page has no translator of its own. Keys
        are its states (RTCPeerConnection.connectionState and its own "ringing")."""
        return {
            "title": self.tr("Parley call"),
            "ringing": self.tr("Ringing…"),
            "new": self.tr("Connecting…"),
            "connecting": self.tr("Connecting…"),
            "connected": self.tr("Connected"),
            "disconnected": self.tr("Connection lost, reconnecting…"),
            "failed": self.tr("The connection failed"),
            "closed": self.tr("The call has ended"),
        }

    def _config(self) -> JSON:
        s = self.session
        return {
            "labels": self.labels(),
            "type": "config",
            "kind": s.kind,
            "me": s.me,
            "peers": s.peers,
            "initiator": s.call.get("started_by") == s.me,
            "ice_servers": s.ice_servers,
            "jitsi": s.jitsi,
            "display_name": s.display_name,
            "language": i18n.current_language(),  # Jitsi's own words follow the app's
        }

    def _from_page(self, message: JSON) -> None:
        kind = message.get("type")
        if kind == "ready":
            self._ready = True
            self.bridge.to_page.emit(json.dumps(self._config()))
            queued, self._queue = self._queue, []
            for item in queued:
                self.bridge.to_page.emit(json.dumps(item))
        elif kind == "signal" and isinstance(message.get("data"), dict):
            self._send(str(message.get("to", "")), message["data"])
        elif kind == "stats" and isinstance(message.get("data"), dict):
            self.stats = message["data"]
        elif kind == "event":
            self._on_event(str(message.get("name", "")), message.get("data"))

    def _on_event(self, name: str, data: Any) -> None:
        self.events.append({"name": name, "data": data})
        del self.events[:-200]
        if name in ("sharing", "screenSharingStatusChanged"):
            on = bool(data.get("on")) if isinstance(data, dict) else bool(data)
            self._set_sharing(on)
        elif name in ("readyToClose", "hangup"):
            self._hang()

    def _set_sharing(self, on: bool) -> None:
        self.sharing = on
        self.share.setText(self.tr("Stop sharing") if on else self.tr("Share screen"))
        if on and self.bar is None:
            self.bar = SharingBar(lambda: self.command("stop_share"))
            self.bar.show()
        elif not on and self.bar is not None:
            self.bar.close()
            self.bar.deleteLater()
            self.bar = None

    # -- the sandbox ------------------------------------------------------------------------

    def _permission(self, permission: QWebEnginePermission) -> None:
        kind = permission.permissionType().name
        origin = permission.origin().toString()
        if may_capture(kind, origin, self.call_origin, self.page.url().toString(), self.own):
            permission.grant()
        else:
            log.info("call view: refused %s for %s", kind, origin[:200])
            self.denied.append((kind, origin))
            permission.deny()

    def _desktop_media(self, request: QWebEngineDesktopMediaRequest) -> None:
        pick_source(request, self)

    # -- ending -----------------------------------------------------------------------------

    def _hang(self) -> None:
        self._hang_up()

    def closeEvent(self, event: Any) -> None:  # noqa: N802 - Qt's name
        self._hang_up()
        super().closeEvent(event)

    def teardown(self) -> None:
        """Close the page before its profile, so the renderer process exits with them."""
        self._set_sharing(False)
        self.hide()
        self.page.permissionRequested.disconnect(self._permission)
        self.view.setPage(None)  # type: ignore[arg-type]
        self.page.deleteLater()
        self.view.deleteLater()
        self.profile.deleteLater()
        self.deleteLater()
