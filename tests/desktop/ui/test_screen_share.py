"""Screen sharing needs a real X screen: the 1:1 call test again, in a Qt app on Xvfb.

Chromium's screen capturer needs the app on the xcb platform of a real (virtual) X server; the
rest of the desktop suite runs offscreen in this process, so the call test runs once more in a
child pytest on a private Xvfb with `PARLEY_TEST_SHARE_SCREEN=1`, where after the camera and
microphone it shares the screen through the app's picker and checks the peer decodes it.
"""

from __future__ import annotations

import os
import subprocess
import sys
from typing import Any

from tests.desktop.ui.fake_media import xvfb  # noqa: F401 - the fixture
from tests.support.engines import REPO


def test_screen_share_reaches_the_peer_under_xvfb(xvfb: str, tmp_path: Any) -> None:  # noqa: F811
    env = {
        **os.environ,
        "DISPLAY": xvfb,
        "QT_QPA_PLATFORM": "xcb",
        "PARLEY_TEST_SHARE_SCREEN": "1",
    }
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-x", "-p", "no:cacheprovider",
         "--basetemp", str(tmp_path / "inner"),
         "tests/desktop/ui/test_calls.py::test_one_to_one_call_carries_audio_and_video_both_ways"],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=480, check=False,
    )  # fmt: skip
    tail = "\n".join(
        line
        for line in result.stdout.splitlines()[-60:]
        if "dbus" not in line and "ALSA" not in line
    )
    assert result.returncode == 0, tail
    assert "1 passed" in result.stdout
