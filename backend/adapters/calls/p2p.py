"""The built-in 1:1 call: ICE servers for our own WebRTC page, signalling over the socket.

TURN credentials follow coturn's REST-API scheme (`use-auth-secret`): the username is
`<expiry unix time>:<user id>` and the password is base64(HMAC-SHA1(secret, username)), so coturn
checks them without a database and they stop working on their own.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import time
from collections.abc import Callable, Sequence
from typing import Any

from backend.domain.calls import Call, CallKind


def turn_credentials(secret: str, user_id: str, ttl_s: int, now: float) -> tuple[str, str]:
    username = f"{int(now) + ttl_s}:{user_id}"
    digest = hmac.new(secret.encode(), username.encode(), hashlib.sha1).digest()
    return username, base64.b64encode(digest).decode()


class P2pProvider:
    kind = CallKind.P2P

    def __init__(
        self,
        stun_urls: Sequence[str],
        turn_urls: Sequence[str],
        turn_secret: str,
        turn_ttl_s: int,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._stun = list(stun_urls)
        self._turn = list(turn_urls)
        self._secret = turn_secret
        self._ttl_s = turn_ttl_s
        self._clock = clock

    def room_name(self) -> str:
        return secrets.token_hex(16)

    def join_info(self, call: Call, user: dict[str, Any], moderator: bool) -> dict[str, Any]:
        servers: list[dict[str, Any]] = []
        if self._stun:
            servers.append({"urls": list(self._stun)})
        if self._turn and self._secret:
            name, password = turn_credentials(
                self._secret, str(user["id"]), self._ttl_s, self._clock()
            )
            servers.append({"urls": list(self._turn), "username": name, "credential": password})
        return {"ice_servers": servers}
