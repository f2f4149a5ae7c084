"""My signed-in sessions (devices), for the settings page: list them and sign one out.

Kept apart from `RestClient` so the settings page receives only this narrow service; it goes
through the client's authenticated `call` (one HTTP client per process, refresh on 401).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol
from urllib.parse import quote

from desktop.core.wire import JSON, parse_time


class _Caller(Protocol):
    async def call(self, method: str, path: str, *, params: JSON | None = None) -> object: ...


@dataclass(frozen=True, slots=True)
class Device:
    """One session as `GET /me/sessions` describes it; `current` is the one this app uses."""

    id: str
    device_name: str
    created_at: datetime
    last_used_at: datetime
    current: bool

    @classmethod
    def from_json(cls, data: JSON) -> Device:
        return cls(
            id=str(data["id"]),
            device_name=str(data.get("device_name") or ""),
            created_at=parse_time(data.get("created_at")),
            last_used_at=parse_time(data.get("last_used_at")),
            current=bool(data.get("current")),
        )


class Devices:
    """The sessions service the settings page is given (nothing else of the messenger)."""

    def __init__(self, rest: _Caller) -> None:
        self._rest = rest

    async def list(self) -> list[Device]:
        """Mine, this one first, then the most recently used."""
        data = await self._rest.call("GET", "/me/sessions")
        raw = data.get("sessions", []) if isinstance(data, dict) else []
        found = [Device.from_json(d) for d in raw if isinstance(d, dict)]
        return sorted(found, key=lambda d: (not d.current, -d.last_used_at.timestamp()))

    async def sign_out(self, session_id: str) -> None:
        await self._rest.call("DELETE", f"/me/sessions/{quote(session_id, safe='')}")

    async def sign_out_others(self) -> int:
        """Every session but this one; how many were signed out."""
        others = [d for d in await self.list() if not d.current]
        for device in others:
            await self.sign_out(device.id)
        return len(others)
