"""The web engine stays out of the app until a call starts (memory: about 300 MB with it)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.support.engines import REPO

PROBE = """
import sys
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
QApplication.setAttribute(Qt.ApplicationAttribute.AA_ShareOpenGLContexts)
app = QApplication([])
from desktop.ui.app import build
desktop = build("http://127.0.0.1:9", __import__("pathlib").Path(sys.argv[1]))
desktop.window.show()
app.processEvents()
loaded = sorted(m for m in sys.modules if "WebEngine" in m)
print("loaded:", loaded)
sys.exit(1 if loaded else 0)
"""


def test_the_app_starts_without_the_web_engine(tmp_path: Path) -> None:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    result = subprocess.run(
        [sys.executable, "-c", PROBE, str(tmp_path)],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr[-2000:]
    assert "loaded: []" in result.stdout
