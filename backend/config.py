"""The one Settings object.

Read once from `PARLEY_*` variables (plus the CLI's host, port and data dir) into a frozen object;
nothing else in the backend reads `os.environ`. Unset production URLs mean the embedded default.
Secrets are wrapped so that a logged or printed Settings never shows them.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any


class Secret(str):
    """A string whose repr hides its value."""

    def __repr__(self) -> str:
        return "Secret('***')" if self else "Secret('')"


class SettingsError(ValueError):
    """A missing or malformed setting; start-up stops with this message."""


def _int(env: Mapping[str, str], name: str, default: int) -> int:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise SettingsError(f"{name} must be an integer, got {raw!r}") from None


def _float(env: Mapping[str, str], name: str, default: float) -> float:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        return float(raw)
    except ValueError:
        raise SettingsError(f"{name} must be a number, got {raw!r}") from None


def _str(env: Mapping[str, str], name: str, default: str = "") -> str:
    return env.get(name, default) or default


@dataclass(frozen=True)
class Settings:
    host: str = "127.0.0.1"
    port: int = 8080
    data_dir: Path = Path(".data")
    replica_id: str = "parley-1"
    log_level: str = "INFO"

    database_url: Secret = Secret("")  # sqlite://… or mysql://…; empty = SQLite in data_dir
    db_pool_min: int = 1
    db_pool_max: int = 10
    elasticsearch_url: str = ""
    elasticsearch_prefix: str = "parley"
    amqp_url: Secret = Secret("")
    amqp_exchange: str = "parley.events"
    redis_url: Secret = Secret("")
    redis_prefix: str = "parley"
    s3_endpoint: str = ""
    s3_access_key: Secret = Secret("")
    s3_secret_key: Secret = Secret("")
    s3_bucket: str = "parley"
    jitsi_url: str = ""
    jitsi_app_id: str = ""
    jitsi_app_secret: Secret = Secret("")

    jwt_secret: Secret = Secret("")  # empty = generated into data_dir (embedded mode)
    jwt_kid: str = ""
    jwt_previous: Secret = Secret("")  # "kid:secret,kid:secret": still accepted, never signed with
    jwt_issuer: str = "parley"
    jwt_audience: str = "parley-clients"
    access_ttl_s: int = 900
    refresh_ttl_s: int = 30 * 24 * 3600
    refresh_grace_s: float = 10.0

    max_text_chars: int = 4000
    max_page: int = 100
    max_body_bytes: int = 64 * 1024
    max_frame_bytes: int = 16 * 1024
    ws_auth_timeout_s: float = 5.0
    ws_outbox_frames: int = 1000
    ws_frames_per_s: float = 50.0
    ws_frames_burst: int = 200
    resume_max_events: int = 1000
    presence_heartbeat_s: float = 10.0
    hash_concurrency: int = 0  # 0 = 2 × cores
    hash_queue: int = 64
    login_per_account: int = 10  # per minute
    login_per_ip: int = 60
    register_per_ip: int = 20
    sends_per_user: int = 50  # per second
    searches_per_user: int = 20  # per second (the desktop debounces typing to about 5)
    proxies_count: int = 0  # trusted proxies in front (HAProxy: 1) for the client's address
    drain_grace_s: float = 1.0
    drain_timeout_s: float = 15.0

    extra: dict[str, Any] = field(default_factory=dict, compare=False)

    @property
    def sqlite_path(self) -> Path:
        return self.data_dir / "parley.sqlite3"

    @property
    def db_url(self) -> str:
        return self.database_url or f"sqlite://{self.sqlite_path}"

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, **overrides: Any) -> Settings:
        """Build from `PARLEY_*` variables; `overrides` (CLI flags) win over them."""
        e = os.environ if env is None else env
        s = cls(
            host=_str(e, "PARLEY_HOST", "127.0.0.1"),
            port=_int(e, "PARLEY_PORT", 8080),
            data_dir=Path(_str(e, "PARLEY_DATA_DIR", ".data")),
            replica_id=_str(e, "PARLEY_REPLICA_ID", f"parley-{os.getpid()}"),
            log_level=_str(e, "PARLEY_LOG_LEVEL", "INFO").upper(),
            database_url=Secret(_str(e, "PARLEY_DATABASE_URL")),
            db_pool_min=_int(e, "PARLEY_DB_POOL_MIN", 1),
            db_pool_max=_int(e, "PARLEY_DB_POOL_MAX", 10),
            elasticsearch_url=_str(e, "PARLEY_ELASTICSEARCH_URL"),
            elasticsearch_prefix=_str(e, "PARLEY_ELASTICSEARCH_PREFIX", "parley"),
            amqp_url=Secret(_str(e, "PARLEY_AMQP_URL")),
            amqp_exchange=_str(e, "PARLEY_AMQP_EXCHANGE", "parley.events"),
            redis_url=Secret(_str(e, "PARLEY_REDIS_URL")),
            redis_prefix=_str(e, "PARLEY_REDIS_PREFIX", "parley"),
            s3_endpoint=_str(e, "PARLEY_S3_ENDPOINT"),
            s3_access_key=Secret(_str(e, "PARLEY_S3_ACCESS_KEY")),
            s3_secret_key=Secret(_str(e, "PARLEY_S3_SECRET_KEY")),
            s3_bucket=_str(e, "PARLEY_S3_BUCKET", "parley"),
            jitsi_url=_str(e, "PARLEY_JITSI_URL"),
            jitsi_app_id=_str(e, "PARLEY_JITSI_APP_ID"),
            jitsi_app_secret=Secret(_str(e, "PARLEY_JITSI_APP_SECRET")),
            jwt_secret=Secret(_str(e, "PARLEY_JWT_SECRET")),
            jwt_kid=_str(e, "PARLEY_JWT_KID"),
            jwt_previous=Secret(_str(e, "PARLEY_JWT_PREVIOUS")),
            jwt_issuer=_str(e, "PARLEY_JWT_ISSUER", "parley"),
            jwt_audience=_str(e, "PARLEY_JWT_AUDIENCE", "parley-clients"),
            access_ttl_s=_int(e, "PARLEY_ACCESS_TTL", 900),
            refresh_ttl_s=_int(e, "PARLEY_REFRESH_TTL", 30 * 24 * 3600),
            login_per_account=_int(e, "PARLEY_LOGIN_PER_ACCOUNT", 10),
            login_per_ip=_int(e, "PARLEY_LOGIN_PER_IP", 60),
            register_per_ip=_int(e, "PARLEY_REGISTER_PER_IP", 20),
            sends_per_user=_int(e, "PARLEY_SENDS_PER_USER", 50),
            searches_per_user=_int(e, "PARLEY_SEARCHES_PER_USER", 20),
            ws_frames_per_s=_float(e, "PARLEY_WS_FRAMES_PER_S", 50.0),
            drain_grace_s=_float(e, "PARLEY_DRAIN_GRACE", 1.0),
            proxies_count=_int(e, "PARLEY_PROXIES_COUNT", 0),
            drain_timeout_s=_float(e, "PARLEY_DRAIN_TIMEOUT", 15.0),
            presence_heartbeat_s=_float(e, "PARLEY_PRESENCE_HEARTBEAT", 10.0),
            hash_concurrency=_int(e, "PARLEY_HASH_CONCURRENCY", 0),
            hash_queue=_int(e, "PARLEY_HASH_QUEUE", 64),
            resume_max_events=_int(e, "PARLEY_RESUME_MAX_EVENTS", 1000),
            ws_outbox_frames=_int(e, "PARLEY_WS_OUTBOX_FRAMES", 1000),
            max_frame_bytes=_int(e, "PARLEY_MAX_FRAME_BYTES", 16 * 1024),
        )
        s = replace(s, **{k: v for k, v in overrides.items() if v is not None})
        s.validate()
        return s

    def validate(self) -> None:
        if self.database_url and not self.database_url.startswith(("sqlite://", "mysql://")):
            raise SettingsError("PARLEY_DATABASE_URL must start with sqlite:// or mysql://")
        if self.jwt_secret and len(self.jwt_secret) < 32:
            raise SettingsError("PARLEY_JWT_SECRET must be at least 32 characters")
        if self.jwt_secret and not self.jwt_kid:
            raise SettingsError("PARLEY_JWT_KID is required with PARLEY_JWT_SECRET")
        if bool(self.s3_endpoint) != bool(self.s3_access_key and self.s3_secret_key):
            raise SettingsError("PARLEY_S3_ENDPOINT needs PARLEY_S3_ACCESS_KEY and _SECRET_KEY")

    def describe(self) -> dict[str, str]:
        """For the start-up log: every field, secrets masked."""
        out: dict[str, str] = {}
        for f in fields(self):
            if f.name == "extra":
                continue
            value = getattr(self, f.name)
            if isinstance(value, Secret) and "://" in value:
                out[f.name] = _mask_url(value)
            elif isinstance(value, Secret):
                out[f.name] = "***" if value else ""
            else:
                out[f.name] = (
                    _mask_url(value) if isinstance(value, str) and "@" in value else str(value)
                )
        return out


def _mask_url(url: str) -> str:
    """Keep scheme, user and host (useful in logs); drop the password."""
    if "://" not in url or "@" not in url:
        return str(url)
    scheme, rest = url.split("://", 1)
    creds, host = rest.rsplit("@", 1)
    user = creds.split(":", 1)[0]
    return f"{scheme}://{user}:***@{host}"
