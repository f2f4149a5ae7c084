"""The Qt-free half of the desktop app: REST and realtime clients, session storage, app state.

Nothing here imports PySide6; `desktop.ui` adapts these objects to Qt signals and widgets.
"""
