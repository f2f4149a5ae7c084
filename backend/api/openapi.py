"""The OpenAPI document, built from the same route table and pydantic models the server uses.

Every operation lists its success responses with their schemas (and 204s without a body), and a
`default` problem+json response for every error status; the schemathesis run in the test suite
holds the server to it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel

from backend.api.schemas import Body
from backend.api.ws.contract import SOCKET_CONTRACT


@dataclass(frozen=True, slots=True)
class Param:
    """A path or query parameter: its JSON Schema and whether it must be present."""

    name: str
    where: str  # "path" or "query"
    schema: dict[str, Any]
    required: bool = True


@dataclass(frozen=True, slots=True)
class RouteDoc:
    method: str
    path: str
    summary: str
    body: type[Body] | None
    status: int
    auth: bool
    response: type[BaseModel] | None = None
    also: tuple[int, ...] = ()  # other success statuses with the same body (200 on a replay)
    params: tuple[Param, ...] = field(default_factory=tuple)
    extra: dict[str, Any] | None = None  # more of the operation (parameters, bodies, responses)


ROUTES: list[RouteDoc] = []

# Every request may carry its own id for tracing (echoed in the response, put in the logs); one
# outside this shape is replaced by a server-made id. Described on every operation because the
# server accepts it everywhere (and so the fuzzer varies it even where nothing else varies).
REQUEST_ID_PATTERN = r"^[A-Za-z0-9._:-]{1,64}$"
REQUEST_ID = {
    "name": "X-Request-ID",
    "in": "header",
    "required": False,
    "description": "The caller's id for this request, echoed back; otherwise the server makes one",
    "schema": {"type": "string", "pattern": REQUEST_ID_PATTERN},
}

PROBLEM = {
    "description": "Problem (RFC 9457) with a stable `code`",
    "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}},
}


def _schema(model: type[BaseModel], schemas: dict[str, Any], mode: str) -> dict[str, str]:
    """Register `model` (and the models it uses) under components; return a reference."""
    found = model.model_json_schema(ref_template="#/components/schemas/{model}", mode=mode)  # type: ignore[arg-type]
    for name, sub in found.pop("$defs", {}).items():
        schemas[name] = sub
    schemas[model.__name__] = found
    return {"$ref": f"#/components/schemas/{model.__name__}"}


def _responses(r: RouteDoc, schemas: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for status in (r.status, *r.also):
        if status == 204 or r.response is None:
            out[str(status)] = {"description": "Success, no body"}
        else:
            content = {
                "application/json": {"schema": _schema(r.response, schemas, "serialization")}
            }
            out[str(status)] = {"description": "Success", "content": content}
    out["default"] = PROBLEM
    return out


def _operation(r: RouteDoc, schemas: dict[str, Any]) -> dict[str, Any]:
    op: dict[str, Any] = {
        "summary": r.summary,
        "responses": _responses(r, schemas),
    }
    if r.auth:
        op["security"] = [{"bearer": []}]
    if r.body is not None:
        op["requestBody"] = {
            "required": True,
            "content": {"application/json": {"schema": _schema(r.body, schemas, "validation")}},
        }
    op["parameters"] = [
        *(
            {"name": p.name, "in": p.where, "required": p.required, "schema": p.schema}
            for p in r.params
        ),
        REQUEST_ID,
    ]
    if r.extra:
        _merge(op, r.extra)
    return op


def _merge(op: dict[str, Any], extra: dict[str, Any]) -> None:
    for key, value in extra.items():
        if isinstance(value, dict) and isinstance(op.get(key), dict):
            op[key].update(value)
        elif isinstance(value, list) and isinstance(op.get(key), list):
            op[key].extend(value)
        else:
            op[key] = value


def document(routes: list[RouteDoc]) -> dict[str, Any]:
    paths: dict[str, dict[str, Any]] = {}
    schemas: dict[str, Any] = {}
    for r in routes:
        paths.setdefault(r.path, {})[r.method.lower()] = _operation(r, schemas)
    schemas["Problem"] = {
        "type": "object",
        "required": ["type", "title", "status", "code", "detail"],
        "properties": {
            "type": {"type": "string"},
            "title": {"type": "string"},
            "status": {"type": "integer"},
            "code": {"type": "string", "description": "Stable machine-readable error code"},
            "detail": {"type": "string"},
            "limit": {
                "type": "integer",
                "description": "The figure a size refusal names: characters for text_too_long,"
                " bytes for file_too_large and chunk_too_large",
            },
        },
    }
    return {
        "openapi": "3.1.0",
        "info": {"title": "Parley API", "version": "1", "description": SOCKET_CONTRACT},
        "servers": [{"url": "/api/v1"}],
        "paths": paths,
        "components": {
            "schemas": schemas,
            "securitySchemes": {
                "bearer": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}
            },
        },
    }


def _describe_response(
    op: dict[str, Any], status: str, model: type[BaseModel], schemas: dict[str, Any]
) -> None:
    schema = model.model_json_schema(ref_template="#/components/schemas/{model}")
    schemas.update(schema.pop("$defs", {}))
    schemas[model.__name__] = schema
    ref = {"$ref": f"#/components/schemas/{model.__name__}"}
    op["responses"][status] = {
        "description": "Success",
        "content": {"application/json": {"schema": ref}},
    }
