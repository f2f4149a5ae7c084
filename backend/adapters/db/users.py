"""`UserRepo` and `SessionRepo` on Tortoise (SQLite or MySQL)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from tortoise.exceptions import IntegrityError
from tortoise.expressions import Q
from tortoise.transactions import in_transaction

from backend.adapters.db.errors import translated
from backend.adapters.db.models import SessionRow, UserRow
from backend.domain.errors import Conflict, NotFound
from backend.domain.models import Session, SessionInfo, User


def _user(row: UserRow) -> User:
    return User(
        id=row.id,
        username=row.username,
        email=row.email,
        display_name=row.display_name,
        created_at=row.created_at,
        password_hash=row.password_hash,
    )


def _session(row: SessionRow) -> Session:
    return Session(
        id=row.id,
        family_id=row.family_id,
        user_id=row.user_id,
        token_hash=row.token_hash,
        device_name=row.device_name,
        created_at=row.created_at,
        expires_at=row.expires_at,
        rotated_at=row.rotated_at,
        revoked_at=row.revoked_at,
        replaced_by=row.replaced_by,
    )


@translated
class SqlUserRepo:
    async def create(self, user: User) -> User:
        if await UserRow.filter(username_key=user.username.lower()).exists():
            raise Conflict("That username is taken.", code="username_taken")
        if await UserRow.filter(email_key=user.email.lower()).exists():
            raise Conflict("That email is already registered.", code="email_taken")
        try:
            await UserRow.create(
                id=user.id,
                username=user.username,
                username_key=user.username.lower(),
                email=user.email,
                email_key=user.email.lower(),
                display_name=user.display_name,
                password_hash=user.password_hash,
                created_at=user.created_at,
            )
        except IntegrityError:
            # Lost a race with a concurrent registration of the same name or email.
            raise Conflict("That username or email is taken.", code="username_taken") from None
        return user

    async def by_id(self, user_id: str) -> User | None:
        row = await UserRow.get_or_none(id=user_id)
        return _user(row) if row else None

    async def by_ids(self, user_ids: Iterable[str]) -> dict[str, User]:
        ids = list(set(user_ids))
        if not ids:
            return {}
        return {r.id: _user(r) for r in await UserRow.filter(id__in=ids)}

    async def by_login(self, login: str) -> User | None:
        key = login.lower()
        row = await UserRow.get_or_none(username_key=key)
        if row is None and "@" in key:
            row = await UserRow.get_or_none(email_key=key)
        return _user(row) if row else None

    async def search(self, prefix: str, limit: int) -> list[User]:
        """Usernames by prefix, and display names by the prefix of any of their words."""
        key = prefix.lower()
        match = Q(username_key__startswith=key)
        for form in _case_forms(prefix.strip()):
            match |= Q(display_name__startswith=form) | Q(display_name__contains=f" {form}")
        rows = await UserRow.filter(match).order_by("username_key").limit(limit)
        return [_user(r) for r in rows]

    async def update(
        self,
        user_id: str,
        *,
        display_name: str | None = None,
        email: str | None = None,
        password_hash: str | None = None,
    ) -> User:
        changes: dict[str, str] = {}
        if display_name is not None:
            changes["display_name"] = display_name
        if email is not None:
            changes["email"] = email
            changes["email_key"] = email.lower()
            clash = await UserRow.filter(email_key=email.lower()).exclude(id=user_id).exists()
            if clash:
                raise Conflict("That email is already registered.", code="email_taken")
        if password_hash is not None:
            changes["password_hash"] = password_hash
        if changes:
            try:
                await UserRow.filter(id=user_id).update(**changes)
            except IntegrityError:
                raise Conflict("That email is already registered.", code="email_taken") from None
        user = await self.by_id(user_id)
        if user is None:
            raise NotFound("No such user.", code="user_not_found")
        return user


@translated
class SqlSessionRepo:
    async def create(self, session: Session) -> None:
        await SessionRow.create(
            id=session.id,
            family_id=session.family_id,
            user_id=session.user_id,
            token_hash=session.token_hash,
            device_name=session.device_name,
            created_at=session.created_at,
            expires_at=session.expires_at,
        )

    async def by_hash(self, token_hash: str) -> Session | None:
        row = await SessionRow.get_or_none(token_hash=token_hash)
        return _session(row) if row else None

    async def by_id(self, session_id: str) -> Session | None:
        row = await SessionRow.get_or_none(id=session_id)
        return _session(row) if row else None

    async def rotate(self, old: Session, new: Session, now: datetime) -> bool:
        async with in_transaction() as conn:
            # The conditional update is the lock: of two concurrent rotations only one matches.
            updated = (
                await SessionRow.filter(id=old.id, rotated_at__isnull=True, revoked_at__isnull=True)
                .using_db(conn)
                .update(rotated_at=now, replaced_by=new.id)
            )
            if not updated:
                return False
            await SessionRow.create(
                using_db=conn,
                id=new.id,
                family_id=new.family_id,
                user_id=new.user_id,
                token_hash=new.token_hash,
                device_name=new.device_name,
                created_at=new.created_at,
                expires_at=new.expires_at,
            )
        return True

    async def revoke_family(self, family_id: str, now: datetime) -> None:
        await SessionRow.filter(family_id=family_id, revoked_at__isnull=True).update(revoked_at=now)

    async def revoke_user(self, user_id: str, now: datetime, keep_family: str | None) -> list[str]:
        query = SessionRow.filter(user_id=user_id, revoked_at__isnull=True)
        if keep_family is not None:
            query = query.exclude(family_id=keep_family)
        families = sorted(set(await query.values_list("family_id", flat=True)))
        await query.update(revoked_at=now)
        return [str(f) for f in families]

    async def live_families(self, user_id: str, now: datetime) -> list[SessionInfo]:
        rows = await SessionRow.filter(user_id=user_id, revoked_at__isnull=True).order_by(
            "created_at"
        )
        started: dict[str, datetime] = {}
        current: dict[str, SessionRow] = {}
        for row in rows:
            started.setdefault(row.family_id, row.created_at)
            if row.rotated_at is None and row.expires_at > now:
                current[row.family_id] = row
        infos = [
            SessionInfo(fid, row.device_name, started[fid], row.created_at)
            for fid, row in current.items()
        ]
        return sorted(infos, key=lambda i: i.last_used_at, reverse=True)

    async def family_started(self, family_id: str) -> datetime | None:
        row = await SessionRow.filter(family_id=family_id).order_by("created_at").first()
        return row.created_at if row else None


def _case_forms(prefix: str) -> list[str]:
    """How a typed prefix may be cased in a name ("шев" finds "Шевченко").

    SQLite folds case only for ASCII, so the few likely casings are asked for explicitly instead
    of a case-folded column (which would need a migration and a backfill).
    """
    if not prefix:
        return []
    return sorted({prefix, prefix.lower(), prefix.capitalize(), prefix.upper(), prefix.title()})
