"""Signed-in sessions: access-token checks, the user's list of devices, and revocation.

A session is a refresh-token family; every access token carries its id (`sid`). Revoking a
session ends its refresh tokens in the relational store and puts its id on the revocation list
shared by replicas, kept for one access-token lifetime: REST refuses the session's access tokens
at once, and sockets of the session are closed by their replica's sweep within seconds.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from backend.domain.errors import NotFound, Unauthorized
from backend.domain.models import AccessClaims, SessionInfo
from backend.domain.ports import Clock, Revocations, SessionRepo, TokenIssuer
from backend.services.audit import security_event


@dataclass(frozen=True, slots=True)
class SessionView:
    info: SessionInfo
    current: bool


class SessionService:
    def __init__(
        self,
        sessions: SessionRepo,
        tokens: TokenIssuer,
        revocations: Revocations,
        clock: Clock,
        access_ttl_s: int,
    ) -> None:
        self._sessions = sessions
        self._tokens = tokens
        self._revocations = revocations
        self._clock = clock
        self._access_ttl_s = access_ttl_s

    def issue(self, user_id: str, session_id: str) -> tuple[str, int]:
        return self._tokens.issue(user_id, session_id)

    async def authenticate(self, token: str) -> AccessClaims:
        """The verified claims of a live session's access token; raises `Unauthorized`."""
        claims = self._tokens.verify(token)
        if await self._revocations.revoked([claims.session_id]):
            raise Unauthorized("This session was signed out.", code="session_revoked")
        return claims

    async def revoked(self, session_ids: Sequence[str]) -> set[str]:
        return await self._revocations.revoked(session_ids)

    async def revoke(self, user_id: str, session_ids: Sequence[str], reason: str) -> None:
        """Put the sessions on the shared list; their refresh tokens are already revoked."""
        if not session_ids:
            return
        # One second beyond the lifetime covers a token issued just before the revocation.
        await self._revocations.revoke(list(session_ids), self._access_ttl_s + 1)
        security_event(
            "session_revoked", user=user_id, reason=reason, sessions=",".join(session_ids)
        )

    async def list(self, user_id: str, current_session: str) -> list[SessionView]:
        infos = await self._sessions.live_families(user_id, self._clock.now())
        return [SessionView(i, i.id == current_session) for i in infos]

    async def end(self, user_id: str, session_id: str) -> None:
        """Sign one of the user's sessions out; another user's session is 404, like none."""
        live = {i.id for i in await self._sessions.live_families(user_id, self._clock.now())}
        if session_id not in live:
            raise NotFound("No such session.", code="session_not_found")
        await self._sessions.revoke_family(session_id, self._clock.now())
        await self.revoke(user_id, [session_id], "signed_out_by_owner")
