"""The REST client against a real server: sign-in, silent refresh, expiry, errors in words."""

from __future__ import annotations

import pytest

from desktop.core.errors import (
    ApiError,
    ServerUnreachableError,
    SessionExpiredError,
    describe,
)
from desktop.core.rest import RestClient, normalize_server
from desktop.core.wire import Tokens
from tests.desktop.conftest import unique
from tests.support.server import ServerProcess, free_port

PASSWORD = "correct horse 1"


async def signed_in(server: ServerProcess) -> tuple[RestClient, list[Tokens]]:
    name = unique("rest")
    rest = RestClient(server.url)
    saved: list[Tokens] = []
    rest.on_tokens = saved.append
    await rest.register(name, f"{name}@example.org", PASSWORD, "")
    await rest.login(name, PASSWORD)
    return rest, saved


def test_server_addresses_are_normalised() -> None:
    assert normalize_server("localhost:8080/") == "http://localhost:8080"
    assert normalize_server(" https://chat.example.org/api/v1 ") == "https://chat.example.org"


async def test_a_refused_access_token_is_refreshed_silently(desktop_server: ServerProcess) -> None:
    rest, saved = await signed_in(desktop_server)
    first_refresh = saved[-1].refresh_token
    rest._access = "not-a-token"
    me = await rest.me()
    assert me.username.startswith("rest")
    assert len(saved) == 2 and saved[-1].refresh_token != first_refresh, "rotated and saved"
    await rest.aclose()


async def test_a_refused_refresh_token_means_sign_in_again(desktop_server: ServerProcess) -> None:
    rest = RestClient(desktop_server.url)
    rest.restore("a-refresh-token-the-server-never-issued")
    with pytest.raises(SessionExpiredError) as ended:
        await rest.me()
    assert describe(ended.value) == "Your session has ended. Please sign in again."
    assert not rest.signed_in
    await rest.aclose()


async def test_errors_become_sentences(desktop_server: ServerProcess) -> None:
    rest = RestClient(desktop_server.url)
    with pytest.raises(ApiError) as wrong:
        await rest.login(unique("nobody"), "not the password")
    assert describe(wrong.value) == "Wrong username or password."
    with pytest.raises(ApiError) as invalid:
        await rest.register("x", "not-an-email", "short", "")
    assert describe(invalid.value).startswith("Please enter a username of 3 to 32 letters")
    await rest.aclose()

    nowhere = RestClient(f"127.0.0.1:{free_port()}")
    with pytest.raises(ServerUnreachableError) as down:
        await nowhere.login("a", "b")
    assert "Cannot reach the server at http://127.0.0.1:" in describe(down.value)
    await nowhere.aclose()
