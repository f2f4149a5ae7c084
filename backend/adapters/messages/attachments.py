"""The stored form of a message's attachments, shared by the SQL and Elasticsearch stores.

The JSON is the one both stores have always held (the keys the API also shows), so rows and
documents written before attachments were typed read back unchanged.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from backend.domain.models import Attachment


def records(attachments: Iterable[Attachment]) -> list[dict[str, Any]]:
    return [
        {
            "id": a.id,
            "name": a.name,
            "size": a.size,
            "content_type": a.content_type,
            "sha256": a.sha256,
            "width": a.width,
            "height": a.height,
            "has_thumbnail": a.has_thumbnail,
            "placeholder": a.placeholder,
        }
        for a in attachments
    ]


def parse(stored: Iterable[Mapping[str, Any]] | None) -> tuple[Attachment, ...]:
    return tuple(
        Attachment(
            id=str(r["id"]),
            name=str(r.get("name", "")),
            size=int(r.get("size", 0)),
            content_type=str(r.get("content_type", "application/octet-stream")),
            sha256=str(r.get("sha256", "")),
            width=r.get("width"),
            height=r.get("height"),
            has_thumbnail=bool(r.get("has_thumbnail", False)),
            placeholder=r.get("placeholder"),
        )
        for r in stored or ()
    )
