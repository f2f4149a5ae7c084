"""The Qt half of the desktop app: windows, list models, delegates and the bridge from core."""

from desktop.ui._none_pin import pin_none

pin_none()  # before any PySide6 call: see _none_pin for the bug it works around
