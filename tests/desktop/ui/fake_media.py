"""Chromium's fake camera and microphone for the call tests, set before the web engine starts.

Imported (for this effect) by every call test module at collection time, which is before any test
creates a web engine profile. `--use-fake-ui-for-media-stream` is never used: it would bypass the
app's own permission handling and screen picker.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.server import wait_until

FLAG = "--use-fake-device-for-media-stream"

_flags = os.environ.get("QTWEBENGINE_CHROMIUM_FLAGS", "")
if FLAG not in _flags.split():
    os.environ["QTWEBENGINE_CHROMIUM_FLAGS"] = f"{_flags} {FLAG}".strip()


X_TMP = Path("/tmp")  # noqa: S108 - X servers keep their sockets and locks at fixed paths here


def _socket(n: int) -> Path:
    return X_TMP / ".X11-unix" / f"X{n}"


def _free_display() -> int:
    for n in range(90, 190):
        if not _socket(n).exists() and not (X_TMP / f".X{n}-lock").exists():
            return n
    raise RuntimeError("no free X display number")


@pytest.fixture
def xvfb() -> Iterator[str]:
    """A private Xvfb screen for real screen capture (the offscreen platform has none).

    Qt's widgets stay on the offscreen platform; Chromium's capturer opens `DISPLAY`.
    """
    n = _free_display()
    proc = subprocess.Popen(
        ["Xvfb", f":{n}", "-screen", "0", "1280x720x24", "-nolisten", "tcp"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    before = os.environ.get("DISPLAY")
    try:
        wait_until(lambda: _socket(n).exists(), 15, "Xvfb to start")
        os.environ["DISPLAY"] = f":{n}"
        yield f":{n}"
    finally:
        if before is None:
            os.environ.pop("DISPLAY", None)
        else:
            os.environ["DISPLAY"] = before
        proc.terminate()
        proc.wait(10)
