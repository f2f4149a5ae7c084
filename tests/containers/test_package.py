"""The desktop package works where users get it: the frozen bundle, and the .deb installed into a
clean Debian container made from the base image, each passing `parley --smoke-test` (the main
window and a QtWebEngine view offscreen, a packaged page loaded and its script run).

The container has no network: the .deb's dependencies are downloaded on the host
(deploy/containers/debs.sh, resolved against the base image's own package list) and installed
with apt from those files, so a missing or wrong Depends line fails the install. As root,
Chromium's sandbox needs QTWEBENGINE_DISABLE_SANDBOX=1 (see ../shared/SERVICES.md).
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from tests.containers import podman
from tests.support.engines import REPO

pytestmark = [
    pytest.mark.containers,
    pytest.mark.desktop,
    pytest.mark.slow,
    # The first test builds the bundle and the .deb when they are not cached (minutes, cold).
    pytest.mark.timeout(2400),
]

SMOKE_ENV = {"QT_QPA_PLATFORM": "offscreen", "QTWEBENGINE_DISABLE_SANDBOX": "1"}
SMOKE = ["--smoke-test", "--server", "http://127.0.0.1:9"]


@pytest.fixture(scope="module")
def deb() -> Path:
    return Path(podman.script("packaging/deb/build.sh", timeout=1800))


def test_frozen_bundle_has_the_web_engine_and_passes_its_smoke_test(
    deb: Path, tmp_path: Path
) -> None:
    bundle = REPO / "dist" / "parley"
    assert list(bundle.rglob("QtWebEngineProcess")), "the web engine's helper process is bundled"
    assert (bundle / "_internal" / "assets" / "smoke" / "index.html").is_file()
    env = {**os.environ, **SMOKE_ENV, "PARLEY_CONFIG_DIR": str(tmp_path)}
    done = subprocess.run(
        [str(bundle / "parley"), *SMOKE], env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "smoke-test ok" in done.stdout


def _depends(deb: Path) -> list[str]:
    field = subprocess.run(
        ["dpkg-deb", "-f", str(deb), "Depends"], capture_output=True, text=True, check=True
    ).stdout
    return [d.strip().split()[0] for d in field.split(",") if d.strip()]


def test_deb_installs_in_a_clean_debian_container_and_the_installed_app_runs(
    deb: Path, tmp_path: Path
) -> None:
    podman.require()
    base = podman.script("deploy/containers/base-image.sh")
    debs = tmp_path / "debs"
    podman.script("deploy/containers/debs.sh", str(debs), *_depends(deb))
    env_args = [arg for k, v in SMOKE_ENV.items() for arg in ("-e", f"{k}={v}")]
    script = (
        "set -e; apt-get install -y -qq --no-install-recommends /debs/*.deb /pkg/"
        + deb.name
        + " >/dev/null; command -v parley; test -f /usr/share/applications/parley.desktop; "
        "test -f /usr/share/icons/hicolor/48x48/apps/parley.png; parley " + " ".join(SMOKE)
    )
    done = podman.run(
        "run",
        "--rm",
        "--network=none",
        *env_args,
        "-v",
        f"{debs}:/debs:ro",
        "-v",
        f"{deb.parent}:/pkg:ro",
        base,
        "bash",
        "-c",
        script,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.splitlines()[0] == "/usr/bin/parley"
    assert "smoke-test ok" in done.stdout
