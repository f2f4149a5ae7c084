"""Jitsi rooms and the JWT that Prosody's token plugin (`mod_auth_token`) accepts.

Prosody checks tokens strictly and without clock leeway, and several mistakes make it refuse a
token or throw: an array `aud`, a null in `context.user`, a room with capitals or non-ASCII
letters (it lowercases room names), unknown `context.features`. The token is minted to avoid
each of them: see tests/backend/unit/test_jitsi_token.py for the rules restated.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable
from typing import Any

import jwt

from backend.domain.calls import Call, CallKind

NBF_BACKDATE_S = 30  # Prosody allows no leeway: a replica's clock a little ahead must not matter
# Jitsi's known feature flags; Prosody and Jicofo ignore or reject anything else.
FEATURES = {
    "screen-sharing": "true",
    "recording": "false",
    "livestreaming": "false",
    "transcription": "false",
    "outbound-call": "false",
    "sip-outbound-call": "false",
}


class JitsiProvider:
    kind = CallKind.JITSI

    def __init__(
        self,
        url: str,
        app_id: str,
        secret: str,
        *,
        audience: str,
        domain: str,
        ttl_s: int,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._url = url.rstrip("/")
        self._app_id = app_id
        self._secret = secret
        self._audience = audience
        self._domain = domain
        self._ttl_s = ttl_s
        self._clock = clock

    def room_name(self) -> str:
        """128 random bits, lowercase hex: unguessable, and Prosody's lowercasing is a no-op."""
        return f"parley-{secrets.token_hex(16)}"

    def join_info(self, call: Call, user: dict[str, Any], moderator: bool) -> dict[str, Any]:
        return {
            "jitsi": {"url": self._url, "room": call.room, "jwt": self.mint(call, user, moderator)}
        }

    def mint(self, call: Call, user: dict[str, Any], moderator: bool) -> str:
        now = int(self._clock())
        payload = {
            "iss": self._app_id,
            "aud": self._audience,  # one string: Prosody refuses an array
            "sub": self._domain,
            "room": call.room,
            "nbf": now - NBF_BACKDATE_S,
            "exp": now + self._ttl_s,
            "context": {"user": _user_context(user, moderator), "features": dict(FEATURES)},
        }
        return jwt.encode(payload, self._secret, algorithm="HS256", headers={"typ": "JWT"})


def _user_context(user: dict[str, Any], moderator: bool) -> dict[str, str]:
    """String values only: a null (say, no avatar) makes Prosody's Lua throw."""
    out = {
        "id": str(user["id"]),
        "name": str(user.get("display_name") or user.get("username") or "Parley user"),
        "moderator": "true" if moderator else "false",
        "affiliation": "owner" if moderator else "member",
    }
    for key in ("email", "avatar"):
        value = user.get(key)
        if isinstance(value, str) and value:
            out[key] = value
    return out
