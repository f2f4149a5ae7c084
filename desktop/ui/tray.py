"""The tray icon (with the unread count) and desktop notifications."""

from __future__ import annotations

from PySide6.QtCore import QRect, Qt
from PySide6.QtGui import QColor, QFont, QIcon, QPainter, QPixmap
from PySide6.QtWidgets import QSystemTrayIcon, QWidget

from desktop.ui import i18n


def app_icon(unread: int = 0) -> QIcon:
    """Drawn, not loaded: a speech-bubble dot with the unread count in a corner."""
    pm = QPixmap(64, 64)
    pm.fill(Qt.GlobalColor.transparent)
    p = QPainter(pm)
    p.setRenderHint(QPainter.RenderHint.Antialiasing)
    p.setPen(Qt.PenStyle.NoPen)
    p.setBrush(QColor("#2f6fde"))
    p.drawRoundedRect(QRect(4, 8, 56, 44), 14, 14)
    p.setPen(QColor("white"))
    font = QFont()
    font.setBold(True)
    font.setPixelSize(30)
    p.setFont(font)
    p.drawText(QRect(4, 8, 56, 44), Qt.AlignmentFlag.AlignCenter, "P")
    if unread:
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(QColor("#d93025"))
        p.drawEllipse(QRect(34, 30, 30, 30))
        p.setPen(QColor("white"))
        font.setPixelSize(16 if unread < 100 else 12)
        p.setFont(font)
        p.drawText(QRect(34, 30, 30, 30), Qt.AlignmentFlag.AlignCenter, str(min(unread, 999)))
    p.end()
    return QIcon(pm)


class Tray:
    """Wraps `QSystemTrayIcon`; does nothing visible where no system tray exists."""

    def __init__(self, window: QWidget) -> None:
        self._window = window
        self.unread = 0
        self.icon = QSystemTrayIcon(app_icon(), window)
        self.icon.setToolTip("Parley")
        self.icon.activated.connect(self._activated)
        window.setWindowIcon(app_icon())
        if QSystemTrayIcon.isSystemTrayAvailable():
            self.icon.show()

    def set_unread(self, count: int) -> None:
        if count == self.unread:
            return
        self.unread = count
        self.icon.setIcon(app_icon(count))
        self.icon.setToolTip(i18n.tray_unread(count) if count else "Parley")

    def notify(self, title: str, body: str) -> None:
        """Plain text only: notification servers may read markup, so it is neutralised."""
        if self.icon.isVisible() and QSystemTrayIcon.supportsMessages():
            safe = body.replace("<", "‹").replace(">", "›").replace("&", "＆")
            title = title.replace("<", "‹").replace(">", "›").replace("&", "＆")
            self.icon.showMessage(title, safe, QSystemTrayIcon.MessageIcon.Information, 5000)

    def hide(self) -> None:
        self.icon.hide()

    def _activated(self, _reason: QSystemTrayIcon.ActivationReason) -> None:
        self._window.showNormal()
        self._window.raise_()
        self._window.activateWindow()
