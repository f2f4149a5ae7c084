"""The Qt half of the desktop app: windows, list models, delegates and the bridge from core."""
