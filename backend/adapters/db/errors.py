"""Tortoise's exceptions become `DomainError`s here, so nothing above the adapters knows Tortoise.

Applied to every public coroutine of a repository class: REST and the socket then see a database
outage as `Unavailable` (503 / an `error` frame) and a value the columns cannot hold as
`InvalidInput`, never a bare driver exception that tears a socket down or answers 500.
"""

from __future__ import annotations

import functools
import inspect
import logging
import sqlite3
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from tortoise.exceptions import (
    BaseORMException,
    DBConnectionError,
    IntegrityError,
    OperationalError,
    TransactionManagementError,
    ValidationError,
)

from backend.domain.errors import Conflict, DomainError, InvalidInput, Unavailable

log = logging.getLogger(__name__)

T = TypeVar("T")

DATABASE_UNAVAILABLE = "database_unavailable"


def domain_error(exc: BaseException) -> DomainError:
    """The `DomainError` a client should see for a Tortoise or driver exception."""
    if isinstance(exc, ValidationError | OverflowError):  # OverflowError: sqlite3's int bound
        return InvalidInput("A value is outside what can be stored.", code="invalid_input")
    if isinstance(exc, IntegrityError):
        return Conflict("The change conflicted with another; try again.", code="conflict")
    log.warning("relational store failed: %s", type(exc).__name__)
    return Unavailable("The database is unavailable; try again.", code=DATABASE_UNAVAILABLE)


ENGINE_ERRORS: tuple[type[BaseException], ...] = (
    BaseORMException,
    DBConnectionError,
    OperationalError,
    TransactionManagementError,
    sqlite3.Error,
    OverflowError,
    OSError,  # the driver's socket to MySQL
)


def _wrap(method: Callable[..., Awaitable[Any]]) -> Callable[..., Awaitable[Any]]:
    @functools.wraps(method)
    async def call(*args: Any, **kwargs: Any) -> Any:
        try:
            return await method(*args, **kwargs)
        except DomainError:
            raise
        except ENGINE_ERRORS as exc:
            raise domain_error(exc) from exc

    return call


def translated(cls: type[T]) -> type[T]:
    """Class decorator: every public coroutine method raises only `DomainError`s."""
    for name, member in list(vars(cls).items()):
        if not name.startswith("_") and inspect.iscoroutinefunction(member):
            setattr(cls, name, _wrap(member))
    return cls
