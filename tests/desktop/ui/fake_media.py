"""Chromium's fake camera and microphone for the call tests, set before the web engine starts.

Imported (for this effect) by every call test module at collection time, which is before any test
creates a web engine profile. `--use-fake-ui-for-media-stream` is never used: it would bypass the
app's own permission handling and screen picker.
"""

from __future__ import annotations

import os

FLAG = "--use-fake-device-for-media-stream"

_flags = os.environ.get("QTWEBENGINE_CHROMIUM_FLAGS", "")
if FLAG not in _flags.split():
    os.environ["QTWEBENGINE_CHROMIUM_FLAGS"] = f"{_flags} {FLAG}".strip()
