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
from typing import Any, get_origin, get_type_hints


class Secret(str):
    """A string whose repr hides its value."""

    def __repr__(self) -> str:
        return "Secret('***')" if self else "Secret('')"


class SettingsError(ValueError):
    """A missing or malformed setting; start-up stops with this message."""


_NAMED = {
    "ws_frames_per_s": "PARLEY_WS_FRAMES_PER_S",  # "per second", not a unit suffix
    "jitsi_domain": "PARLEY_JITSI_XMPP_DOMAIN",  # Jitsi's own name for it
}


def env_name(field_name: str) -> str:
    """The variable of a setting: `PARLEY_` + its name in capitals, without a `_s` unit."""
    return _NAMED.get(field_name) or "PARLEY_" + field_name.removesuffix("_s").upper()


def _parse(name: str, kind: Any, raw: str) -> Any:
    """A variable's text as the field's type; a malformed value names the variable."""
    if kind is int:
        try:
            return int(raw)
        except ValueError:
            raise SettingsError(f"{name} must be an integer, got {raw!r}") from None
    if kind is float:
        try:
            return float(raw)
        except ValueError:
            raise SettingsError(f"{name} must be a number, got {raw!r}") from None
    if kind is Path:
        return Path(raw)
    if kind is Secret:
        return Secret(raw)
    if get_origin(kind) is tuple:  # a comma-separated list
        return tuple(part.strip() for part in raw.split(",") if part.strip())
    return raw


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
    # Production write pipeline: allocate transactions at once, each over chats no other running
    # one holds, and batches stored at once (the embedded default keeps one of each: SQLite has
    # one writer).
    pipeline_lanes: int = 1
    pipeline_in_flight: int = 4
    # Publish calls awaiting their confirms at once (RabbitMQ only: its channel keeps call order).
    pipeline_publish_calls: int = 4
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
    s3_region: str = "us-east-1"
    s3_public_url: str = ""  # where clients reach S3 (presigned URLs); empty = s3_endpoint
    s3_presign_ttl_s: int = 300  # presigned GETs expire within minutes
    max_upload_bytes: int = 100 * 1024 * 1024
    upload_quota_bytes: int = 0  # per user; 0 = no quota
    uploads_per_user: int = 0  # uploads begun (POST /files, /files/uploads) a window; 0 = no cap
    uploads_window_s: float = 60.0
    max_image_pixels: int = 64_000_000  # larger images are refused before decoding
    unattached_ttl_s: int = 24 * 3600  # uploads never attached are removed after this
    jitsi_url: str = ""
    jitsi_app_id: str = ""
    jitsi_app_secret: Secret = Secret("")
    jitsi_audience: str = "jitsi"  # must be in Jitsi's JWT_ACCEPTED_AUDIENCES
    jitsi_domain: str = "meet.jitsi"  # the token's `sub`: Jitsi's XMPP domain (or tenant)
    jitsi_token_ttl_s: int = 900
    stun_urls: tuple[str, ...] = ()
    turn_urls: tuple[str, ...] = ()
    turn_secret: Secret = Secret("")  # coturn's static-auth-secret (REST API scheme)
    turn_ttl_s: int = 6 * 3600
    call_ring_timeout_s: float = 45.0

    jwt_secret: Secret = Secret("")  # empty = generated into data_dir (embedded mode)
    jwt_kid: str = ""
    jwt_previous: Secret = Secret("")  # "kid:secret,kid:secret": still accepted, never signed with
    jwt_issuer: str = "parley"
    jwt_audience: str = "parley-clients"
    access_ttl_s: int = 900
    refresh_ttl_s: int = 30 * 24 * 3600
    refresh_grace_s: float = 10.0
    refresh_absolute_s: int = (
        90 * 24 * 3600
    )  # a sign-in's refresh tokens end after this, rotated or not
    revocation_sweep_s: float = 1.0  # how often a replica checks its sockets' sessions

    max_text_chars: int = 4000
    max_page: int = 100
    max_body_bytes: int = 64 * 1024
    max_frame_bytes: int = 16 * 1024
    ws_auth_timeout_s: float = 5.0
    ws_outbox_frames: int = 1000
    ws_frames_per_s: float = 50.0
    ws_frames_burst: int = 200
    # One ping round over every signed-in socket; a socket silent for a whole round is dropped.
    ws_ping_interval_s: float = 20.0
    resume_max_events: int = 1000
    presence_heartbeat_s: float = 10.0
    # Chats above this many members get no live `presence` frames (their member list says who is
    # online): announcing every join to every member costs the square of the room.
    presence_room_limit: int = 100
    order_hold_ms: float = 200.0  # an early chat event waits this long before its hole is read
    order_max_held: int = 500  # early events held per chat per socket before a hole is a gap
    hash_concurrency: int = 0  # 0 = 2 × cores
    hash_queue: int = 64
    login_per_account: int = 10  # per minute
    login_per_ip: int = 60
    register_per_ip: int = 20
    login_per_pair: int = 10  # per account and address, a minute
    password_per_user: int = 10  # password changes a minute
    profile_per_user: int = 20  # PATCH /me a minute (each may probe whether an email is taken)
    ws_origins: tuple[
        str, ...
    ] = ()  # allowed socket Origin headers; none = only clients without one
    sends_per_user: int = 50  # per second
    searches_per_user: int = 20  # per second (the desktop debounces typing to about 5)
    proxies_count: int = 0  # trusted proxies in front (HAProxy: 1) for the client's address
    drain_grace_s: float = 1.0
    drain_timeout_s: float = 15.0
    request_deadline_s: float = 10.0  # a request's headers and body arrive whole within this
    connections_per_ip: int = 256  # open TCP connections per client address; 0 = no cap
    ws_per_user: int = 16  # open sockets per user; beyond, the oldest is closed (4429)
    ws_unauth_per_ip: int = 64  # sockets not yet signed in per address; beyond, the oldest goes

    extra: dict[str, Any] = field(default_factory=dict, compare=False)

    @property
    def production(self) -> bool:
        """Any production engine configured: replicas then share state and must share keys."""
        return bool(
            self.database_url.startswith("mysql://")
            or self.elasticsearch_url
            or self.amqp_url
            or self.redis_url
            or self.s3_endpoint
        )

    @property
    def sqlite_path(self) -> Path:
        return self.data_dir / "parley.sqlite3"

    @property
    def db_url(self) -> str:
        return self.database_url or f"sqlite://{self.sqlite_path}"

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, **overrides: Any) -> Settings:
        """Build from `PARLEY_*` variables; `overrides` (CLI flags) win over them.

        Each setting is declared once, as a field above: its variable is `PARLEY_` + the field
        name in capitals without a trailing `_s` (`access_ttl_s` is `PARLEY_ACCESS_TTL`), its
        default the field's, its parser the field's type."""
        e = os.environ if env is None else env
        hints = get_type_hints(cls)
        values: dict[str, Any] = {"replica_id": f"parley-{os.getpid()}"}
        for f in fields(cls):
            if f.name != "extra" and (raw := e.get(env_name(f.name))):
                values[f.name] = _parse(env_name(f.name), hints[f.name], raw)
        s = cls(**values)
        s = replace(s, log_level=s.log_level.upper())
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
        self._validate_calls()

    def _validate_calls(self) -> None:
        # Jitsi is on when its URL is set; an app id alone (say, from env.example) is no error.
        if self.jitsi_url and not (self.jitsi_app_id and self.jitsi_app_secret):
            raise SettingsError("PARLEY_JITSI_URL needs PARLEY_JITSI_APP_ID and _APP_SECRET")
        if self.jitsi_url and not self.jitsi_url.startswith(("https://", "http://")):
            raise SettingsError("PARLEY_JITSI_URL must be an http(s) URL")
        if self.jitsi_url and len(self.jitsi_app_secret.encode()) < 32:
            raise SettingsError("PARLEY_JITSI_APP_SECRET must be at least 32 bytes (HS256)")
        if self.turn_urls and not self.turn_secret:
            raise SettingsError("PARLEY_TURN_URLS needs PARLEY_TURN_SECRET")

    def check_serving(self) -> None:
        """What a replica needs beyond `validate` (one-shot commands like `migrate` do not)."""
        if self.production and not self.jwt_secret:
            raise SettingsError(
                "PARLEY_JWT_SECRET is required with production engines: every replica must sign "
                "and verify access tokens with the same key (and set PARLEY_JWT_KID)"
            )

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


def private_dir(path: Path) -> Path:
    """The data dir holds keys and the database: readable by its owner only (0700)."""
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    path.chmod(0o700)
    return path
