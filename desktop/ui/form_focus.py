"""After a failed sign-up, put the cursor in the field the failure is about.

A "username taken" error with the server address still focused and selected invites typing over
the address. The stable error code (or, for a 422, the field names the server listed) says which
field is at fault; an unreachable server points at the address.
"""

from __future__ import annotations

from collections.abc import Coroutine
from typing import Any

from PySide6.QtWidgets import QLineEdit

from desktop.core.errors import ApiError, ServerUnreachableError
from desktop.ui.signin import SignInPage

_BY_CODE = {"username_taken": "username", "email_taken": "email"}


def field_at_fault(page: SignInPage, exc: BaseException) -> QLineEdit | None:
    if isinstance(exc, ServerUnreachableError):
        return page.server
    if not isinstance(exc, ApiError):
        return None
    name = _BY_CODE.get(exc.code)
    if name is None and exc.fields:
        name = exc.fields[0]
    if name is None and exc.code == "conflict":
        name = "username"
    fields = {
        "username": page.username,
        "email": page.email,
        "password": page.password,
        "display_name": page.display_name,
    }
    return fields.get(name or "")


def first_empty(page: SignInPage, *fields: QLineEdit) -> QLineEdit | None:
    return next((f for f in fields if not f.text().strip()), None)


def focus(field: QLineEdit | None) -> None:
    if field is not None:
        field.setFocus()
        field.selectAll()


async def focusing_on_failure(page: SignInPage, coro: Coroutine[Any, Any, Any]) -> None:
    """Run a sign-up; on failure focus the field at fault, then let the error be shown."""
    try:
        await coro
    except Exception as exc:
        focus(field_at_fault(page, exc))
        raise
