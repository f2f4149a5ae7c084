"""GET /limits publishes the limits the server enforces, so a client can say the server's figures
(a message of at most 12 characters, a file of at most 1 KiB) rather than its own guesses."""

from __future__ import annotations

from collections.abc import Callable

import httpx

from tests.support.client import Api, Socket
from tests.support.server import ServerProcess


async def limits_of(srv: ServerProcess) -> dict[str, object]:
    api = Api(srv.url)
    try:
        a = await api.user()
        r = await api.http.get("/limits", headers=a.auth)
        assert r.status_code == 200, r.text
        limits: dict[str, object] = r.json()["limits"]
        return limits
    finally:
        await api.close()


async def test_a_server_publishes_the_limits_it_was_given(
    server_factory: Callable[..., ServerProcess],
) -> None:
    env = {
        "PARLEY_MAX_TEXT_CHARS": "12",
        "PARLEY_MAX_UPLOAD_BYTES": "1024",
        "PARLEY_UPLOAD_QUOTA_BYTES": "4096",
    }
    srv = server_factory("embedded", env=env)
    assert await limits_of(srv) == {
        "max_text_chars": 12,
        "max_upload_bytes": 1024,
        "upload_quota_bytes": 4096,
        "upload_used_bytes": 0,
    }
    api = Api(srv.url)
    try:
        a = await api.user()
        chat = await api.group(a)
        refused = await api.send(a, chat, "x" * 13)
        assert refused.status_code == 422 and refused.json()["code"] == "text_too_long"
        assert refused.json()["limit"] == 12, "the problem names the server's figure"
    finally:
        await api.close()


async def test_the_defaults_have_no_quota_and_strangers_are_refused(
    server_factory: Callable[..., ServerProcess],
) -> None:
    srv = server_factory("embedded")
    assert await limits_of(srv) == {
        "max_text_chars": 4000,
        "max_upload_bytes": 100 * 1024 * 1024,
        "upload_quota_bytes": None,
        "upload_used_bytes": 0,
    }
    anonymous = httpx.get(f"{srv.url}/api/v1/limits")
    assert anonymous.status_code == 401
    assert anonymous.headers["content-type"].startswith("application/problem+json")


async def test_the_socket_names_the_text_limit_and_limits_count_what_is_stored(
    server_factory: Callable[..., ServerProcess],
) -> None:
    """A socket's text_too_long carries `limit` as the REST problem does; GET /limits counts
    the bytes the user's own stored files take (what the quota is checked against)."""
    srv = server_factory("embedded", env={"PARLEY_MAX_TEXT_CHARS": "12"})
    api = Api(srv.url)
    try:
        a, b = await api.user(), await api.user()
        chat = await api.group(a, b)
        sock = await Socket.connect(srv.ws_url, a.access_token)
        try:
            send = {"type": "message.send", "chat_id": chat, "client_msg_id": "c1"}
            await sock.send({**send, "text": "x" * 13})
            error = await sock.next("error", client_msg_id="c1")
        finally:
            await sock.close()
        assert (error["code"], error["limit"]) == ("text_too_long", 12)
        for user, size in ((a, 300), (a, 700)):
            up = await api.http.post(
                "/files", params={"chat_id": chat, "name": "f.bin"}, content=b"\0" * size,
                headers=user.auth,
            )  # fmt: skip
            assert up.status_code == 201, up.text
        used = {}
        for user in (a, b):
            r = await api.http.get("/limits", headers=user.auth)
            used[user.username] = r.json()["limits"]["upload_used_bytes"]
        assert used == {a.username: 1000, b.username: 0}, "each user's own files only"
    finally:
        await api.close()
