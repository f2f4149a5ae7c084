"""Settings: read once, validated at start, secrets never shown."""

from __future__ import annotations

from pathlib import Path

import pytest

from backend.config import Settings, SettingsError


def test_defaults_are_the_embedded_engines() -> None:
    s = Settings.from_env({})
    assert s.db_url.startswith("sqlite://") and not s.elasticsearch_url and not s.amqp_url


def test_cli_overrides_win_over_environment() -> None:
    s = Settings.from_env(
        {"PARLEY_PORT": "9000", "PARLEY_DATA_DIR": "/a"}, port=9100, data_dir=Path("/b")
    )
    assert (s.port, s.data_dir) == (9100, Path("/b"))


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"PARLEY_PORT": "eighty"}, "PARLEY_PORT must be an integer"),
        ({"PARLEY_DATABASE_URL": "postgres://x"}, "must start with sqlite:// or mysql://"),
        ({"PARLEY_JWT_SECRET": "short", "PARLEY_JWT_KID": "k"}, "at least 32 characters"),
        ({"PARLEY_JWT_SECRET": "s" * 40}, "PARLEY_JWT_KID is required"),
        ({"PARLEY_S3_ENDPOINT": "http://s3"}, "needs PARLEY_S3_ACCESS_KEY"),
    ],
)
def test_bad_settings_stop_start_up_with_a_clear_message(env: dict[str, str], message: str) -> None:
    with pytest.raises(SettingsError, match=message):
        Settings.from_env(env)


def test_secrets_are_masked() -> None:
    s = Settings.from_env(
        {
            "PARLEY_JWT_SECRET": "a" * 40,
            "PARLEY_JWT_KID": "k1",
            "PARLEY_AMQP_URL": "amqp://u:hunter2@h/",
            "PARLEY_DATABASE_URL": "mysql://u:hunter2@h/db",
        }
    )
    shown = repr(s) + str(s.describe())
    assert "hunter2" not in shown and "a" * 40 not in shown
    assert s.describe()["database_url"] == "mysql://u:***@h/db"


def test_every_setting_is_read_from_its_one_variable() -> None:
    s = Settings.from_env(
        {
            "PARLEY_ACCESS_TTL": "60",
            "PARLEY_WS_FRAMES_PER_S": "7.5",
            "PARLEY_DATA_DIR": "/d",
            "PARLEY_LOG_LEVEL": "debug",
            "PARLEY_CONNECTIONS_PER_IP": "3",
            "PARLEY_REDIS_URL": "redis://:pw@h",
        }
    )
    assert (s.access_ttl_s, s.ws_frames_per_s, s.data_dir, s.log_level) == (
        60,
        7.5,
        Path("/d"),
        "DEBUG",
    )
    assert s.connections_per_ip == 3 and repr(s.redis_url) == "Secret('***')"
    assert Settings.from_env({"PARLEY_ACCESS_TTL": ""}).access_ttl_s == 900  # empty = default
