"""Forged, stale and malformed access tokens are refused the same way over HTTP (401 problem)
and on the socket (close 4401); a few are signed with the server's real key, so only the
claim checks stand between them and a session."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from tests.support.client import Api, Socket, User
from tests.support.server import ServerProcess


def b64(data: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def parts(token: str) -> tuple[dict[str, Any], dict[str, Any], str]:
    header, payload, sig = token.split(".")
    return (
        json.loads(base64.urlsafe_b64decode(header + "==")),
        json.loads(base64.urlsafe_b64decode(payload + "==")),
        sig,
    )


def hmac_signed(header: dict[str, Any], claims: dict[str, Any], key: bytes) -> str:
    """HS256 by hand (PyJWT itself refuses a PEM as an HMAC key, as a verifier must)."""
    signing_input = f"{b64(header)}.{b64(claims)}"
    mac = hmac.new(key, signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{base64.urlsafe_b64encode(mac).rstrip(b'=').decode()}"


def server_key(server: ServerProcess) -> tuple[str, str]:
    """The server's own signing key: from its environment, or the file embedded mode wrote."""
    if "PARLEY_JWT_SECRET" in server.env:
        return server.env["PARLEY_JWT_KID"], server.env["PARLEY_JWT_SECRET"]
    data = json.loads((server.data_dir / "jwt-keys.json").read_text())
    return str(data["kid"]), str(data["secret"])


def forged_cases(server: ServerProcess, u: User) -> dict[str, str]:
    header, claims, sig = parts(u.access_token)
    kid, secret = server_key(server)
    now = int(time.time())

    def signed(extra: dict[str, Any], drop: tuple[str, ...] = (), **headers: Any) -> str:
        body = {k: v for k, v in {**claims, **extra}.items() if k not in drop}
        return jwt.encode(body, secret, algorithm="HS256", headers={"kid": kid, **headers})

    rsa_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    public_pem = rsa_key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return {
        "alg none": f"{b64({'alg': 'none', 'typ': 'JWT', 'kid': kid})}.{b64(claims)}.",
        "wrong key": jwt.encode(claims, "w" * 48, algorithm="HS256", headers={"kid": kid}),
        "RS256 signed": jwt.encode(claims, rsa_key, algorithm="RS256", headers={"kid": kid}),
        "HS256 keyed with a public key": hmac_signed(
            {"alg": "HS256", "typ": "JWT", "kid": kid}, claims, public_pem
        ),
        "alg switched, signature kept": f"{b64({**header, 'alg': 'HS512'})}.{b64(claims)}.{sig}",
        "kid path injection": signed({}, kid="../../../../etc/passwd"),
        "kid sql injection": signed({}, kid="' OR '1'='1"),
        "kid not a string": f"{b64({**header, 'kid': {'$ne': 1}})}.{b64(claims)}.{sig}",
        "missing iss": signed({}, drop=("iss",)),
        "wrong iss": signed({"iss": "someone-else"}),
        "missing aud": signed({}, drop=("aud",)),
        "wrong aud": signed({"aud": "other-app"}),
        "missing sid": signed({}, drop=("sid",)),
        "expired": signed({"exp": now - 5}),
        "future nbf": signed({"nbf": now + 600}),
        "string exp": signed({"exp": str(now + 600)}),
        "string iat": signed({"iat": str(now)}),
        "string nbf": signed({"nbf": str(now - 5)}),
        "boolean exp": signed({"exp": True}),
        "oversized": signed({"pad": "x" * 3000}),  # over our 2 KiB cap, under the header cap
        "tampered sub": f"{b64(header)}.{b64({**claims, 'sub': 'f' * 32})}.{sig}",
        "refresh token": u.refresh_token,
        "garbage": "not.a.token",
    }


@pytest.fixture
async def cases(api: Api, server: ServerProcess) -> dict[str, str]:
    return forged_cases(server, await api.user())


async def test_every_forged_token_is_refused_over_http(api: Api, cases: dict[str, str]) -> None:
    accepted = []
    for name, token in cases.items():
        r = await api.http.get("/me", headers={"Authorization": f"Bearer {token}"})
        if r.status_code != 401 or not r.headers["content-type"].startswith(
            "application/problem+json"
        ):
            accepted.append((name, r.status_code))
        elif r.json()["code"] not in {"token_invalid", "token_expired"}:
            accepted.append((name, r.json()["code"]))
    assert accepted == []


async def test_every_forged_token_is_refused_on_the_socket(
    server: ServerProcess, cases: dict[str, str]
) -> None:
    accepted = []
    for name, token in cases.items():
        try:
            sock = await Socket.connect(server.ws_url, token, timeout=10.0)
        except AssertionError as exc:
            if "4401" not in str(exc):
                accepted.append((name, str(exc)[:80]))
            continue
        accepted.append((name, "ready"))
        await sock.close()
    assert accepted == []


async def test_the_genuine_token_still_works(api: Api, server: ServerProcess) -> None:
    """The control case: the suite's refusals are not a broken server."""
    u = await api.user()
    _, claims, _ = parts(u.access_token)
    kid, secret = server_key(server)
    resigned = jwt.encode(claims, secret, algorithm="HS256", headers={"kid": kid})
    r = await api.http.get("/me", headers={"Authorization": f"Bearer {resigned}"})
    assert r.status_code == 200
    sock = await Socket.connect(server.ws_url, resigned)
    await sock.close()
