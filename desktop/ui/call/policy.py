"""Who may use the camera, microphone and screen, and where the call view may go.

No Qt WebEngine types here, so the rules are plain functions over URLs (and tested as such).
"""

from __future__ import annotations

from urllib.parse import urlsplit

CAPTURE = {
    "MediaAudioCapture",
    "MediaVideoCapture",
    "MediaAudioVideoCapture",
    "DesktopVideoCapture",
    "DesktopAudioVideoCapture",
}


def origin_of(url: str) -> str:
    """scheme://host[:port], lowercased; `file://` for local files (our packaged pages)."""
    parts = urlsplit(url)
    if parts.scheme == "file":
        return "file://"
    if not parts.scheme or not parts.hostname:
        return ""
    default = {"http": 80, "https": 443}.get(parts.scheme)
    port = f":{parts.port}" if parts.port and parts.port != default else ""
    return f"{parts.scheme}://{parts.hostname.lower()}{port}"


def may_capture(permission: str, origin: str, call_origin: str, page_url: str, own: str) -> bool:
    """Capture only for the call's origin, and only while the view shows our own page."""
    if permission not in CAPTURE or page_url != own:
        return False
    return bool(call_origin) and origin_of(origin) == call_origin


def may_navigate(url: str, main_frame: bool, own: str, call_origin: str) -> bool:
    """The main frame stays on our page; frames only load the call's origin (Jitsi's iframe)."""
    if main_frame:
        return url == own
    return url == "about:blank" or (bool(call_origin) and origin_of(url) == call_origin)
