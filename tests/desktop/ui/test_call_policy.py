"""The call view's sandbox rules, as plain functions over URLs."""

from __future__ import annotations

import pytest

from desktop.ui.call.policy import may_capture, may_navigate, origin_of

OWN = "file:///opt/parley/assets/call/jitsi.html"
JITSI = "https://meet.example.org"


@pytest.mark.parametrize(
    ("permission", "origin", "page", "allowed"),
    [
        ("MediaAudioVideoCapture", "https://meet.example.org/", OWN, True),
        ("DesktopVideoCapture", "https://meet.example.org:443/", OWN, True),
        ("MediaVideoCapture", "https://evil.example/", OWN, False),
        ("MediaVideoCapture", "https://meet.example.org.evil.example/", OWN, False),
        ("MediaVideoCapture", "http://meet.example.org/", OWN, False),  # scheme is part of it
        ("MediaVideoCapture", "https://meet.example.org:8443/", OWN, False),
        ("MediaVideoCapture", "https://meet.example.org/", "https://evil.example/", False),
        ("Geolocation", "https://meet.example.org/", OWN, False),
        ("Notifications", "https://meet.example.org/", OWN, False),
        ("MediaVideoCapture", "file:///", OWN, False),  # the host page is not Jitsi
    ],
)
def test_capture_only_for_the_calls_origin(
    permission: str, origin: str, page: str, allowed: bool
) -> None:
    assert may_capture(permission, origin, origin_of(JITSI), page, OWN) is allowed


def test_own_page_is_the_origin_of_a_one_to_one_call() -> None:
    own = "file:///opt/parley/assets/call/p2p.html"
    assert may_capture("MediaAudioVideoCapture", "file:///", "file://", own, own)
    assert not may_capture("MediaAudioVideoCapture", "https://x.example/", "file://", own, own)


@pytest.mark.parametrize(
    ("url", "main", "allowed"),
    [
        (OWN, True, True),
        ("file:///etc/passwd", True, False),
        ("https://meet.example.org/room", True, False),  # the main frame stays on our page
        ("https://meet.example.org/room", False, True),  # Jitsi's iframe
        ("https://evil.example/", False, False),
        ("javascript:alert(1)", False, False),
        ("data:text/html,hi", False, False),
        ("about:blank", False, True),
    ],
)
def test_navigation_is_pinned(url: str, main: bool, allowed: bool) -> None:
    assert may_navigate(url, main, OWN, origin_of(JITSI)) is allowed
