"""Sockets live no longer than their session and their token.

Each socket is tracked with its session id and its access token's expiry. The sweep every `sweep_s`
closes it with 4401 once that expiry has passed unless the client sent a fresh token on it
(`{"type":"auth","token":…}`, answered `{"type":"auth.ok","expires_at":…}`); no timer per socket,
since thousands of idle sockets each holding one add up. The same sweep asks the shared revocation
list about the sessions with sockets here (one call for all of them), and closes the sockets of
revoked ones with 4401: a sign-out on any replica reaches every replica's sockets within seconds,
with no bus message that could be lost.
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass
from typing import Any

from backend.api.ws.connection import CLOSE_AUTH, Connection, frame_json
from backend.domain.errors import DomainError, Unauthorized
from backend.domain.models import AccessClaims
from backend.services.audit import security_event
from backend.services.sessions import SessionService

log = logging.getLogger(__name__)


@dataclass(slots=True)
class _Tracked:
    conn: Connection
    session_id: str
    expires_at: float  # the access token's, in Unix seconds


class SessionGuard:
    def __init__(self, sessions: SessionService, sweep_s: float) -> None:
        self._sessions = sessions
        self._sweep_s = sweep_s
        self._tracked: dict[str, _Tracked] = {}  # by connection id
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._sweep_loop(), name="session-sweep")

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
        self._tracked.clear()

    def track(self, conn: Connection, claims: AccessClaims) -> None:
        self._tracked[conn.id] = _Tracked(conn, claims.session_id, claims.expires_at)

    def forget(self, conn: Connection) -> None:
        self._tracked.pop(conn.id, None)

    async def reauthenticate(self, conn: Connection, token: str) -> AccessClaims:
        """A fresh token of the same user extends the socket; raises `Unauthorized` otherwise."""
        claims = await self._sessions.authenticate(token)
        if claims.user_id != conn.user_id:
            raise Unauthorized("The token is another user's.", code="token_invalid")
        self.track(conn, claims)
        return claims

    def expire(self) -> None:
        """Close the sockets whose token has run out (before asking about revocations, which
        may fail)."""
        now = time.time()
        for tracked in [t for t in self._tracked.values() if t.expires_at <= now]:
            self.forget(tracked.conn)
            tracked.conn.abort(CLOSE_AUTH, "token expired: authenticate again")

    async def _sweep_loop(self) -> None:
        while True:
            await asyncio.sleep(self._sweep_s)
            self.expire()
            try:
                await self.sweep()
            except DomainError as exc:  # the list is unreachable: try again next time
                log.warning("revocation sweep failed: %s", exc.code)

    async def sweep(self) -> None:
        sessions = list({t.session_id for t in self._tracked.values()})
        if not sessions:
            return
        revoked = await self._sessions.revoked(sessions)
        if not revoked:
            return
        for tracked in [t for t in self._tracked.values() if t.session_id in revoked]:
            self.forget(tracked.conn)
            tracked.conn.abort(CLOSE_AUTH, "session signed out")
            security_event("socket_closed_revoked", user=tracked.conn.user_id)


async def reauthenticate(frame: dict[str, Any], conn: Connection, guard: SessionGuard) -> None:
    """The `auth` frame on an open socket: a fresh token keeps it open past the old expiry."""
    claims = await guard.reauthenticate(conn, str(frame.get("token", ""))[:4096])
    conn.push(frame_json({"type": "auth.ok", "expires_at": int(claims.expires_at)}))
