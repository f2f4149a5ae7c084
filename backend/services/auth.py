"""Accounts and sessions: registration, sign-in, refresh-token rotation, sign-out, password change.

Refresh tokens are opaque and stored only as SHA-256 hashes. Each refresh rotates the token; the
successor is derived with an HMAC from the old token, so a client that sends one refresh twice
within the grace window (two parallel requests, a retry after a lost response) gets the very same
successor instead of tripping reuse detection. Outside that window a reused token revokes its
family.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from backend.domain import rules
from backend.domain.errors import Conflict, InvalidInput, RateLimited, Unauthorized
from backend.domain.models import Session, User
from backend.domain.ports import Clock, PasswordHasher, RateLimiter, SessionRepo, UserRepo
from backend.services.audit import security_event
from backend.services.passwords import check_password
from backend.services.sessions import SessionService


@dataclass(frozen=True, slots=True)
class Limits:
    login_per_account: int
    login_per_ip: int
    register_per_ip: int
    refresh_ttl_s: int
    refresh_grace_s: float
    login_per_pair: int = 10  # per account and address, a minute
    password_per_user: int = 10  # password changes (guesses of the current one), a minute
    account_delay_s: float = 2.0  # the slow-down once an account's counter is full
    refresh_absolute_s: int = 90 * 24 * 3600  # a family ends this long after its sign-in


@dataclass(frozen=True, slots=True)
class TokenPair:
    access_token: str
    refresh_token: str
    expires_in: int
    user: User


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _digest(value: str) -> str:
    """A stable key for a login name that neither rate-limit keys nor logs can be read back from."""
    return hashlib.sha256(b"login\x00" + value.encode()).hexdigest()[:32]


def new_id() -> str:
    return uuid.uuid4().hex


class AuthService:
    def __init__(
        self,
        users: UserRepo,
        sessions: SessionRepo,
        hasher: PasswordHasher,
        access: SessionService,
        limiter: RateLimiter,
        clock: Clock,
        limits: Limits,
        rotation_key: bytes,
    ) -> None:
        self._users = users
        self._sessions = sessions
        self._hasher = hasher
        self._access = access
        self._limiter = limiter
        self._clock = clock
        self._limits = limits
        self._rotation_key = rotation_key

    async def _limit(self, key: str, limit: int, window_s: float = 60.0) -> None:
        wait = await self._limiter.hit(key, limit, window_s)
        if wait is not None:
            security_event("throttled", key=key.rsplit(":", 1)[0], retry_after=round(wait, 1))
            raise RateLimited("Too many attempts; try again later.", retry_after=wait)

    async def _slow_down(self, key: str, limit: int) -> None:
        """The account's own counter delays rather than refuses: an attacker hammering from
        other addresses cannot lock the owner out, and still gets only a trickle of guesses."""
        wait = await self._limiter.hit(key, limit, 60.0)
        if wait is not None:
            security_event("login_slowed", key="login:account")
            await asyncio.sleep(min(wait, self._limits.account_delay_s))

    async def register(
        self, username: str, email: str, password: str, display_name: str, ip: str
    ) -> User:
        await self._limit(f"register:ip:{ip}", self._limits.register_per_ip)
        rules.check_name(display_name, "display name")
        check_password(password, username, email)
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
        rules.check_name(device_name, "device name")  # shown in the owner's sessions list
        account = _digest(login.lower())  # keys and logs hold no login name
        await self._limit(f"login:ip:{ip}", self._limits.login_per_ip)
        await self._limit(f"login:pair:{account}:{ip}", self._limits.login_per_pair)
        await self._slow_down(f"login:account:{account}", self._limits.login_per_account)
        user = await self._users.by_login(login)
        if user is None:
            await self._hasher.verify_dummy(password)  # same cost: no user enumeration by timing
            security_event("login_failed", account=account[:12], ip=ip)
            raise Unauthorized("Wrong username or password.", code="invalid_credentials")
        if not await self._hasher.verify(user.password_hash, password):
            security_event("login_failed", account=account[:12], ip=ip, user=user.id)
            raise Unauthorized("Wrong username or password.", code="invalid_credentials")
        return await self._start_session(user, device_name, family_id=new_id())

    async def _start_session(self, user: User, device_name: str, family_id: str) -> TokenPair:
        token = secrets.token_urlsafe(32)
        await self._sessions.create(self._session(user.id, family_id, token, device_name))
        access, ttl = self._access.issue(user.id, family_id)
        return TokenPair(access, token, ttl, user)

    def _session(
        self,
        user_id: str,
        family_id: str,
        token: str,
        device: str,
        ends_by: datetime | None = None,
    ) -> Session:
        now = self._clock.now()
        expires = now + timedelta(seconds=self._limits.refresh_ttl_s)
        ends_by = ends_by or now + timedelta(seconds=self._limits.refresh_absolute_s)
        return Session(
            id=new_id(),
            family_id=family_id,
            user_id=user_id,
            token_hash=_hash(token),
            device_name=device,
            created_at=now,
            expires_at=min(expires, ends_by),
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
            started = await self._sessions.family_started(session.family_id) or now
            ends_by = started + timedelta(seconds=self._limits.refresh_absolute_s)
            new = self._session(
                session.user_id, session.family_id, successor_token, session.device_name, ends_by
            )
            if not await self._sessions.rotate(session, new, now):
                session = await self._sessions.by_id(session.id) or session
        if session.rotated_at is not None and not await self._within_grace(
            session, successor_token
        ):
            security_event("refresh_reuse_detected", user=session.user_id)
            await self._sessions.revoke_family(session.family_id, now)
            await self._access.revoke(session.user_id, [session.family_id], "refresh_reused")
            raise Unauthorized(
                "This refresh token was already used; every session of its family is revoked.",
                code="refresh_reused",
            )
        user = await self._users.by_id(session.user_id)
        if user is None:
            raise Unauthorized("The session has ended; sign in again.", code="refresh_invalid")
        access, ttl = self._access.issue(user.id, session.family_id)
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
            await self._access.revoke(session.user_id, [session.family_id], "signed_out")

    async def change_password(
        self, user_id: str, session_id: str, current: str, new: str, refresh_token: str | None
    ) -> None:
        """Throttled like sign-in (a stolen access token must not become a guessing oracle);
        every other session ends, the calling one (by its token's `sid`) stays."""
        await self._limit(f"password:user:{user_id}", self._limits.password_per_user)
        user = await self._users.by_id(user_id)
        if user is None or not await self._hasher.verify(user.password_hash, current):
            security_event("password_change_failed", user=user_id)
            raise InvalidInput("The current password is wrong.", code="wrong_password")
        check_password(new, user.username, user.email)
        await self._users.update(user_id, password_hash=await self._hasher.hash(new))
        keep = session_id
        if refresh_token:
            session = await self._sessions.by_hash(_hash(refresh_token))
            keep = session.family_id if session and session.user_id == user_id else keep
        ended = await self._sessions.revoke_user(user_id, self._clock.now(), keep_family=keep)
        await self._access.revoke(user_id, [f for f in ended if f != keep], "password_changed")
