"""What Prosody's token plugin (jitsi-meet `mod_auth_token` + `luajwtjitsi`) checks, restated.

Written from Jitsi's documentation of token authentication (prosody-plugins/token/README,
"JWT token authentication Prosody plugin") and the handbook's JWT notes, not from our minting
code, so a minting mistake fails here the way a Jitsi deployment would refuse the token:

- header: `alg` HS256 signed with the app secret, `typ` JWT;
- `iss` one of the accepted issuers (the app id), `aud` a single string among the accepted
  audiences (an array is refused), `sub` the XMPP domain (or `*`);
- `room` the room name exactly as Prosody knows it: room JIDs are lowercased, so the claim must
  be lowercase; non-ASCII names are not supported by the room-name check; or `*`;
- integer `exp` in the future and `nbf` not after now, with no clock leeway at all;
- `context.user` values are strings (a JSON null becomes Lua's `cjson.null` and throws);
- `context.features` only holds Jitsi's known feature keys.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
from collections.abc import Collection
from typing import Any

KNOWN_FEATURES = {
    "livestreaming",
    "recording",
    "transcription",
    "outbound-call",
    "sip-outbound-call",
    "screen-sharing",
    "lobby",
    "moderation",
    "room",
    "flip",
    "list-visitors",
    "send-groupchat",
    "create-polls",
    "file-upload",
}
ROOM = re.compile(r"^[a-z0-9-]+$")


class Refused(Exception):
    """Prosody would refuse (or crash on) this token."""


def _b64(part: str) -> bytes:
    return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))


def check(
    token: str,
    *,
    secret: str,
    issuers: Collection[str],
    audiences: Collection[str],
    domain: str,
    room: str,
    now: float,
) -> dict[str, Any]:
    """The claims when Prosody lets this token into `room` at time `now`; raises `Refused`."""
    try:
        head_b64, body_b64, sig_b64 = token.split(".")
        header, claims = json.loads(_b64(head_b64)), json.loads(_b64(body_b64))
    except ValueError as exc:
        raise Refused(f"not a JWT: {exc}") from None
    if header.get("typ") != "JWT" or header.get("alg") != "HS256":
        raise Refused(f"header {header}")
    expected = hmac.new(secret.encode(), f"{head_b64}.{body_b64}".encode(), hashlib.sha256)
    if not hmac.compare_digest(expected.digest(), _b64(sig_b64)):
        raise Refused("bad signature")
    _check_claims(claims, issuers, audiences, domain, now)
    _check_room(claims.get("room"), room)
    _check_context(claims.get("context"))
    return dict(claims)


def _check_claims(
    claims: dict[str, Any],
    issuers: Collection[str],
    audiences: Collection[str],
    domain: str,
    now: float,
) -> None:
    if claims.get("iss") not in issuers:
        raise Refused(f"issuer {claims.get('iss')!r}")
    aud = claims.get("aud")
    if not isinstance(aud, str) or aud not in audiences:
        raise Refused(f"audience {aud!r}")
    if claims.get("sub") not in (domain, "*"):
        raise Refused(f"sub {claims.get('sub')!r}")
    exp, nbf = claims.get("exp"), claims.get("nbf")
    if not isinstance(exp, int) or isinstance(exp, bool) or now >= exp:
        raise Refused(f"exp {exp!r} at {now}")
    if nbf is not None and (not isinstance(nbf, int) or now < nbf):
        raise Refused(f"nbf {nbf!r} at {now}")


def _check_room(claim: Any, room: str) -> None:
    if claim == "*":
        return
    if not isinstance(claim, str) or not ROOM.match(claim):
        raise Refused(f"room claim {claim!r} is not a lowercase ASCII room name")
    if claim != room.lower():
        raise Refused(f"room {claim!r} is not {room.lower()!r}")


def _check_context(context: Any) -> None:
    if not isinstance(context, dict):
        raise Refused("no context")
    user = context.get("user")
    if not isinstance(user, dict) or not user.get("id"):
        raise Refused("no context.user")
    for key, value in user.items():
        if not isinstance(value, str):
            raise Refused(f"context.user.{key} is {value!r}, not a string")
    features = context.get("features", {})
    if not isinstance(features, dict) or set(features) - KNOWN_FEATURES:
        raise Refused(f"unknown features {features!r}")
    for key, value in features.items():
        if value not in ("true", "false", True, False):
            raise Refused(f"feature {key} is {value!r}")
