"""docker-compose.yml really runs: the podman-built image, two replicas, an upload replica and
HAProxy, brought up with podman-compose against this run's private engines, and the API contract
through it.

- A message sent on one replica reaches a socket on the other one (the real bus between them).
- A rolling restart of one container (SIGTERM drain, then start) loses no message: every send
  through HAProxy during it is stored once and delivered once to the socket on the other replica.
- HAProxy gives `/api/v1/files…` to the upload replica (`files`) and nothing else.
- The image runs as a non-root user, its HEALTHCHECK answers from /readyz, and
  `parley-server migrate` ran as its own one-shot container before any replica.
"""

from __future__ import annotations

import asyncio
import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from tests.containers import podman
from tests.support import haproxy
from tests.support.client import Api, Socket
from tests.support.engines import REPO, drop_production, production_env
from tests.support.server import free_port, wait_until

pytestmark = [
    pytest.mark.containers,
    pytest.mark.engines,
    pytest.mark.slow,
    # The first test makes the base image and builds the images when they are not cached.
    pytest.mark.timeout(1200),
]

OVERRIDE = Path(__file__).with_name("compose.host.yml")


@dataclass
class Stack:
    project: str
    env_file: Path
    lb_socket: Path
    port_a: int
    port_b: int
    port_f: int
    lb_port: int

    @property
    def lb_url(self) -> str:
        return f"http://127.0.0.1:{self.lb_port}"

    def container(self, service: str) -> str:
        return f"{self.project}_{service}_1"

    def compose(self, *args: str, timeout: float = 300) -> str:
        files = [REPO / "docker-compose.yml", OVERRIDE]
        return podman.compose(self.project, self.env_file, files, *args, timeout=timeout)

    def lb(self, command: str) -> str:
        """One command on HAProxy's runtime API (the socket is mounted from the test's folder)."""
        return haproxy.command(self.lb_socket, command)

    def slot_up(self, backend: str, slot: str) -> bool:
        rows = haproxy.stats(self.lb_socket)
        return any((r["pxname"], r["svname"], r["status"]) == (backend, slot, "UP") for r in rows)


def _ready(url: str) -> bool:
    return httpx.get(f"{url}/readyz", timeout=2).status_code == 200


def _env_file(folder: Path, engines: dict[str, str], stack: Stack) -> None:
    podman.script("deploy/docker/gen-env.sh", str(folder))
    tests = {f"PARLEY_TEST_{k.removeprefix('PARLEY_')}": v for k, v in engines.items()}
    tests |= {
        "PARLEY_TEST_PORT_A": str(stack.port_a),
        "PARLEY_TEST_PORT_B": str(stack.port_b),
        "PARLEY_TEST_PORT_F": str(stack.port_f),
        "PARLEY_TEST_LB_PORT": str(stack.lb_port),
        "PARLEY_TEST_LB_DIR": str(stack.lb_socket.parent),
    }
    with stack.env_file.open("a") as f:
        f.writelines(f"{k}={v}\n" for k, v in tests.items())


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    podman.require()
    podman.script("deploy/docker/build.sh")
    podman.script("deploy/containers/haproxy/build.sh")
    folder = tmp_path_factory.mktemp("compose")
    lb_dir = folder / "lb"
    lb_dir.mkdir(mode=0o777)
    lb_dir.chmod(0o777)  # HAProxy runs as its own user inside the container
    stack = Stack(
        project=f"parleyct{uuid.uuid4().hex[:8]}",
        env_file=folder / ".env.services",
        lb_socket=lb_dir / "admin.sock",
        port_a=free_port(),
        port_b=free_port(),
        port_f=free_port(),
        lb_port=free_port(),
    )
    engines = production_env("ct")
    _env_file(folder, engines, stack)
    if podman.run("network", "exists", "parley", check=False).returncode != 0:
        podman.run("network", "create", "parley")
    try:
        stack.compose("up", "-d")
        slots = (
            ("backend", "parley/r1", stack.port_a),
            ("backend-b", "parley/r2", stack.port_b),
            ("files", "parley_files/f1", stack.port_f),
        )
        for name, _, port in slots:
            podman.wait_healthy(stack.container(name))
            assert _ready(f"http://127.0.0.1:{port}")
        wait_until(stack.lb_socket.exists, 60, "HAProxy's runtime API socket")
        for _, slot, port in slots:
            stack.lb(f"set server {slot} addr 127.0.0.1 port {port}")
            stack.lb(f"set server {slot} state ready")
        wait_until(lambda: _ready(stack.lb_url), 60, "/readyz through HAProxy", interval=0.2)
        wait_until(
            lambda: stack.slot_up("parley_files", "f1"), 60, "the upload replica UP", interval=0.2
        )
        yield stack
    finally:
        try:  # kept beside the env file for a failed run's post-mortem
            (folder / "compose.log").write_text(stack.compose("logs", timeout=60))
        except AssertionError as exc:
            (folder / "compose.log").write_text(str(exc))
        stack.compose("down", "-t", "30", timeout=180)
        drop_production(engines)


