"""Who is calling: the bearer token is checked once per request, before the handler runs.

The check is asynchronous (the revocation list may live in Redis), so it runs as request
middleware and leaves its outcome on `request.ctx`; handlers keep calling the synchronous
`user_id(request)`, which returns the user or raises the refusal the middleware recorded.
"""

from __future__ import annotations

from typing import Any

from sanic import Request, Sanic

from backend.domain.errors import DomainError, Unauthorized
from backend.domain.models import AccessClaims


async def identify(request: Request) -> None:
    request.ctx.claims = None
    request.ctx.auth_error = None
    try:
        header = request.headers.get("authorization", "")
    except UnicodeDecodeError:
        header = "?"
    if not header:
        request.ctx.auth_error = Unauthorized("Sign in first.", code="token_missing")
        return
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        request.ctx.auth_error = Unauthorized("Sign in first.", code="token_missing")
        return
    if not token.isascii():  # a JWT is ASCII; a stray byte in the header is no token at all
        request.ctx.auth_error = Unauthorized("The access token is invalid.", code="token_invalid")
        return
    try:
        request.ctx.claims = await request.app.ctx.container.sessions.authenticate(token.strip())
    except DomainError as exc:
        request.ctx.auth_error = exc


def claims(request: Request) -> AccessClaims:
    """The signed-in caller's verified claims; the recorded refusal otherwise."""
    found: AccessClaims | None = getattr(request.ctx, "claims", None)
    if found is None:
        error = getattr(request.ctx, "auth_error", None)
        raise error or Unauthorized("Sign in first.", code="token_missing")
    return found


def install(app: Sanic[Any, Any]) -> None:
    app.on_request(identify)
