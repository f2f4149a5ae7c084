"""The OpenAPI document, built from the same route table and pydantic models the server uses."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel

from backend.api.schemas import Body


@dataclass(frozen=True, slots=True)
class RouteDoc:
    method: str
    path: str
    summary: str
    body: type[Body] | None
    status: int
    auth: bool
    query: tuple[dict[str, Any], ...] = ()  # query parameters, as OpenAPI parameter objects
    response: type[BaseModel] | None = None  # the success body's schema


ROUTES: list[RouteDoc] = []


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
        if r.query:
            op["parameters"] = [*op.get("parameters", []), *r.query]
        if r.response is not None:
            _describe_response(op, str(r.status), r.response, schemas)
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


def _describe_response(
    op: dict[str, Any], status: str, model: type[BaseModel], schemas: dict[str, Any]
) -> None:
    schema = model.model_json_schema(ref_template="#/components/schemas/{model}")
    schemas.update(schema.pop("$defs", {}))
    schemas[model.__name__] = schema
    op["responses"][status]["content"] = {
        "application/json": {"schema": {"$ref": f"#/components/schemas/{model.__name__}"}}
    }
