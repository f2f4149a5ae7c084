"""Accounts and sessions over real HTTP: sign-up, sign-in, refresh rotation, reuse, sign-out."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

from tests.support.client import Api


async def test_register_then_login_by_username_and_email(api: Api) -> None:
    name = f"u{uuid.uuid4().hex[:10]}"
    r = await api.http.post(
        "/auth/register",
        json={
            "username": name,
            "email": f"{name}@example.org",
            "password": "long enough 1",
            "display_name": "Ann",
        },
    )
    assert r.status_code == 201
    user = r.json()["user"]
    assert (
        user["username"] == name and user["display_name"] == "Ann" and "password_hash" not in user
    )
    for login in (name, f"{name}@example.org", name.upper()):
        r = await api.http.post("/auth/login", json={"login": login, "password": "long enough 1"})
        assert r.status_code == 200, login
        body = r.json()
        assert body["token_type"] == "Bearer" and body["expires_in"] > 0
        assert body["user"]["id"] == user["id"]
    me = await api.http.get("/me", headers={"Authorization": f"Bearer {body['access_token']}"})
    assert me.json()["user"]["username"] == name


async def test_taken_username_and_email_conflict(api: Api) -> None:
    u = await api.user()
    r = await api.http.post(
        "/auth/register",
        json={"username": u.username, "email": "other@example.org", "password": "long enough 1"},
    )
    assert (r.status_code, r.json()["code"]) == (409, "username_taken")
    r = await api.http.post(
        "/auth/register",
        json={
            "username": "someone_else_" + u.id[:6],
            "email": f"{u.username}@example.org",
            "password": "long enough 1",
        },
    )
    assert (r.status_code, r.json()["code"]) == (409, "email_taken")


async def test_wrong_password_and_unknown_user_look_the_same(api: Api) -> None:
    u = await api.user()
    wrong = await api.http.post(
        "/auth/login", json={"login": u.username, "password": "not it at all"}
    )
    unknown = await api.http.post(
        "/auth/login", json={"login": "nobody_" + u.id[:8], "password": "not it at all"}
    )
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json() == unknown.json()
    assert wrong.headers["content-type"].startswith("application/problem+json")


async def test_refresh_rotates_and_reuse_revokes_the_family(api: Api) -> None:
    u = await api.user()
    first = u.refresh_token
    r = await api.http.post("/auth/refresh", json={"refresh_token": first})
    assert r.status_code == 200
    second = r.json()["refresh_token"]
    assert second != first
    r = await api.http.post("/auth/refresh", json={"refresh_token": second})
    assert r.status_code == 200
    third = r.json()["refresh_token"]
    # `first` was rotated long ago in token terms (its successor was already used): reuse.
    r = await api.http.post("/auth/refresh", json={"refresh_token": first})
    assert (r.status_code, r.json()["code"]) == (401, "refresh_reused")
    # The whole family is revoked: even the newest token stops working.
    r = await api.http.post("/auth/refresh", json={"refresh_token": third})
    assert r.status_code == 401


async def test_parallel_refresh_from_one_client_does_not_lock_out(api: Api) -> None:
    u = await api.user()
    results = await asyncio.gather(
        *(api.http.post("/auth/refresh", json={"refresh_token": u.refresh_token}) for _ in range(4))
    )
    assert [r.status_code for r in results] == [200] * 4
    successors = {r.json()["refresh_token"] for r in results}
    assert len(successors) == 1
    r = await api.http.post("/auth/refresh", json={"refresh_token": successors.pop()})
    assert r.status_code == 200


async def test_logout_ends_the_session(api: Api) -> None:
    u = await api.user()
    r = await api.http.post("/auth/logout", json={"refresh_token": u.refresh_token})
    assert r.status_code == 204
    r = await api.http.post("/auth/refresh", json={"refresh_token": u.refresh_token})
    assert r.status_code == 401


async def test_password_change_revokes_other_sessions(api: Api) -> None:
    u = await api.user(password="first password")
    other = await api.login(u.username, "first password")
    r = await api.http.post(
        "/me/password",
        headers=u.auth,
        json={
            "current_password": "first password",
            "new_password": "second password",
            "refresh_token": u.refresh_token,
        },
    )
    assert r.status_code == 204
    assert (
        await api.http.post("/auth/refresh", json={"refresh_token": other.refresh_token})
    ).status_code == 401
    assert (
        await api.http.post("/auth/refresh", json={"refresh_token": u.refresh_token})
    ).status_code == 200
    old = await api.http.post(
        "/auth/login", json={"login": u.username, "password": "first password"}
    )
    assert old.status_code == 401
    await api.login(u.username, "second password")


async def test_wrong_current_password_changes_nothing(api: Api) -> None:
    u = await api.user(password="first password")
    r = await api.http.post(
        "/me/password",
        headers=u.auth,
        json={"current_password": "nope nope", "new_password": "second password"},
    )
    assert (r.status_code, r.json()["code"]) == (422, "wrong_password")
    await api.login(u.username, "first password")


async def test_profile_and_user_search(api: Api) -> None:
    u = await api.user()
    r = await api.http.patch("/me", headers=u.auth, json={"display_name": "New Name"})
    assert r.json()["user"]["display_name"] == "New Name"
    r = await api.http.get("/users", headers=u.auth, params={"query": u.username[:8]})
    assert [x["id"] for x in r.json()["users"]] == [u.id]
    assert "email" not in r.json()["users"][0]


async def test_user_search_matches_display_names_by_word_prefix(api: Api) -> None:
    """People look colleagues up by name: "шев" and "тарас ш" find "Тарас Шевченко"."""
    seeker = await api.user()
    taras = await api.user()
    name = f"Тарас Шевченко {taras.username[-6:]}"
    r = await api.http.patch("/me", headers=taras.auth, json={"display_name": name})
    assert r.status_code == 200
    for query in ("шев", "Шевченко", "ТАРАС", "тарас ш", taras.username[:8]):
        r = await api.http.get("/users", headers=seeker.auth, params={"query": query})
        assert r.status_code == 200
        assert taras.id in [u["id"] for u in r.json()["users"]], query
    r = await api.http.get("/users", headers=seeker.auth, params={"query": "ченко"})
    assert taras.id not in [u["id"] for u in r.json()["users"]], "a prefix, not any substring"


async def test_hashing_overload_is_refused_not_queued_without_bound(
    server_factory: Any, mode: str
) -> None:
    """One hashing thread, room for 2 waiting: a burst of sign-ins gets quick 503s for the rest."""
    env = {
        "PARLEY_HASH_CONCURRENCY": "1",
        "PARLEY_HASH_QUEUE": "2",
        "PARLEY_LOGIN_PER_ACCOUNT": "1000",
        "PARLEY_LOGIN_PER_PAIR": "1000",
    }
    srv = server_factory(mode, env=env)
    api = Api(srv.url)
    try:
        u = await api.user()
        burst = await asyncio.gather(
            *(
                api.http.post("/auth/login", json={"login": u.username, "password": "wrong one"})
                for _ in range(30)
            )
        )
        codes = [(r.status_code, r.json()["code"]) for r in burst]
        assert (503, "busy") in codes and (401, "invalid_credentials") in codes
        assert set(codes) == {(503, "busy"), (401, "invalid_credentials")}
        # Once the burst is over, hashing serves again.
        await api.login(u.username, u.password)
    finally:
        await api.close()
