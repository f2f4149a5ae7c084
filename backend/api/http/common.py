"""What every handler shares: the container, the caller's identity, and route registration."""

from __future__ import annotations

import functools
import re
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from pydantic import BaseModel
from sanic import Blueprint, HTTPResponse, Request
from sanic.response import json as json_response

from backend.api.http.identity import claims
from backend.api.openapi import ROUTES, Param, RouteDoc
from backend.api.schemas import Body, M, parse
from backend.bootstrap import Container
from backend.domain.errors import InvalidInput, NotFound, RateLimited
from backend.domain.limits import ID_MAX_CHARS, SEQ_MAX

Handler = Callable[..., Awaitable[HTTPResponse]]
H = TypeVar("H", bound=Handler)


def container(request: Request) -> Container:
    c: Container = request.app.ctx.container
    return c


async def throttle(request: Request, key: str, limit: int, window_s: float, detail: str) -> None:
    """429 with Retry-After once `key` used up `limit` in `window_s` (0: no cap)."""
    if limit <= 0:
        return
    wait = await container(request).limiter.hit(key, limit, window_s)
    if wait is not None:
        raise RateLimited(detail, retry_after=wait)


async def throttle_uploads(request: Request, uid: str) -> None:
    """Uploads begun per user a window (`uploads_per_user`), simple and resumable alike."""
    s = request.app.ctx.settings
    detail = "Too many uploads; try again later."
    await throttle(request, f"upload:{uid}", s.uploads_per_user, s.uploads_window_s, detail)


def client_ip(request: Request) -> str:
    return str(request.remote_addr or request.ip or "unknown")


def user_id(request: Request) -> str:
    """The signed-in user of this request (checked by `identity.identify`); 401 otherwise."""
    uid = claims(request).user_id
    request.ctx.user_id = uid
    return uid


def int_arg(request: Request, name: str, default: int | None) -> int | None:
    """A whole-number query argument in 0..SEQ_MAX; anything else is 422 `bad_query`."""
    raw = request.args.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw) if len(raw) <= 20 else SEQ_MAX + 1
    except ValueError:
        raise InvalidInput(f"{name} must be a whole number.", code="bad_query") from None
    if not 0 <= value <= SEQ_MAX:
        raise InvalidInput(f"{name} must be between 0 and {SEQ_MAX}.", code="bad_query")
    return value


# What a path parameter names, for the 404 of an id or number that cannot exist.
NOT_FOUND_CODES = {
    "chat_id": "chat_not_found",
    "user_id": "user_not_found",
    "seq": "message_not_found",
}
# Path values that are not ids: their own rule bounds them (and answers 422).
NOT_IDS = frozenset({"emoji"})


def check_path(params: dict[str, Any]) -> None:
    """Path values no row can have (an id longer than the id columns, a seq beyond SEQ_MAX)
    are 404 before any store sees them, like any other id that names nothing."""
    for name, value in params.items():
        if name in NOT_IDS:
            continue
        too_long = isinstance(value, str) and len(value) > ID_MAX_CHARS
        out_of_range = isinstance(value, int) and not 0 <= value <= SEQ_MAX
        if too_long or out_of_range:
            code = NOT_FOUND_CODES.get(name, f"{name.removesuffix('_id')}_not_found")
            raise NotFound("There is no such resource.", code=code)


def body(request: Request, model: type[M]) -> M:
    return parse(model, request.body)


def ok(data: dict[str, Any], status: int = 200) -> HTTPResponse:
    return json_response(data, status=status)


def _path_params(path: str) -> list[Param]:
    """Path parameters with the bounds `check_path` enforces (beyond them: 404)."""
    out = []
    for name, kind in re.findall(r"<(\w+)(?::(\w+))?>", path):
        if kind == "int":
            out.append(Param(name, "path", {"type": "integer", "minimum": 0, "maximum": SEQ_MAX}))
        else:
            out.append(Param(name, "path", {"type": "string", "minLength": 1}))
    return out


def route(
    bp: Blueprint,
    method: str,
    path: str,
    summary: str,
    *,
    model: type[Body] | None = None,
    status: int = 200,
    auth: bool = True,
    response: type[BaseModel] | None = None,
    also: tuple[int, ...] = (),
    query: tuple[Param, ...] = (),
) -> Callable[[H], H]:
    """Register a handler on the blueprint and describe it in the OpenAPI document: `response`
    is the body of `status` (and of the `also` statuses), `query` its query parameters."""

    def wrap(handler: H) -> H:
        name = f"{method.lower()}_{handler.__name__}"

        @functools.wraps(handler)
        async def checked(request: Request, **params: Any) -> HTTPResponse:
            check_path(params)
            return await handler(request, **params)

        bp.add_route(checked, path, methods=[method], name=name)
        doc_path = re.sub(r"<(\w+)(:\w+)?>", r"{\1}", path)
        params = (*_path_params(path), *query)
        ROUTES.append(
            RouteDoc(method, doc_path, summary, model, status, auth, response, also, params)
        )
        return handler

    return wrap
