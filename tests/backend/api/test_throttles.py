"""Throttles a user would notice: an attacker cannot lock the owner out, guessing is slowed or
refused, probes are bounded, and each of these leaves a security log line without secrets."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Callable

import httpx
import pytest

from tests.support.client import Api, User
from tests.support.server import ServerProcess

LIMITS = {
    "PARLEY_PROXIES_COUNT": "1",  # each test speaks from addresses of its own (X-Forwarded-For)
    "PARLEY_LOGIN_PER_ACCOUNT": "3",
    "PARLEY_LOGIN_PER_PAIR": "3",
    "PARLEY_LOGIN_PER_IP": "6",
    "PARLEY_REGISTER_PER_IP": "3",
    "PARLEY_PASSWORD_PER_USER": "3",
    "PARLEY_PROFILE_PER_USER": "3",
    "PARLEY_UPLOADS_PER_USER": "2",
}


@pytest.fixture(
    scope="module", params=["embedded", pytest.param("production", marks=pytest.mark.engines)]
)
def tight(
    request: pytest.FixtureRequest, server_factory: Callable[..., ServerProcess]
) -> ServerProcess:
    return server_factory(request.param, env=dict(LIMITS))


@pytest.fixture
async def api(tight: ServerProcess) -> AsyncIterator[Api]:
    client = Api(tight.url)
    yield client
    await client.close()


def addr() -> dict[str, str]:
    """A made-up client address of this test alone (the server trusts one proxy hop)."""
    n = uuid.uuid4().int
    return {"X-Forwarded-For": f"10.{n % 250}.{n // 250 % 250}.{n // 62500 % 250 + 1}"}


async def register(api: Api, password: str = "correct horse 1") -> User:
    name = f"u{uuid.uuid4().hex[:12]}"
    body = {"username": name, "email": f"{name}@example.org", "password": password}
    r = await api.http.post("/auth/register", json=body, headers=addr())
    assert r.status_code == 201, r.text
    r = await api.http.post(
        "/auth/login", json={"login": name, "password": password}, headers=addr()
    )
    assert r.status_code == 200, r.text
    b = r.json()
    return User(b["user"]["id"], name, password, b["access_token"], b["refresh_token"])


async def login(api: Api, login: str, password: str, where: dict[str, str]) -> httpx.Response:
    return await api.http.post(
        "/auth/login", json={"login": login, "password": password}, headers=where
    )


async def test_an_attacker_elsewhere_cannot_lock_the_owner_out(
    api: Api, tight: ServerProcess
) -> None:
    u = await register(api)
    home = addr()
    for _ in range(4):  # three wrong guesses from each of four addresses: the account is full
        where = addr()
        codes = [
            (await login(api, u.username, "wrong guess!", where)).status_code for _ in range(3)
        ]
        assert codes == [401, 401, 401]
    r = await login(api, u.username, u.password, home)
    assert r.status_code == 200, r.text  # slowed down, not refused


async def test_one_address_is_refused_after_its_guesses(api: Api) -> None:
    u = await register(api)
    where = addr()
    codes = [(await login(api, u.username, "wrong guess!", where)).status_code for _ in range(4)]
    assert codes == [401, 401, 401, 429]
    r = await login(api, u.username, u.password, where)
    assert r.status_code == 429 and int(r.headers["Retry-After"]) >= 1
    sprayer = addr()  # one address trying many accounts
    codes = [
        (await login(api, f"nobody{i}", "wrong guess!", sprayer)).status_code for i in range(7)
    ]
    assert codes == [401] * 6 + [429]


async def test_password_change_is_throttled(api: Api) -> None:
    u = await register(api)
    body = {"current_password": "not my password", "new_password": "a new password 2"}
    codes = [
        (await api.http.post("/me/password", headers=u.auth, json=body)).status_code
        for _ in range(4)
    ]
    assert codes == [422, 422, 422, 429]


async def test_registration_and_profile_probes_are_throttled(api: Api) -> None:
    where = addr()
    codes = []
    for _ in range(4):
        name = f"p{uuid.uuid4().hex[:12]}"
        body = {"username": name, "email": f"{name}@example.org", "password": "correct horse 1"}
        codes.append((await api.http.post("/auth/register", json=body, headers=where)).status_code)
    assert codes == [201, 201, 201, 429]
    u = await register(api)
    codes = [
        (
            await api.http.patch("/me", headers=u.auth, json={"email": f"probe{i}@example.org"})
        ).status_code
        for i in range(4)
    ]
    assert codes == [200, 200, 200, 429]


async def test_security_events_are_logged_without_secrets(api: Api, tight: ServerProcess) -> None:
    u = await register(api)
    secret = "my secret guess 42"
    await login(api, u.username, secret, addr())
    await api.http.post("/auth/logout", json={"refresh_token": u.refresh_token})
    log = tight.log()
    assert "security login_failed" in log and "security session_revoked" in log
    for leaked in (secret, u.password, u.refresh_token, u.access_token, u.username):
        assert leaked not in log


async def test_common_and_self_naming_passwords_are_refused(api: Api) -> None:
    for password in ("password1", "iloveyou2", "qwertyuiop"):
        name = f"c{uuid.uuid4().hex[:12]}"
        body = {"username": name, "email": f"{name}@example.org", "password": password}
        r = await api.http.post("/auth/register", json=body, headers=addr())
        assert (r.status_code, r.json()["code"]) == (422, "password_common"), password
    name = f"c{uuid.uuid4().hex[:12]}"
    body = {"username": name, "email": f"{name}@example.org", "password": name}
    r = await api.http.post("/auth/register", json=body, headers=addr())
    assert (r.status_code, r.json()["code"]) == (422, "password_common")


async def test_uploads_begun_over_the_cap_get_429_with_retry_after(api: Api) -> None:
    u = await register(api)
    chat_id = await api.group(u)
    where = {"chat_id": chat_id, "name": "a.bin"}
    simple = await api.http.post("/files", params=where, content=b"x" * 10, headers=u.auth)
    resumable = await api.http.post(
        "/files/uploads", params={**where, "size": "10"}, headers=u.auth
    )
    assert (simple.status_code, resumable.status_code) == (201, 201)
    over = await api.http.post("/files", params=where, content=b"y" * 10, headers=u.auth)
    assert over.status_code == 429, over.text
    assert over.json()["code"] == "rate_limited" and int(over.headers["Retry-After"]) >= 1
    again = await api.http.post("/files/uploads", params={**where, "size": "10"}, headers=u.auth)
    assert again.status_code == 429
    other = await register(api)  # the cap is one user's, not everyone's
    mine = await api.http.post(
        "/files",
        params={**where, "chat_id": await api.group(other)},
        content=b"z",
        headers=other.auth,
    )
    assert mine.status_code == 201, mine.text
