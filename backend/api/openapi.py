"""The OpenAPI document, built from the same route table and pydantic models the server uses."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from backend.api.schemas import Body


@dataclass(frozen=True, slots=True)
class RouteDoc:
    method: str
    path: str
    summary: str
    body: type[Body] | None
    status: int
    auth: bool
    extra: dict[str, Any] | None = None  # more of the operation (parameters, bodies, responses)


ROUTES: list[RouteDoc] = []


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
    problem = {
        "content": {
            "application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}
        }
    }
    for r in routes:
        op: dict[str, Any] = {
            "summary": r.summary,
            "responses": {
                str(r.status): {"description": "Success"},
                "default": {"description": "Problem", **problem},
            },
        }
        if r.auth:
            op["security"] = [{"bearer": []}]
        if r.body is not None:
            schemas[r.body.__name__] = r.body.model_json_schema(
                ref_template="#/components/schemas/{model}"
            )
            op["requestBody"] = {
                "required": True,
                "content": {
                    "application/json": {
                        "schema": {"$ref": f"#/components/schemas/{r.body.__name__}"}
                    }
                },
            }
        params = [p.strip("{}") for p in r.path.split("/") if p.startswith("{")]
        if params:
            op["parameters"] = [
                {"name": p, "in": "path", "required": True, "schema": {"type": "string"}}
                for p in params
            ]
        if r.extra:
            _merge(op, r.extra)
        paths.setdefault(r.path, {})[r.method.lower()] = op
    schemas["Problem"] = {
        "type": "object",
        "required": ["type", "title", "status", "code", "detail"],
        "properties": {
            "type": {"type": "string"},
            "title": {"type": "string"},
            "status": {"type": "integer"},
            "code": {"type": "string", "description": "Stable machine-readable error code"},
            "detail": {"type": "string"},
        },
    }
    return {
        "openapi": "3.1.0",
        "info": {"title": "Parley API", "version": "1"},
        "servers": [{"url": "/api/v1"}],
        "paths": paths,
        "components": {
            "schemas": schemas,
            "securitySchemes": {
                "bearer": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}
            },
        },
    }
