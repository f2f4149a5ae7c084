"""Smaller findings, each through the real server: control and bidi characters, ownerless groups,
private data files, the socket's Origin, and a production replica without a shared key."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import websockets

from tests.support.client import Api, Socket
from tests.support.engines import REPO
from tests.support.server import ServerProcess

FORBIDDEN = ["\u202e", "\u2066", "\x07", "\x1b[31m", "\x85", "\x7f", "\x00"]


@pytest.mark.parametrize("bad", FORBIDDEN)
async def test_control_and_bidi_characters_are_refused(api: Api, bad: str) -> None:
    u = await api.user()
    chat = await api.group(u)
    r = await api.send(u, chat, f"look {bad}here")
    assert (r.status_code, r.json()["code"]) == (422, "text_forbidden_chars")
    r = await api.http.patch("/me", headers=u.auth, json={"display_name": f"An{bad}n"})
    assert r.status_code == 422
    r = await api.http.post("/chats", headers=u.auth, json={"title": f"t{bad}t", "member_ids": []})
    assert r.status_code == 422
    name = "r" + u.id[:10]
    body = {"username": name, "email": f"{name}@example.org", "password": "long enough 1"}
    r = await api.http.post("/auth/register", json={**body, "display_name": f"x{bad}y"})
    assert r.status_code == 422
    login = {"login": u.username, "password": u.password, "device_name": f"my{bad}pc"}
    r = await api.http.post("/auth/login", json=login)
    assert r.status_code == 422


async def test_text_keeps_newlines_and_tabs(api: Api) -> None:
    u = await api.user()
    chat = await api.group(u)
    r = await api.send(u, chat, "line one\n\tindented")
    assert r.status_code == 201
    assert r.json()["message"]["text"] == "line one\n\tindented"


async def test_the_owner_leaving_hands_the_group_over(api: Api) -> None:
    owner, admin, member = await api.user(), await api.user(), await api.user()
    chat = await api.group(owner, member, admin)
    r = await api.http.patch(
        f"/chats/{chat}/members/{admin.id}", headers=owner.auth, json={"role": "admin"}
    )
    assert r.status_code == 200
    r = await api.http.delete(f"/chats/{chat}/members/{owner.id}", headers=owner.auth)
    assert r.status_code == 204
    members = (await api.http.get(f"/chats/{chat}/members", headers=member.auth)).json()
    roles = {m["user_id"]: m["role"] for m in members["members"]}
    assert roles == {admin.id: "owner", member.id: "member"}
    # The new owner can leave too; the last member then owns it.
    r = await api.http.delete(f"/chats/{chat}/members/{admin.id}", headers=admin.auth)
    assert r.status_code == 204
    members = (await api.http.get(f"/chats/{chat}/members", headers=member.auth)).json()
    assert [m["role"] for m in members["members"]] == ["owner"]


async def test_data_dir_and_database_are_private(server_factory: Any, tmp_path: Path) -> None:
    data = tmp_path / "fresh"
    server_factory("embedded", data_dir=data)
    assert data.stat().st_mode & 0o777 == 0o700
    assert (data / "parley.sqlite3").stat().st_mode & 0o777 == 0o600
    assert (data / "uploads.sqlite3").stat().st_mode & 0o777 == 0o600
    assert (data / "jwt-keys.json").stat().st_mode & 0o777 == 0o600


async def test_socket_origin_is_checked(server_factory: Any, mode: str) -> None:
    srv: ServerProcess = server_factory(mode, env={"PARLEY_WS_ORIGINS": "https://chat.example"})
    api = Api(srv.url)
    try:
        u = await api.user()
        for origin, allowed in (("https://evil.example", False), ("https://chat.example", True)):
            ws = await websockets.connect(srv.ws_url, origin=origin)  # type: ignore[arg-type]
            if allowed:
                await ws.send(json.dumps({"type": "auth", "token": u.access_token}))
                assert json.loads(await ws.recv())["type"] == "ready"
                await ws.close()
            else:
                with pytest.raises(websockets.ConnectionClosed) as closed:
                    await ws.recv()  # closed before it could authenticate
                assert closed.value.rcvd is not None and closed.value.rcvd.code == 4403
        sock = await Socket.connect(srv.ws_url, u.access_token)  # native clients send none
        await sock.close()
    finally:
        await api.close()


def test_production_engines_without_a_jwt_secret_refuse_to_start(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PARLEY_")}
    env["PARLEY_REDIS_URL"] = "redis://127.0.0.1:1/0"  # never reached: start-up stops first
    done = subprocess.run(
        [sys.executable, "-m", "backend", "--data-dir", str(tmp_path)],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode != 0
    assert "PARLEY_JWT_SECRET" in done.stderr
    assert not (tmp_path / "jwt-keys.json").exists()


@pytest.mark.parametrize(
    ("sent", "echoed"),
    [("trace-42.a:b_C", True), ("x" * 65, False), ("evil\tvalue", False), ("a b", False)],
)
async def test_a_request_id_is_echoed_only_in_a_safe_shape(
    api: Api, sent: str, echoed: bool
) -> None:
    """The id a caller chose is echoed and logged only if it matches the documented pattern;
    otherwise the server makes its own, so no caller-chosen bytes reach a header or a log line."""
    r = await api.http.get("/healthz", headers={"X-Request-ID": sent})
    got = r.headers["X-Request-ID"]
    assert (got == sent) is echoed
    assert re.fullmatch(r"[A-Za-z0-9._:-]{1,64}", got)
