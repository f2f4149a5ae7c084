"""Call settings: Jitsi is on only with its URL, and then needs a real HS256 secret."""

from __future__ import annotations

import pytest

from backend.config import Settings, SettingsError

GOOD = {
    "PARLEY_JITSI_URL": "https://meet.example.org",
    "PARLEY_JITSI_APP_ID": "parley",
    "PARLEY_JITSI_APP_SECRET": "z" * 32,
}


def test_jitsi_settings_are_read() -> None:
    env = {**GOOD, "PARLEY_JITSI_AUDIENCE": "aud", "PARLEY_JITSI_XMPP_DOMAIN": "meet.example"}
    s = Settings.from_env(env)
    assert (s.jitsi_audience, s.jitsi_domain) == ("aud", "meet.example")
    assert "z" * 32 not in repr(s) and s.describe()["jitsi_app_secret"] == "***"


@pytest.mark.parametrize(
    "change",
    [
        {"PARLEY_JITSI_APP_SECRET": "z" * 31},  # HS256 wants at least 32 bytes
        {"PARLEY_JITSI_APP_SECRET": ""},
        {"PARLEY_JITSI_APP_ID": ""},
        {"PARLEY_JITSI_URL": "meet.example.org"},
    ],
)
def test_bad_jitsi_settings_stop_start_up(change: dict[str, str]) -> None:
    with pytest.raises(SettingsError):
        Settings.from_env({**GOOD, **change})


def test_an_app_id_without_url_leaves_jitsi_off() -> None:
    assert Settings.from_env({"PARLEY_JITSI_APP_ID": "parley"}).jitsi_url == ""


def test_turn_needs_its_secret_and_lists_split_on_commas() -> None:
    with pytest.raises(SettingsError):
        Settings.from_env({"PARLEY_TURN_URLS": "turn:t.example:3478"})
    s = Settings.from_env(
        {"PARLEY_STUN_URLS": "stun:a:3478, stun:b:3478", "PARLEY_TURN_SECRET": "x"}
    )
    assert s.stun_urls == ("stun:a:3478", "stun:b:3478")
    assert s.describe()["turn_secret"] == "***"
