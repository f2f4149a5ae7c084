"""The one place where failures become RFC 9457 problem+json responses with a stable `code`."""

from __future__ import annotations

import logging
import math
from typing import Any

from pydantic import ValidationError
from sanic import HTTPResponse, Request, Sanic
from sanic import exceptions as sx
from sanic.response import json as json_response

from backend.domain import errors as de

log = logging.getLogger(__name__)

STATUS: dict[type[de.DomainError], int] = {
    de.BadRequest: 400,
    de.Unauthorized: 401,
    de.Forbidden: 403,
    de.NotFound: 404,
    de.Conflict: 409,
    de.PayloadTooLarge: 413,
    de.InvalidInput: 422,
    de.RateLimited: 429,
    de.Unavailable: 503,
}

TITLES = {
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    405: "Method Not Allowed",
    409: "Conflict",
    413: "Content Too Large",
    422: "Unprocessable Content",
    429: "Too Many Requests",
    500: "Internal Server Error",
    503: "Service Unavailable",
}


def status_of(error: de.DomainError) -> int:
    for cls in type(error).__mro__:
        if cls in STATUS:
            return STATUS[cls]
    return 400


def problem(status: int, code: str, detail: str, **extra: Any) -> HTTPResponse:
    body = {
        "type": "about:blank",
        "title": TITLES.get(status, "Error"),
        "status": status,
        "code": code,
        "detail": detail,
        **extra,
    }
    headers = {}
    if "retry_after" in extra:
        headers["Retry-After"] = str(max(1, math.ceil(float(extra["retry_after"]))))  # at least
    return json_response(
        body, status=status, headers=headers, content_type="application/problem+json"
    )


def validation_problem(exc: ValidationError) -> HTTPResponse:
    errors = [
        {"field": ".".join(str(p) for p in e["loc"]), "message": e["msg"]} for e in exc.errors()
    ]
    return problem(422, "invalid_input", "The request has invalid fields.", errors=errors)


def domain_problem(exc: de.DomainError) -> HTTPResponse:
    extra = dict(exc.extra)
    if isinstance(exc, de.RateLimited):
        extra["retry_after"] = round(exc.retry_after, 3)
    return problem(status_of(exc), exc.code, exc.detail, **extra)


def install(app: Sanic[Any, Any]) -> None:
    @app.exception(de.DomainError)
    async def on_domain(_: Request, exc: de.DomainError) -> HTTPResponse:
        return domain_problem(exc)

    @app.exception(ValidationError)
    async def on_validation(_: Request, exc: ValidationError) -> HTTPResponse:
        return validation_problem(exc)

    @app.exception(sx.NotFound)
    async def on_route(_: Request, __: Exception) -> HTTPResponse:
        return problem(404, "route_not_found", "There is nothing at this address.")

    @app.exception(sx.MethodNotAllowed)
    async def on_method(_: Request, __: Exception) -> HTTPResponse:
        return problem(405, "method_not_allowed", "This address does not take that method.")

    @app.exception(sx.PayloadTooLarge)
    async def on_large(_: Request, __: Exception) -> HTTPResponse:
        return problem(413, "body_too_large", "The request body is too large.")

    @app.exception(sx.BadRequest)
    async def on_bad(_: Request, exc: Exception) -> HTTPResponse:
        return problem(400, "bad_request", str(exc) or "The request is malformed.")

    @app.exception(Exception)
    async def on_any(request: Request, exc: Exception) -> HTTPResponse:
        if isinstance(exc, sx.SanicException) and exc.status_code < 500:
            return problem(exc.status_code, "bad_request", str(exc))
        log.exception("unhandled error on %s %s", request.method, request.path)
        return problem(500, "internal", "Something went wrong on the server.")
