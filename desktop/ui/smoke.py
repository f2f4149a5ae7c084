"""`parley --smoke-test`: prove an installed or frozen app can show its windows and run its web
engine, without a server or a screen (QT_QPA_PLATFORM=offscreen).

The main window is up (shown by the caller), then a QWebEngineView loads a page from the packaged
assets/ tree and its script must have run; anything else, or no answer within the timeout, exits 1.
This is the only path outside a call that loads QtWebEngine: a normal start never does.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

from PySide6.QtCore import QUrl
from PySide6.QtWidgets import QWidget

# Beside the desktop package in a checkout, and at the same place inside a PyInstaller bundle.
TIMEOUT_S = 60.0  # a cold first start of the web engine on a slow, shared machine
PAGE = Path(__file__).resolve().parents[2] / "assets" / "smoke" / "index.html"


def prepare() -> None:
    """QtWebEngine must be imported before the QApplication exists."""
    import PySide6.QtWebEngineWidgets  # noqa: F401


async def run(window: QWidget) -> int:
    from PySide6.QtWebEngineWidgets import QWebEngineView

    if not window.isVisible():
        print("smoke-test: the main window is not shown", flush=True)
        return 1
    if not PAGE.is_file():
        print(f"smoke-test: {PAGE} is missing from the package", flush=True)
        return 1
    loop = asyncio.get_running_loop()

    def settle(future: asyncio.Future[object], value: object) -> None:
        if not future.done():
            future.set_result(value)

    loaded: asyncio.Future[object] = loop.create_future()
    marker: asyncio.Future[object] = loop.create_future()
    view = QWebEngineView()
    view.loadFinished.connect(lambda ok: settle(loaded, bool(ok)))
    view.resize(320, 240)
    view.setUrl(QUrl.fromLocalFile(str(PAGE)))
    view.show()
    try:
        ok = await asyncio.wait_for(loaded, TIMEOUT_S)
        view.page().runJavaScript(
            "document.body.dataset.smoke", 0, lambda value: settle(marker, value)
        )
        value = await asyncio.wait_for(marker, TIMEOUT_S) if ok else None
    except TimeoutError:
        print(f"smoke-test: the web page did not load within {TIMEOUT_S:.0f} s", flush=True)
        return 1
    finally:
        view.close()
        view.deleteLater()
    if value != "ok":
        print(f"smoke-test: page loaded={ok}, script marker={value!r}", flush=True)
        return 1
    print("smoke-test ok", flush=True)
    return 0
