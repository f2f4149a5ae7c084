"""What every handler shares: the container, the caller's identity, and route registration."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from pydantic import BaseModel
from sanic import Blueprint, HTTPResponse, Request
from sanic.response import json as json_response

from backend.api.openapi import ROUTES, RouteDoc
from backend.api.schemas import Body, M, parse
from backend.bootstrap import Container
from backend.domain.errors import Unauthorized

Handler = Callable[..., Awaitable[HTTPResponse]]
H = TypeVar("H", bound=Handler)


def container(request: Request) -> Container:
    c: Container = request.app.ctx.container
    return c


def client_ip(request: Request) -> str:
    return str(request.remote_addr or request.ip or "unknown")


def user_id(request: Request) -> str:
    """The signed-in user of this request; 401 problem otherwise."""
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token:
        raise Unauthorized("Sign in first.", code="token_missing")
    uid = container(request).tokens.verify(token.strip())
    request.ctx.user_id = uid
    return uid


def body(request: Request, model: type[M]) -> M:
    return parse(model, request.body)


def ok(data: dict[str, Any], status: int = 200) -> HTTPResponse:
    return json_response(data, status=status)


def route(
    bp: Blueprint,
    method: str,
    path: str,
    summary: str,
    *,
    model: type[Body] | None = None,
    status: int = 200,
    auth: bool = True,
    query: tuple[dict[str, Any], ...] = (),
    response: type[BaseModel] | None = None,
) -> Callable[[H], H]:
    """Register a handler on the blueprint and describe it in the OpenAPI document."""

    def wrap(handler: H) -> H:
        name = f"{method.lower()}_{handler.__name__}"
        bp.add_route(handler, path, methods=[method], name=name)  # type: ignore[arg-type]
        doc_path = re.sub(r"<(\w+)(:\w+)?>", r"{\1}", path)
        ROUTES.append(RouteDoc(method, doc_path, summary, model, status, auth, query, response))
        return handler

    return wrap
