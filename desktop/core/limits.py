"""The limits of the server signed in to, read once per sign-in (`GET /limits`).

The composer's length check, the outbox, the error words and the attachment tray all read
`current()`, so the app says the server's figures (a server started with a 12-character limit
is quoted as 12) and refuses an oversized file before a byte is sent. The server stays the
authority: whatever it still refuses shows its own answer. Until a server answers (or one too
old to publish them), the server's defaults stand.
"""

from __future__ import annotations

from dataclasses import dataclass

from desktop.core.wire import JSON


@dataclass(frozen=True, slots=True)
class Limits:
    max_text_chars: int = 4000
    max_upload_bytes: int = 100 * 1024 * 1024
    upload_quota_bytes: int | None = None  # per user; None: no quota

    @classmethod
    def from_json(cls, data: JSON) -> Limits:
        quota = data.get("upload_quota_bytes")
        return cls(
            int(data["max_text_chars"]),
            int(data["max_upload_bytes"]),
            int(quota) if quota else None,
        )


_current = Limits()


def current() -> Limits:
    return _current


def adopt(limits: Limits) -> None:
    global _current
    _current = limits


def human_size(n: int) -> str:
    """A byte count as people read it: 512 B, 1.0 KB, 2.5 MB."""
    size = float(n)
    for unit in ("B", "KB", "MB", "GB"):
        if size < 1024 or unit == "GB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{n} B"
