"""Shared fixtures: real servers on real sockets, on the embedded default or production engines."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path

import pytest

from tests.support.client import Api
from tests.support.engines import drop_production, production_env
from tests.support.server import ServerProcess

MODES = ["embedded", pytest.param("production", marks=pytest.mark.engines)]


@pytest.fixture(scope="session")
def server_factory(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Callable[..., ServerProcess]]:
    """Start servers; every one is stopped at the end of the session."""
    started: list[ServerProcess] = []
    namespaces: list[dict[str, str]] = []

    def start(
        mode: str = "embedded",
        env: dict[str, str] | None = None,
        data_dir: Path | None = None,
        wait: bool = True,
    ) -> ServerProcess:
        """A server on `mode`'s engines; `wait=False` only launches it (see `wait_ready`)."""
        full = production_env("t") if mode == "production" else {}
        full.update(env or {})
        if "PARLEY_DATABASE_URL" in full:
            namespaces.append(dict(full))
        # Limits that would throttle a test run of many sign-ins from one address.
        full.setdefault("PARLEY_LOGIN_PER_IP", "100000")
        full.setdefault("PARLEY_LOGIN_PER_PAIR", "100000")
        full.setdefault("PARLEY_REGISTER_PER_IP", "100000")
        full.setdefault("PARLEY_SENDS_PER_USER", "100000")
        full.setdefault("PARLEY_WS_FRAMES_PER_S", "100000")
        srv = ServerProcess(data_dir or tmp_path_factory.mktemp(f"srv-{mode}"), full)
        started.append(srv)
        return srv.launch() if not wait else srv.start()

    yield start
    for srv in started:
        srv.stop()
    for ns in {n["PARLEY_DATABASE_URL"]: n for n in namespaces}.values():
        drop_production(ns)


@pytest.fixture(params=MODES)
def mode(request: pytest.FixtureRequest) -> str:
    """For tests that start a server of their own: once per engine set."""
    return str(request.param)


@pytest.fixture(scope="module", params=MODES)
def server(
    request: pytest.FixtureRequest, server_factory: Callable[..., ServerProcess]
) -> ServerProcess:
    """One server per test module and mode: the same suite runs on both engine sets."""
    return server_factory(request.param)


@pytest.fixture
async def api(server: ServerProcess) -> AsyncIterator[Api]:
    client = Api(server.url)
    yield client
    await client.close()