def test_image_is_non_root_secret_free_and_migrate_ran_alone(stack: Stack) -> None:
    user = podman.run("exec", stack.container("backend"), "id", "-u").stdout.strip()
    assert user == "10001"
    migrate = stack.container("migrate")
    state = podman.run("inspect", "--format", "{{.State.ExitCode}}", migrate).stdout.strip()
    assert state == "0"
    assert "migrations applied" in podman.run("logs", migrate).stdout
    image = podman.run("image", "inspect", "--format", "{{.Config.User}}", "parley-backend:dev")
    assert image.stdout.strip() == "10001:10001"
    check = podman.run(
        "image", "inspect", "--format", "{{json .HealthCheck}}", "parley-backend:dev"
    )
    assert "/readyz" in check.stdout, "the HEALTHCHECK survived the build (docker format)"
    baked = podman.run("image", "inspect", "--format", "{{json .Config.Env}}", "parley-backend:dev")
    assert not re.search(r"PASSWORD|SECRET|_KEY|_URL", baked.stdout), "no secret in the image"


def _restart(container: str) -> None:
    """Stop (SIGTERM: the replica drains) and start again. Not `podman restart`: it refuses a
    container whose compose dependency (the one-shot migrate) has exited; `start` re-runs that
    idempotent migration first, as a release would."""
    podman.run("stop", "-t", "30", container)
    podman.run("start", container)


async def _send_all(api: Api, sender: object, chat: str, texts: list[str]) -> dict[str, int]:
    """Send each text once through HAProxy; a connection cut by the restart is retried with the
    same client_msg_id (the contract's idempotent retry), so a stored message is never doubled."""
    acked: dict[str, int] = {}
    for text in texts:
        for _attempt in range(50):
            try:
                r = await api.send(sender, chat, text, cid=text)  # type: ignore[arg-type]
            except httpx.TransportError:
                await asyncio.sleep(0.1)
                continue
            if r.status_code in (502, 503, 504):
                await asyncio.sleep(0.1)
                continue
            assert r.status_code in (200, 201), r.text
            acked[text] = r.json()["message"]["seq"]
            break
    return acked


async def test_cross_replica_delivery_and_rolling_restart_lose_nothing(stack: Stack) -> None:
    lb, direct_a = Api(stack.lb_url), Api(f"http://127.0.0.1:{stack.port_a}")
    try:
        alice, bob = await lb.user(), await lb.user()
        chat = await lb.group(alice, bob)
        on_b = await Socket.connect(f"ws://127.0.0.1:{stack.port_b}/api/v1/ws", bob.access_token)
        try:
            r = await direct_a.send(alice, chat, "hello from replica a", cid="first")
            assert r.status_code in (200, 201), r.text
            frame = await on_b.next("message.created", timeout=20, chat_id=chat)
            assert frame["message"]["text"] == "hello from replica a"

            texts = [f"during-restart-{i}" for i in range(40)]
            restart = asyncio.create_task(asyncio.to_thread(_restart, stack.container("backend")))
            acked = await _send_all(lb, alice, chat, texts)
            await restart
            await asyncio.to_thread(podman.wait_healthy, stack.container("backend"))
            after = await _send_all(lb, alice, chat, ["after-restart"])
            acked |= after

            assert set(acked) == {*texts, "after-restart"}
            await on_b.until(
                lambda f: len([x for x in f if x.get("type") == "message.created"]) >= 42,
                timeout=30,
                what="every message on replica b's socket",
            )
            seen = [f["message"]["client_msg_id"] for f in on_b.of("message.created", chat)]
            assert sorted(seen) == sorted(["first", *texts, "after-restart"])
            history = await lb.history(alice, chat, limit=100)
            assert history.status_code == 200, history.text
            stored = [m["client_msg_id"] for m in history.json()["messages"]]
            assert sorted(stored) == sorted(seen)
        finally:
            await on_b.close()
    finally:
        await lb.close()
        await direct_a.close()


async def test_files_requests_reach_the_upload_replica_alone(stack: Stack) -> None:
    lb = Api(stack.lb_url)
    try:
        alice = await lb.user()
        before = haproxy.requests(stack.lb_socket)
        missing = await lb.http.get(f"/files/{uuid.uuid4().hex}", headers=alice.auth)
        assert missing.status_code == 404, missing.text
        assert missing.headers["content-type"].startswith("application/problem+json")
        chats = await lb.http.get("/chats", headers=alice.auth)
        assert chats.status_code == 200, chats.text
        expected = {"parley_files": 1, "parley": 1}
        assert await haproxy.counted(stack.lb_socket, before, expected) == expected
    finally:
        await lb.close()
