"""A pinned Synapse in its own venv, cached by version outside the repository.

Synapse pins its own dependency tree (Twisted, its Rust extension); in the project venv it would
fight the project's pins, so it lives in `~/.cache/parley/synapse-<version>/venv` and runs as a
subprocess. CI never calls this: the bench is not part of the test command.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from peers.synapse import VERSION


def cache_dir(version: str = VERSION) -> Path:
    root = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return root / "parley" / f"synapse-{version}"


def python(version: str = VERSION) -> Path:
    """The venv's interpreter, installing the pinned Synapse first when the cache lacks it."""
    venv = cache_dir(version) / "venv"
    exe = venv / "bin" / "python"
    marker = venv / f".installed-{version}"
    if marker.exists():
        return exe
    print(f"peers: installing matrix-synapse=={version} into {venv} (once)", flush=True)
    venv.parent.mkdir(parents=True, exist_ok=True)
    if not exe.exists():
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    subprocess.run(
        [str(exe), "-m", "pip", "install", "--quiet", f"matrix-synapse=={version}"], check=True
    )
    marker.write_text(version + "\n")
    return exe


if __name__ == "__main__":
    print(python())
