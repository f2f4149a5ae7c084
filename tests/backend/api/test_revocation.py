"""Ending a session reaches its access tokens and its open sockets, not only its refresh token."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import pytest

from tests.support.client import Api, Socket, User
from tests.support.engines import production_env
from tests.support.server import ServerProcess, eventually

CLOSE_AUTH = 4401


async def refused(api: Api, user: User) -> bool:
    r = await api.http.get("/me", headers=user.auth)
    return r.status_code == 401 and r.json()["code"] == "session_revoked"


async def assert_session_ended(api: Api, server: ServerProcess, user: User, sock: Socket) -> None:
    await eventually(lambda: refused(api, user), 10.0, "the access token to be refused", 0.1)
    assert await sock.closed(10.0) == CLOSE_AUTH
    with pytest.raises(AssertionError, match=r"4401"):
        await Socket.connect(server.ws_url, user.access_token, timeout=5.0)


async def test_sign_out_stops_the_access_token_and_closes_the_socket(
    api: Api, server: ServerProcess
) -> None:
    u = await api.user()
    other = await api.login(u.username, u.password)
    sock = await Socket.connect(server.ws_url, u.access_token)
    kept = await Socket.connect(server.ws_url, other.access_token)
    assert (await api.http.get("/me", headers=u.auth)).status_code == 200
    r = await api.http.post("/auth/logout", json={"refresh_token": u.refresh_token})
    assert r.status_code == 204
    await assert_session_ended(api, server, u, sock)
    # The same user's other device is untouched.
    assert (await api.http.get("/me", headers=other.auth)).status_code == 200
    await kept.send({"type": "ping"})
    await kept.next("pong")
    await kept.close()


async def test_password_change_ends_the_other_sessions_only(
    api: Api, server: ServerProcess
) -> None:
    u = await api.user(password="first password")
    other = await api.login(u.username, "first password")
    sock = await Socket.connect(server.ws_url, other.access_token)
    r = await api.http.post(
        "/me/password",
        headers=u.auth,
        json={"current_password": "first password", "new_password": "second password"},
    )
    assert r.status_code == 204
    await assert_session_ended(api, server, other, sock)
    assert (await api.http.get("/me", headers=u.auth)).status_code == 200


async def test_refresh_token_reuse_ends_the_family_access_tokens(
    api: Api, server: ServerProcess
) -> None:
    u = await api.user()
    first = u.refresh_token
    r = await api.http.post("/auth/refresh", json={"refresh_token": first})
    second = r.json()
    await api.http.post("/auth/refresh", json={"refresh_token": second["refresh_token"]})
    live = User(u.id, u.username, u.password, second["access_token"], second["refresh_token"])
    sock = await Socket.connect(server.ws_url, live.access_token)
    r = await api.http.post("/auth/refresh", json={"refresh_token": first})  # a thief's replay
    assert (r.status_code, r.json()["code"]) == (401, "refresh_reused")
    await assert_session_ended(api, server, live, sock)


async def test_sessions_are_listed_and_one_can_be_signed_out(
    api: Api, server: ServerProcess
) -> None:
    u = await api.user()
    r = await api.http.post(
        "/auth/login", json={"login": u.username, "password": u.password, "device_name": "laptop"}
    )
    laptop = User(u.id, u.username, u.password, r.json()["access_token"], "")
    r = await api.http.get("/me/sessions", headers=u.auth)
    assert r.status_code == 200
    sessions = r.json()["sessions"]
    assert len(sessions) == 2
    assert {s["device_name"] for s in sessions} == {"unknown", "laptop"}
    assert [s["current"] for s in sessions].count(True) == 1
    for s in sessions:
        assert set(s) == {"id", "device_name", "created_at", "last_used_at", "current"}
        assert s["created_at"].endswith("Z") and s["last_used_at"] >= s["created_at"]
    target = next(s for s in sessions if s["device_name"] == "laptop")
    sock = await Socket.connect(server.ws_url, laptop.access_token)
    r = await api.http.delete(f"/me/sessions/{target['id']}", headers=u.auth)
    assert r.status_code == 204
    await assert_session_ended(api, server, laptop, sock)
    r = await api.http.get("/me/sessions", headers=u.auth)
    assert [s["device_name"] for s in r.json()["sessions"]] == ["unknown"]
    # Another user cannot see or end my sessions: theirs is 404, like one that does not exist.
    stranger = await api.user()
    r = await api.http.get("/me/sessions", headers=stranger.auth)
    assert [s["current"] for s in r.json()["sessions"]] == [True]
    mine = r.json()["sessions"][0]["id"]
    r = await api.http.delete(f"/me/sessions/{mine}", headers=u.auth)
    assert (r.status_code, r.json()["code"]) == (404, "session_not_found")
    assert (await api.http.get("/me", headers=stranger.auth)).status_code == 200


async def _clock_past(moment: float) -> None:
    """Let wall-clock time pass (token lifetimes are whole seconds); not a synchronisation."""
    while time.time() < moment:
        await asyncio.sleep(0.05)


async def test_socket_closes_at_token_expiry_unless_reauthenticated(
    server_factory: Any, mode: str
) -> None:
    srv: ServerProcess = server_factory(mode, env={"PARLEY_ACCESS_TTL": "4"})
    api = Api(srv.url)
    try:
        u = await api.user()
        started = time.time()
        plain = await Socket.connect(srv.ws_url, u.access_token)
        renewed = await Socket.connect(srv.ws_url, u.access_token)
        await _clock_past(started + 2.2)
        r = await api.http.post("/auth/refresh", json={"refresh_token": u.refresh_token})
        fresh = r.json()["access_token"]
        await renewed.send({"type": "auth", "token": fresh})
        ok = await renewed.next("auth.ok")
        assert ok["expires_at"] >= int(started) + 5
        assert await plain.closed(10.0) == CLOSE_AUTH
        await renewed.send({"type": "ping"})
        await renewed.next("pong")
        # A token of someone else, or a bad one, does not extend it.
        other = await api.user()
        await renewed.send({"type": "auth", "token": other.access_token})
        assert (await renewed.next("error"))["code"] == "token_invalid"
        assert await renewed.closed(10.0) == CLOSE_AUTH  # at the fresh token's expiry
    finally:
        await api.close()


@pytest.mark.engines
async def test_a_sign_out_on_one_replica_reaches_the_other(
    server_factory: Any,
) -> None:
    env = production_env("revoke")
    first = server_factory("embedded", env=dict(env))
    second = server_factory("embedded", env=dict(env))
    a, b = Api(first.url), Api(second.url)
    try:
        u = await a.user()
        sock = await Socket.connect(second.ws_url, u.access_token)
        assert (await b.http.get("/me", headers=u.auth)).status_code == 200
        r = await a.http.post("/auth/logout", json={"refresh_token": u.refresh_token})
        assert r.status_code == 204
        await assert_session_ended(b, second, u, sock)
    finally:
        await a.close()
        await b.close()


async def test_a_sign_in_ends_at_its_absolute_lifetime_however_often_refreshed(
    server_factory: Any, mode: str
) -> None:
    srv: ServerProcess = server_factory(mode, env={"PARLEY_REFRESH_ABSOLUTE": "3"})
    api = Api(srv.url)
    try:
        u = await api.user()
        started = time.time()
        r = await api.http.post("/auth/refresh", json={"refresh_token": u.refresh_token})
        assert r.status_code == 200
        token, access = r.json()["refresh_token"], r.json()["access_token"]
        listed = (
            await api.http.get("/me/sessions", headers={"Authorization": f"Bearer {access}"})
        ).json()["sessions"]
        assert len(listed) == 1 and listed[0]["current"] is True
        assert listed[0]["last_used_at"] >= listed[0]["created_at"]
        await _clock_past(started + 3.5)
        r = await api.http.post("/auth/refresh", json={"refresh_token": token})
        assert (r.status_code, r.json()["code"]) == (401, "refresh_invalid")
    finally:
        await api.close()
