"""The compose files load as Docker Compose loads them (compose-go v2.16.2: interpolation, required
variables, the compose-spec schema), with the env files deploy/docker/gen-env.sh writes.

docker-compose.environment.yml is only validated: its official engine images (MariaDB,
Elasticsearch, RabbitMQ, Redis, MinIO, Jitsi) cannot be pulled here, no registry is reachable. The
services file is also brought up for real (test_compose.py).
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from tests.containers import podman
from tests.support.engines import REPO

# The first test builds compose-check when it is not cached (about a minute, cold).
pytestmark = [pytest.mark.containers, pytest.mark.timeout(900)]

ENGINES = "elasticsearch minio minio-bucket mysql rabbitmq redis"


@pytest.fixture(scope="module")
def check() -> Path:
    return Path(podman.script("deploy/compose-check/build.sh", timeout=600))


@pytest.fixture
def env_dir(tmp_path: Path) -> Path:
    podman.script("deploy/docker/gen-env.sh", str(tmp_path))
    return tmp_path


def _load(check: Path, env_file: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(check), "-env-file", str(env_file), *args],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.parametrize(
    ("env_name", "args", "services"),
    [
        (".env.environment", ["docker-compose.environment.yml"], ENGINES),
        (
            ".env.environment",
            ["-profile", "jitsi", "docker-compose.environment.yml"],
            "elasticsearch jitsi-jicofo jitsi-jvb jitsi-prosody jitsi-web minio minio-bucket "
            "mysql rabbitmq redis",
        ),
        (".env.services", ["docker-compose.yml"], "backend files haproxy migrate"),
    ],
    ids=["environment", "environment-jitsi", "services"],
)
def test_compose_file_loads_with_generated_env(
    check: Path, env_dir: Path, env_name: str, args: list[str], services: str
) -> None:
    done = _load(check, env_dir / env_name, *args)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == services.split()


def test_committed_examples_hold_no_secret_and_compose_refuses_them(check: Path) -> None:
    for name in (".env.environment.example", ".env.services.example"):
        for line in (REPO / name).read_text().splitlines():
            key, _, value = line.partition("=")
            if any(word in key for word in ("PASSWORD", "SECRET", "_KEY")):
                assert value == "", f"{name}: {key} holds a value"
    done = _load(check, REPO / ".env.services.example", "docker-compose.yml")
    assert done.returncode != 0
    assert "required variable PARLEY_JWT_SECRET is missing a value" in done.stderr


def test_generated_env_files_share_secrets_and_are_private(env_dir: Path) -> None:
    def read(name: str) -> dict[str, str]:
        lines = (env_dir / name).read_text().splitlines()
        return dict(ln.split("=", 1) for ln in lines if "=" in ln and not ln.startswith("#"))

    engines, services = read(".env.environment"), read(".env.services")
    assert len(services["PARLEY_JWT_SECRET"]) >= 48
    for key in set(engines) & set(services):
        assert engines[key] == services[key], key
    assert (env_dir / ".env.services").stat().st_mode & 0o077 == 0
    again = subprocess.run(
        ["bash", str(REPO / "deploy/docker/gen-env.sh"), str(env_dir)],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert again.returncode != 0, "an existing env file is never overwritten"
