"""`parley` and `python -m desktop`: start the desktop app.

The default server comes from `--server`, else `$PARLEY_SERVER_URL`, else http://127.0.0.1:8080.
QtWebEngine is not imported here: it loads only when a call starts.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import sys
from pathlib import Path

DEFAULT_SERVER = "http://127.0.0.1:8080"


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="parley", description="Parley desktop messenger")
    parser.add_argument(
        "--server",
        default=os.environ.get("PARLEY_SERVER_URL") or DEFAULT_SERVER,
        help="server address shown on the sign-in page (env PARLEY_SERVER_URL)",
    )
    parser.add_argument(
        "--config-dir",
        type=Path,
        default=None,
        help="where the session is kept (env PARLEY_CONFIG_DIR; default ~/.config/parley)",
    )
    parser.add_argument("--log-level", default=os.environ.get("PARLEY_LOG_LEVEL", "WARNING"))
    parser.add_argument(
        "--print-ready",
        action="store_true",
        help="print 'ready' once the chat list (or the sign-in page) is usable; for scripts",
    )
    parser.add_argument(
        "--quit-when-ready", action="store_true", help="exit once ready (a start-up smoke test)"
    )
    parser.add_argument(
        "--smoke-test",
        action="store_true",
        help="open the main window and a web view, load a packaged page, exit 0 (packaging checks)",
    )
    known, _qt_args = parser.parse_known_args(argv)
    return known


def main(argv: list[str] | None = None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    logging.basicConfig(
        level=args.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    from PySide6.QtCore import Qt, QTimer
    from PySide6.QtGui import QGuiApplication
    from PySide6.QtWidgets import QApplication
    from qasync import QEventLoop

    from desktop.core.session import default_config_dir
    from desktop.ui import theme
    from desktop.ui.app import build
    from desktop.ui.quit import QuitPath

    QGuiApplication.setHighDpiScaleFactorRoundingPolicy(
        Qt.HighDpiScaleFactorRoundingPolicy.PassThrough
    )
    # The call window's web engine is loaded only when a call starts; it needs this set now.
    QApplication.setAttribute(Qt.ApplicationAttribute.AA_ShareOpenGLContexts)
    if args.smoke_test:
        from desktop.ui import smoke

        smoke.prepare()
    app = QApplication(sys.argv[:1])
    app.setApplicationName("Parley")
    app.setOrganizationName("Parley")
    app.setDesktopFileName("parley")
    loop = QEventLoop(app)
    asyncio.set_event_loop(loop)
    quit_path = QuitPath(app)
    quit_path.handle_signals()
    desktop = build(args.server, args.config_dir or default_config_dir())
    theme.follow_system(app)
    desktop.window.quit_requested.connect(quit_path.request)
    desktop.window.show()
    quit_event = asyncio.Event()
    exit_code = 0
    quit_path.connect_to(quit_event.set)

    def report_ready(chats: int) -> None:
        print(f"ready chats={chats}", flush=True)
        if args.quit_when_ready:
            quit_event.set()

    async def run() -> None:
        nonlocal exit_code
        await desktop.start()
        if args.smoke_test:
            exit_code = await smoke.run(desktop.window)
            quit_event.set()
        if args.print_ready or args.quit_when_ready:
            # From the Qt loop, after the chat list's layout and paint events queued so far.
            QTimer.singleShot(0, lambda: report_ready(len(desktop.messenger.chats)))

        await quit_event.wait()
        await desktop.close()

    with loop:
        loop.run_until_complete(run())
    quit_path.restore_signals()
    return exit_code


if __name__ == "__main__":
    sys.exit(main())
