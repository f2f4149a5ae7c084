"""The OpenAPI description of the files endpoints (their bodies are not JSON models)."""

from __future__ import annotations

from typing import Any

from backend.api.openapi import ROUTES, Param, RouteDoc

FILE_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["id", "name", "size", "content_type", "sha256", "has_thumbnail"],
    "properties": {
        "id": {"type": "string"},
        "name": {"type": "string", "description": "As given (cleaned), for display only"},
        "size": {"type": "integer", "minimum": 0},
        "content_type": {"type": "string", "description": "Sniffed from the bytes"},
        "sha256": {"type": "string", "pattern": "^[0-9a-f]{64}$"},
        "width": {"type": ["integer", "null"]},
        "height": {"type": ["integer", "null"]},
        "has_thumbnail": {"type": "boolean"},
        "placeholder": {
            "type": ["string", "null"],
            "maxLength": 1024,
            "description": "A data: URI of a tiny webp preview, painted before the thumbnail",
        },
    },
}
_PROBLEM = {
    "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}
}
_BINARY = {"schema": {"type": "string", "format": "binary"}}
_FILE_ID = Param("file_id", "path", {"type": "string", "minLength": 1})


def _errors(*codes: int) -> dict[str, Any]:
    return {str(c): {"description": "Problem", **_PROBLEM} for c in codes}


def _download(what: str) -> dict[str, Any]:
    return {
        "responses": {
            # octet-stream, or the sniffed type of an allow-listed image (webp for thumbnails)
            "200": {"description": what, "content": {"*/*": _BINARY}},
            "206": {"description": "The requested range", "content": {"*/*": _BINARY}},
            "302": {"description": "A presigned URL that expires within minutes (S3)"},
            **_errors(401, 404, 416),
        },
    }


def register() -> None:
    ROUTES.append(
        RouteDoc(
            "POST",
            "/files",
            "Upload a file for a chat: the raw body, streamed; 413 over the size limit",
            None,
            201,
            True,
            extra={
                "parameters": [
                    {
                        "name": "chat_id",
                        "in": "query",
                        "required": True,
                        "schema": {"type": "string"},
                    },
                    {
                        "name": "name",
                        "in": "query",
                        "required": False,
                        "schema": {"type": "string"},
                    },
                ],
                "requestBody": {
                    "required": True,
                    "content": {"application/octet-stream": _BINARY},
                },
                "responses": {
                    "201": {
                        "description": "Stored",
                        "content": {
                            "application/json": {
                                "schema": {
                                    "type": "object",
                                    "required": ["file"],
                                    "properties": {"file": FILE_SCHEMA},
                                }
                            }
                        },
                    },
                    **_errors(400, 401, 404, 413, 422, 429),
                },
            },
        )
    )
    ROUTES.append(
        RouteDoc(
            "GET",
            "/files/{file_id}",
            "Download a file (members only)",
            None,
            200,
            True,
            extra=_download("The file"),
            params=(_FILE_ID,),
        )
    )
    ROUTES.append(
        RouteDoc(
            "GET",
            "/files/{file_id}/thumbnail",
            "A webp preview of an image (members only)",
            None,
            200,
            True,
            extra=_download("The thumbnail"),
            params=(_FILE_ID,),
        )
    )
