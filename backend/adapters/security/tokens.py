"""Access tokens: HS256 JWTs with a pinned algorithm and a `kid` so keys rotate without sign-outs.

The current key signs; previous keys (by `kid`) still verify until their tokens expire. In embedded
mode the key is generated into the data dir on first start; production passes it in the environment.
"""

from __future__ import annotations

import json
import os
import secrets
import time
import uuid
from pathlib import Path

import jwt

from backend.config import Settings
from backend.domain.errors import Unauthorized
from backend.domain.models import AccessClaims

ALGORITHM = "HS256"
MAX_TOKEN_CHARS = 2048  # ours are about 300; anything far larger is not one of ours
REQUIRED = ["exp", "iat", "iss", "aud", "sub", "jti", "sid"]
NUMERIC = ("exp", "iat", "nbf")


def load_keys(settings: Settings) -> tuple[str, dict[str, str]]:
    """The signing kid and every verifying key by kid."""
    if settings.jwt_secret:
        keys = {settings.jwt_kid: str(settings.jwt_secret)}
        for item in filter(None, str(settings.jwt_previous).split(",")):
            kid, _, secret = item.partition(":")
            keys[kid.strip()] = secret.strip()
        return settings.jwt_kid, keys
    path = settings.data_dir / "jwt-keys.json"
    if not path.exists():
        _write_private(path, {"kid": uuid.uuid4().hex[:8], "secret": secrets.token_urlsafe(48)})
    data = json.loads(path.read_text())
    return str(data["kid"]), {str(data["kid"]): str(data["secret"])}


def _write_private(path: Path, data: dict[str, str]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as fh:
        json.dump(data, fh)


class JwtIssuer:
    def __init__(self, settings: Settings) -> None:
        self._kid, self._keys = load_keys(settings)
        self._issuer = settings.jwt_issuer
        self._audience = settings.jwt_audience
        self._ttl = settings.access_ttl_s

    def issue(self, user_id: str, session_id: str) -> tuple[str, int]:
        now = int(time.time())
        claims = {
            "sub": user_id,
            "sid": session_id,
            "iss": self._issuer,
            "aud": self._audience,
            "iat": now,
            "exp": now + self._ttl,
            "jti": uuid.uuid4().hex,
        }
        token = jwt.encode(
            claims, self._keys[self._kid], algorithm=ALGORITHM, headers={"kid": self._kid}
        )
        return token, self._ttl

    def verify(self, token: str) -> AccessClaims:
        if len(token) > MAX_TOKEN_CHARS:
            raise Unauthorized("The access token is not valid.", code="token_invalid")
        try:
            kid = jwt.get_unverified_header(token).get("kid")
            key = self._keys.get(kid) if isinstance(kid, str) else None
            if key is None:
                raise Unauthorized("The access token is not valid.", code="token_invalid")
            claims = jwt.decode(
                token,
                key,
                algorithms=[ALGORITHM],
                audience=self._audience,
                issuer=self._issuer,
                options={"require": REQUIRED},
            )
        except jwt.ExpiredSignatureError:
            raise Unauthorized("The access token has expired.", code="token_expired") from None
        except jwt.PyJWTError:
            raise Unauthorized("The access token is not valid.", code="token_invalid") from None
        return _claims(claims)


def _claims(claims: dict[str, object]) -> AccessClaims:
    """PyJWT coerces numeric strings in `exp`/`nbf`/`iat`; a token of ours never has them."""
    for name in NUMERIC:
        value = claims.get(name)
        if name in claims and (isinstance(value, bool) or not isinstance(value, int | float)):
            raise Unauthorized("The access token is not valid.", code="token_invalid")
    sub, sid, exp = claims["sub"], claims["sid"], claims["exp"]
    if not (isinstance(sub, str) and isinstance(sid, str) and isinstance(exp, int | float)):
        raise Unauthorized("The access token is not valid.", code="token_invalid")
    return AccessClaims(sub, sid, float(exp))
