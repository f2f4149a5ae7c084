"""Every token we mint passes Prosody's rules; and the rules themselves catch the known pitfalls."""

from __future__ import annotations

import base64
import json
import time
from datetime import UTC, datetime
from typing import Any

import jwt
import pytest

from backend.adapters.calls.jitsi import JitsiProvider
from backend.adapters.calls.p2p import P2pProvider, turn_credentials
from backend.domain.calls import Call, CallKind, CallState
from tests.support.prosody import Refused, check

SECRET = "s" * 40
APP, AUD, DOMAIN = "parley", "jitsi", "meet.jitsi"
NOW = 1_800_000_000.0


def provider(clock: float = NOW) -> JitsiProvider:
    return JitsiProvider(
        "https://meet.example.org/", APP, SECRET, audience=AUD, domain=DOMAIN, ttl_s=900,
        clock=lambda: clock,
    )  # fmt: skip


def call(p: JitsiProvider) -> Call:
    created = datetime.fromtimestamp(NOW, UTC)
    return Call("c1", "chat1", CallKind.JITSI, CallState.RINGING, p.room_name(), "u1", created)


def prosody(token: str, room: str, now: float = NOW) -> dict[str, Any]:
    return check(
        token, secret=SECRET, issuers={APP}, audiences={AUD}, domain=DOMAIN, room=room, now=now
    )


USERS = {
    "plain": {"id": "u1", "username": "alice", "display_name": "Alice"},
    "null avatar": {"id": "u1", "username": "alice", "display_name": "Alice", "avatar": None},
    "cyrillic name": {"id": "u1", "username": "ivan", "display_name": "Иван Петров"},
    "no display name": {"id": "u1", "username": "bob", "display_name": None, "email": None},
    "with email": {"id": "u1", "username": "e", "display_name": "E", "email": "e@example.org"},
}


@pytest.mark.parametrize("user", USERS.values(), ids=USERS.keys())
@pytest.mark.parametrize("moderator", [True, False])
# Prosody's clock up to 29 s behind ours (nbf back-dated 30 s), or ahead until just before exp.
@pytest.mark.parametrize("skew", [-29, 0, 5, 890])
def test_minted_token_passes_prosody(user: dict[str, Any], moderator: bool, skew: int) -> None:
    p = provider()
    c = call(p)
    info = p.join_info(c, user, moderator)["jitsi"]
    assert info["url"] == "https://meet.example.org" and info["room"] == c.room
    claims = prosody(info["jwt"], c.room, now=NOW + skew)
    assert claims["context"]["user"]["moderator"] == ("true" if moderator else "false")
    assert claims["context"]["user"]["id"] == "u1"
    assert "avatar" not in claims["context"]["user"]


def test_rooms_are_unguessable_lowercase_ascii() -> None:
    p = provider()
    rooms = {p.room_name() for _ in range(200)}
    assert len(rooms) == 200
    for room in rooms:
        assert room == room.lower() and room.isascii() and len(room) >= 32


def _forge(**changes: Any) -> tuple[str, str]:
    """A token minted the wrong way: our claims with one pitfall applied."""
    p = provider()
    c = call(p)
    claims = jwt.decode(p.mint(c, USERS["plain"], False), options={"verify_signature": False})
    room = changes.pop("_room", c.room)
    for key, value in changes.items():
        if key == "avatar":
            claims["context"]["user"]["avatar"] = value
        elif key == "features":
            claims["context"]["features"] = value
        else:
            claims[key] = value
    return jwt.encode(claims, SECRET, algorithm="HS256", headers={"typ": "JWT"}), room


PITFALLS = {
    "array aud": {"aud": [AUD]},
    "null avatar": {"avatar": None},
    "uppercase room": {"room": "Parley-Room", "_room": "Parley-Room"},
    "cyrillic room": {"room": "комната", "_room": "комната"},
    "float exp": {"exp": NOW + 900.5},
    "expired": {"exp": int(NOW) - 1},
    "nbf not back-dated, clock behind": {"nbf": int(NOW) + 1},
    "wrong sub": {"sub": "other.domain"},
    "unknown feature": {"features": {"teleport": "true"}},
}


@pytest.mark.parametrize("changes", PITFALLS.values(), ids=PITFALLS.keys())
def test_the_restated_rules_refuse_each_pitfall(changes: dict[str, Any]) -> None:
    token, room = _forge(**changes)
    with pytest.raises(Refused):
        prosody(token, room)


def test_restated_rules_refuse_a_clock_skewed_past_the_backdating() -> None:
    p = provider()
    c = call(p)
    token = p.mint(c, USERS["plain"], False)
    with pytest.raises(Refused):
        prosody(token, c.room, now=NOW - 31)
    with pytest.raises(Refused):
        prosody(token, c.room, now=NOW + 900)


def test_header_is_jwt_hs256_and_no_array_claims() -> None:
    p = provider()
    token = p.mint(call(p), USERS["plain"], True)
    header = json.loads(base64.urlsafe_b64decode(token.split(".")[0] + "=="))
    assert header == {"alg": "HS256", "typ": "JWT"}


def test_turn_credentials_follow_coturn_rest_scheme() -> None:
    now = time.time()
    name, password = turn_credentials("turnsecret", "u1", 3600, now)
    assert name == f"{int(now) + 3600}:u1"
    import hashlib
    import hmac

    expected = hmac.new(b"turnsecret", name.encode(), hashlib.sha1).digest()
    assert base64.b64decode(password) == expected
    p = P2pProvider(["stun:stun.example.org:3478"], ["turn:turn.example.org:3478"], "x", 60)
    servers = p.join_info(call(provider()), {"id": "u1"}, False)["ice_servers"]
    assert servers[0] == {"urls": ["stun:stun.example.org:3478"]}
    assert servers[1]["urls"] == ["turn:turn.example.org:3478"]
    assert servers[1]["username"].endswith(":u1")
