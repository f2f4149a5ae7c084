"""The wire form of an `Event` on the bus: one compact JSON object `{key, type, body}`.

On RabbitMQ one message may also carry a run of events of one routing key, in order:
`{key, events: [{type, body}, ...]}` (`encode_run`, read back by `decode_run`). Every message costs
the publisher and each receiving replica a fixed price (frames, a confirm, a delivery), so a busy
chat's events share one.

Both buses use it, so a body that is not JSON fails the same way in the embedded mode as on
RabbitMQ, and every receiver gets its own copy. Datetimes become RFC 3339 strings, enums their
value.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
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


def _dumps(doc: dict[str, Any]) -> bytes:
    return json.dumps(doc, separators=(",", ":"), ensure_ascii=False, default=_default).encode()


def encode(event: Event) -> bytes:
    return _dumps({"key": event.key, "type": event.type, "body": event.body})


def encode_run(events: Sequence[Event]) -> bytes:
    """Events of one key, in order; a run of one keeps the single-event form."""
    if len(events) == 1:
        return encode(events[0])
    key = events[0].key
    if any(e.key != key for e in events):
        raise ValueError("a run holds the events of one key")
    return _dumps({"key": key, "events": [{"type": e.type, "body": e.body} for e in events]})


def decode(data: bytes) -> Event:
    return _event(json.loads(data))


def _event(doc: Any) -> Event:
    if not isinstance(doc, dict) or not isinstance(doc.get("body"), dict):
        raise ValueError("malformed bus message")
    return Event(str(doc["key"]), str(doc["type"]), doc["body"])


def decode_run(data: bytes) -> list[Event]:
    """The events of one message, either form."""
    doc = json.loads(data)
    if not isinstance(doc, dict) or "events" not in doc:
        return [_event(doc)]
    runs = doc["events"]
    if not isinstance(runs, list) or not all(
        isinstance(e, dict) and isinstance(e.get("body"), dict) for e in runs
    ):
        raise ValueError("malformed bus message")
    key = str(doc["key"])
    return [Event(key, str(e["type"]), e["body"]) for e in runs]


def runs(events: Sequence[Event], limit: int) -> list[list[Event]]:
    """`events` cut into runs of one chat key (at most `limit` each), one message per run.

    Only the order of different chats' events changes, which no receiver depends on (each chat's
    order is its own). A user key's event is never moved past anything: it may change what a
    replica binds (`chat.created` joins the chat), so every run open before it leaves first.
    """
    out: list[list[Event]] = []
    open_runs: dict[str, list[Event]] = {}
    for event in events:
        if not event.key.startswith("chat."):
            open_runs.clear()
            out.append([event])
            continue
        run = open_runs.get(event.key)
        if run is None or len(run) >= limit:
            run = open_runs[event.key] = []
            out.append(run)
        run.append(event)
    return out
