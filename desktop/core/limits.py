"""The limits of the server signed in to, read once per sign-in (`GET /limits`).

The composer's length check, the outbox, the error words and the attachment tray all read
`current()`, so the app says the server's figures (a server started with a 12-character limit
is quoted as 12) and refuses an oversized file before a byte is sent. The server stays the
authority: whatever it still refuses shows its own answer. Until a server answers (or one too
old to publish them), the server's defaults stand.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

from desktop.core.wire import JSON


@dataclass(frozen=True, slots=True)
class Limits:
    max_text_chars: int = 4000
    max_upload_bytes: int = 100 * 1024 * 1024
    upload_quota_bytes: int | None = None  # per user; None: no quota
    upload_used_bytes: int = 0  # what this user's stored files take (a server from before: 0)

    @classmethod
    def from_json(cls, data: JSON) -> Limits:
        quota, used = data.get("upload_quota_bytes"), data.get("upload_used_bytes")
        return cls(
            int(data["max_text_chars"]),
            int(data["max_upload_bytes"]),
            int(quota) if quota else None,
            int(used) if isinstance(used, int) and not isinstance(used, bool) else 0,
        )


_current = Limits()


def current() -> Limits:
    return _current


def adopt(limits: Limits) -> None:
    global _current
    _current = limits


def used(upload_used_bytes: int) -> None:
    """What the server now says the user's files take (read again after an upload of theirs)."""
    adopt(replace(_current, upload_used_bytes=upload_used_bytes))


@dataclass(frozen=True, slots=True)
class Formats:
    """How figures read in the interface language. The UI hands its own in (desktop/ui/i18n.py,
    through the app's one QLocale) so core, which has no Qt, still writes «48,0 МБ» in Russian
    sentences; these English ones stand until then (and in tests of core alone)."""

    number: Callable[[int], str] = "{:,}".format  # 4,000
    byte_count: Callable[[int], str] = lambda n: f"{n:,} B"  # exact: 1,025 B
    scaled: Callable[[int], str] = lambda n: _scaled_english(n)  # 1.0 KB, 48.0 MB


_formats = [Formats()]


def use_formats(formats: Formats) -> None:
    _formats[0] = formats


def number(n: int) -> str:
    """A count (characters, files) the way the interface language groups digits."""
    return _formats[0].number(n)


def exact_size(n: int) -> str:
    """A byte count in bytes, unrounded: 1,025 B (1 025 байт)."""
    return _formats[0].byte_count(n)


def human_size(n: int) -> str:
    """A byte count as people read it: 512 B, 1.0 KB, 2.5 MB (in the interface language). The
    one formatter of sizes for the whole UI: tray and message tiles, progress, banners, errors."""
    return exact_size(n) if n < 1024 else _formats[0].scaled(n)


def room_left(now: Limits) -> int | None:
    """Bytes the user may still upload under the quota (None: no quota)."""
    if now.upload_quota_bytes is None:
        return None
    return max(0, now.upload_quota_bytes - now.upload_used_bytes)


def _scaled_english(n: int) -> str:
    size = float(n)
    for unit in ("B", "KB", "MB"):
        if size < 1024:
            return f"{size:.1f} {unit}"
        size /= 1024
    return f"{size:.1f} GB"
