"""The wire form of an `Event` on the bus: one compact JSON object `{key, type, body}`.

Both buses use it, so a body that is not JSON fails the same way in the embedded mode as on
RabbitMQ, and every receiver gets its own copy. Datetimes become RFC 3339 strings, enums their
value.
"""

from __future__ import annotations

import json
from datetime import datetime
from enum import Enum
from typing import Any

from backend.domain.events import Event


def _default(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, set | frozenset | tuple):
        return list(value)
    raise TypeError(f"not JSON serialisable on the bus: {type(value).__name__}")


def encode(event: Event) -> bytes:
    doc = {"key": event.key, "type": event.type, "body": event.body}
    return json.dumps(doc, separators=(",", ":"), ensure_ascii=False, default=_default).encode()


def decode(data: bytes) -> Event:
    doc = json.loads(data)
    if not isinstance(doc, dict) or not isinstance(doc.get("body"), dict):
        raise ValueError("malformed bus message")
    return Event(str(doc["key"]), str(doc["type"]), doc["body"])
