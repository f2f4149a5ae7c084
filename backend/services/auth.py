"""Accounts and sessions: registration, sign-in, refresh-token rotation, sign-out, password change.

Refresh tokens are opaque and stored only as SHA-256 hashes. Each refresh rotates the token; the
successor is derived with an HMAC from the old token, so a client that sends one refresh twice
within the grace window (two parallel requests, a retry after a lost response) gets the very same
successor instead of tripping reuse detection. Outside that window a reused token revokes its
family.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import uuid
from dataclasses import dataclass
from datetime import timedelta

from backend.domain.errors import Conflict, InvalidInput, RateLimited, Unauthorized
from backend.domain.models import Session, User
from backend.domain.ports import (
    Clock,
    PasswordHasher,
    RateLimiter,
    SessionRepo,
    TokenIssuer,
    UserRepo,
)


@dataclass(frozen=True, slots=True)
class Limits:
    login_per_account: int
    login_per_ip: int
    register_per_ip: int
    refresh_ttl_s: int
    refresh_grace_s: float


@dataclass(frozen=True, slots=True)
class TokenPair:
    access_token: str
    refresh_token: str
    expires_in: int
    user: User


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def new_id() -> str:
    return uuid.uuid4().hex


class AuthService:
    def __init__(
        self,
        users: UserRepo,
        sessions: SessionRepo,
        hasher: PasswordHasher,
        tokens: TokenIssuer,
        limiter: RateLimiter,
        clock: Clock,
        limits: Limits,
        rotation_key: bytes,
    ) -> None:
        self._users = users
        self._sessions = sessions
        self._hasher = hasher
        self._tokens = tokens
        self._limiter = limiter
        self._clock = clock
        self._limits = limits
        self._rotation_key = rotation_key

    async def _limit(self, key: str, limit: int, window_s: float = 60.0) -> None:
        wait = await self._limiter.hit(key, limit, window_s)
        if wait is not None:
            raise RateLimited("Too many attempts; try again later.", retry_after=wait)

    async def register(
        self, username: str, email: str, password: str, display_name: str, ip: str
    ) -> User:
        await self._limit(f"register:ip:{ip}", self._limits.register_per_ip)
        if await self._users.by_login(username) is not None:
            raise Conflict("That username is taken.", code="username_taken")
        user = User(
            id=new_id(),
            username=username,
            email=email,
            display_name=display_name or username,
            created_at=self._clock.now(),
            password_hash=await self._hasher.hash(password),
        )
        return await self._users.create(user)

    async def login(self, login: str, password: str, device_name: str, ip: str) -> TokenPair:
        await self._limit(f"login:ip:{ip}", self._limits.login_per_ip)
        await self._limit(f"login:account:{login.lower()}", self._limits.login_per_account)
        user = await self._users.by_login(login)
        if user is None:
            await self._hasher.verify_dummy(password)  # same cost: no user enumeration by timing
            raise Unauthorized("Wrong username or password.", code="invalid_credentials")
        if not await self._hasher.verify(user.password_hash, password):
            raise Unauthorized("Wrong username or password.", code="invalid_credentials")
        return await self._start_session(user, device_name, family_id=new_id())

    async def _start_session(self, user: User, device_name: str, family_id: str) -> TokenPair:
        token = secrets.token_urlsafe(32)
        await self._sessions.create(self._session(user.id, family_id, token, device_name))
        access, ttl = self._tokens.issue(user.id)
        return TokenPair(access, token, ttl, user)

    def _session(self, user_id: str, family_id: str, token: str, device: str) -> Session:
        now = self._clock.now()
        return Session(
            id=new_id(),
            family_id=family_id,
            user_id=user_id,
            token_hash=_hash(token),
            device_name=device,
            created_at=now,
            expires_at=now + timedelta(seconds=self._limits.refresh_ttl_s),
        )

    def _successor(self, token: str) -> str:
        digest = hmac.new(self._rotation_key, token.encode(), hashlib.sha256).digest()
        return digest.hex()

    async def refresh(self, refresh_token: str) -> TokenPair:
        now = self._clock.now()
        session = await self._sessions.by_hash(_hash(refresh_token))
        if session is None or session.revoked_at is not None or session.expires_at <= now:
            raise Unauthorized("The session has ended; sign in again.", code="refresh_invalid")
        successor_token = self._successor(refresh_token)
        if session.rotated_at is None:
            new = self._session(
                session.user_id, session.family_id, successor_token, session.device_name
            )
            if not await self._sessions.rotate(session, new, now):
                session = await self._sessions.by_id(session.id) or session
        if session.rotated_at is not None and not await self._within_grace(
            session, successor_token
        ):
            await self._sessions.revoke_family(session.family_id, now)
            raise Unauthorized(
                "This refresh token was already used; every session of its family is revoked.",
                code="refresh_reused",
            )
        user = await self._users.by_id(session.user_id)
        if user is None:
            raise Unauthorized("The session has ended; sign in again.", code="refresh_invalid")
        access, ttl = self._tokens.issue(user.id)
        return TokenPair(access, successor_token, ttl, user)

    async def _within_grace(self, session: Session, successor_token: str) -> bool:
        """A repeat of a just-rotated token gets the same successor while that one is unused."""
        assert session.rotated_at is not None
        age = (self._clock.now() - session.rotated_at).total_seconds()
        if age > self._limits.refresh_grace_s:
            return False
        successor = await self._sessions.by_hash(_hash(successor_token))
        return bool(successor and successor.rotated_at is None and successor.revoked_at is None)

    async def logout(self, refresh_token: str) -> None:
        session = await self._sessions.by_hash(_hash(refresh_token))
        if session is not None:
            await self._sessions.revoke_family(session.family_id, self._clock.now())

    async def change_password(
        self, user_id: str, current: str, new: str, refresh_token: str | None
    ) -> None:
        user = await self._users.by_id(user_id)
        if user is None or not await self._hasher.verify(user.password_hash, current):
            raise InvalidInput("The current password is wrong.", code="wrong_password")
        await self._users.update(user_id, password_hash=await self._hasher.hash(new))
        keep = None
        if refresh_token:
            session = await self._sessions.by_hash(_hash(refresh_token))
            keep = session.family_id if session and session.user_id == user_id else None
        await self._sessions.revoke_user(user_id, self._clock.now(), keep_family=keep)
