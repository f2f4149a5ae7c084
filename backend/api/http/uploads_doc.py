"""The OpenAPI description of the resumable upload endpoints (chunk bodies are not JSON)."""

from __future__ import annotations

from typing import Any

from backend.api.http.files_doc import _BINARY, FILE_SCHEMA, _errors
from backend.api.openapi import ROUTES, Param, RouteDoc

UPLOAD_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["id", "name", "size", "offset"],
    "properties": {
        "id": {"type": "string"},
        "name": {"type": "string"},
        "size": {"type": "integer", "minimum": 0, "description": "Announced at the start"},
        "offset": {"type": "integer", "minimum": 0, "description": "Bytes received so far"},
    },
}
_ID = Param("upload_id", "path", {"type": "string", "minLength": 1})
_WHOLE = {"type": "string", "pattern": "^[0-9]{1,18}$"}


def _json(description: str, key: str, schema: dict[str, Any]) -> dict[str, Any]:
    body = {"type": "object", "required": [key], "properties": {key: schema}}
    return {"description": description, "content": {"application/json": {"schema": body}}}


def _query(name: str, schema: dict[str, Any], required: bool = True) -> dict[str, Any]:
    return {"name": name, "in": "query", "required": required, "schema": schema}


def register() -> None:
    begin = {
        "parameters": [
            _query("chat_id", {"type": "string"}),
            _query("size", _WHOLE),
            _query("name", {"type": "string"}, required=False),
        ],
        "responses": {
            "201": _json("Started", "upload", UPLOAD_SCHEMA),
            **_errors(400, 401, 404, 413, 422, 429),
        },
    }
    status = {"responses": {"200": _json("Where it stands", "upload", UPLOAD_SCHEMA)}}
    status["responses"].update(_errors(401, 404))
    append = {
        "parameters": [_query("offset", _WHOLE)],
        "requestBody": {"required": True, "content": {"application/octet-stream": _BINARY}},
        "responses": {
            "200": _json("Appended", "upload", UPLOAD_SCHEMA),
            **_errors(400, 401, 404, 409, 413, 422),
        },
    }
    gone = {"responses": {"204": {"description": "Removed, with every chunk"}, **_errors(401, 404)}}
    done = {
        "responses": {
            "201": _json("Stored", "file", FILE_SCHEMA),
            **_errors(401, 404, 409, 413, 422),
        }
    }
    for method, path, summary, status_code, extra in (
        ("POST", "/files/uploads", "Start a resumable upload of `size` bytes", 201, begin),
        ("GET", "/files/uploads/{upload_id}", "Where a resumable upload stands", 200, status),
        ("PUT", "/files/uploads/{upload_id}", "Append a chunk at `offset`", 200, append),
        ("DELETE", "/files/uploads/{upload_id}", "Cancel: every chunk is removed", 204, gone),
        ("POST", "/files/uploads/{upload_id}/complete", "Finish: the file is stored", 201, done),
    ):
        params = () if path == "/files/uploads" else (_ID,)
        ROUTES.append(
            RouteDoc(method, path, summary, None, status_code, True, extra=extra, params=params)
        )
