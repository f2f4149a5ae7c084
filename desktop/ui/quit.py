"""One way out of the app: Ctrl+Q, closing the last window and SIGTERM/SIGINT all end here.

Qt's own quit stops the event loop at once, so the app's asynchronous shutdown (closing the
socket, cancelling tasks, closing the HTTP client) would then run on a loop that no longer turns,
ending in `RuntimeError: no running event loop` and exit status 1. Instead every quit request sets
one flag that the entry point's coroutine awaits; it shuts down on the live loop and only then lets
the loop stop.
"""

from __future__ import annotations

import contextlib
import signal
import socket
from collections.abc import Callable

from PySide6.QtCore import QObject, QSocketNotifier, Signal
from PySide6.QtWidgets import QApplication


class QuitPath(QObject):
    """Emits `requested` once per quit request, from whichever source it came."""

    requested = Signal()

    def __init__(self, app: QApplication) -> None:
        super().__init__(app)
        app.setQuitOnLastWindowClosed(False)
        app.lastWindowClosed.connect(self.request)
        self._pipe: tuple[socket.socket, socket.socket] | None = None
        self._notifier: QSocketNotifier | None = None

    def request(self) -> None:
        self.requested.emit()

    def connect_to(self, callback: Callable[[], None]) -> None:
        self.requested.connect(callback)

    def handle_signals(self) -> None:
        """SIGTERM (session log-out, `kill`) and SIGINT (Ctrl+C in a terminal) quit cleanly.

        Python runs signal handlers only between bytecodes, which never happen while Qt waits
        in C; the wake-up socket makes the signal an event Qt's loop notices.
        """
        read, write = socket.socketpair()
        read.setblocking(False)
        write.setblocking(False)
        self._pipe = (read, write)
        signal.set_wakeup_fd(write.fileno())
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, lambda _s, _f: None)
        self._notifier = QSocketNotifier(read.fileno(), QSocketNotifier.Type.Read, self)
        self._notifier.activated.connect(self._woken)

    def _woken(self) -> None:
        assert self._pipe is not None
        with contextlib.suppress(OSError):
            self._pipe[0].recv(64)
        self.request()

    def restore_signals(self) -> None:
        """Back to the defaults once the loop is gone (a second signal then ends the process)."""
        if self._pipe is None:
            return
        signal.set_wakeup_fd(-1)
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, signal.SIG_DFL)
        if self._notifier is not None:
            self._notifier.setEnabled(False)
        for s in self._pipe:
            s.close()
        self._pipe = None
