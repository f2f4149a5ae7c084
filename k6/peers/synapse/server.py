"""One Synapse homeserver on a free loopback port, in a temp folder removed when it stops.

SQLite, the client API only (no federation listener, no outbound federation), and every rate
limit lifted: like Parley's bench server (`targets.LOAD_LIMITS`), it must measure the server, not
its limiter. The registration shared secret is random per run and never written to the repo.
"""

from __future__ import annotations

import json
import secrets
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from parleybench.targets import free_port

SERVER_NAME = "bench.local"
UNLIMITED = {"per_second": 1_000_000, "burst_count": 1_000_000}
RATE_LIMITS = (
    "rc_message",
    "rc_registration",
    "rc_admin_redaction",
    "rc_joins_per_room",
    "rc_3pid_validation",
    "rc_third_party_invite",
    "rc_media_create",
    "rc_delayed_event_mgmt",
    "rc_reports",
    "rc_room_creation",
    "rc_profile",
    "rc_user_directory",
)
NESTED = {
    "rc_login": ("address", "account", "failed_attempts"),
    "rc_joins": ("local", "remote"),
    "rc_invites": ("per_room", "per_user", "per_issuer"),
    "rc_presence": ("per_user",),
}


@dataclass
class Homeserver:
    base_url: str
    shared_secret: str
    folder: Path
    proc: subprocess.Popen[bytes]
    log: Path
    procs: dict[str, int] = field(default_factory=dict)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        shutil.rmtree(self.folder, ignore_errors=True)

    def log_tail(self, lines: int = 40) -> str:
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""


def config(folder: Path, port: int, secret: str) -> dict[str, Any]:
    """homeserver.yaml as a dict (JSON is YAML, so no YAML writer is needed)."""
    cfg: dict[str, Any] = {
        "server_name": SERVER_NAME,
        "pid_file": str(folder / "homeserver.pid"),
        "listeners": [
            {
                "port": port,
                "bind_addresses": ["127.0.0.1"],
                "type": "http",
                "tls": False,
                "x_forwarded": False,
                "resources": [{"names": ["client"], "compress": False}],
            }
        ],
        "database": {"name": "sqlite3", "args": {"database": str(folder / "homeserver.db")}},
        "log_config": str(folder / "log.yaml"),
        "media_store_path": str(folder / "media"),
        "signing_key_path": str(folder / "signing.key"),
        "registration_shared_secret": secret,
        "macaroon_secret_key": secrets.token_hex(32),
        "form_secret": secrets.token_hex(32),
        "report_stats": False,
        "enable_metrics": False,
        "trusted_key_servers": [],
        "suppress_key_server_warning": True,
        "federation_domain_whitelist": [],
    }
    cfg.update({name: UNLIMITED for name in RATE_LIMITS})
    cfg.update({name: {k: UNLIMITED for k in keys} for name, keys in NESTED.items()})
    return cfg


def _log_config(path: Path, logfile: Path) -> None:
    path.write_text(
        json.dumps(
            {
                "version": 1,
                "formatters": {
                    "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}
                },
                "handlers": {
                    "file": {
                        "class": "logging.FileHandler",
                        "formatter": "plain",
                        "filename": str(logfile),
                    }
                },
                "root": {"level": "WARNING", "handlers": ["file"]},
                "disable_existing_loggers": False,
            }
        )
    )


def start(python: Path, ready_timeout: float = 180.0) -> Homeserver:
    folder = Path(tempfile.mkdtemp(prefix="parley-synapse-"))
    port, secret = free_port(), secrets.token_urlsafe(32)
    cfg_path = folder / "homeserver.yaml"
    cfg_path.write_text(json.dumps(config(folder, port, secret), indent=1))
    cfg_path.chmod(0o600)
    log = folder / "homeserver.log"
    _log_config(folder / "log.yaml", log)
    app = [str(python), "-m", "synapse.app.homeserver", "-c", str(cfg_path)]
    subprocess.run([*app, "--generate-keys"], check=True, capture_output=True, cwd=folder)
    out = (folder / "stdout.log").open("wb")
    proc = subprocess.Popen(app, cwd=folder, stdout=out, stderr=subprocess.STDOUT)
    hs = Homeserver(f"http://127.0.0.1:{port}", secret, folder, proc, log)
    hs.procs["synapse"] = proc.pid
    _wait_ready(hs, ready_timeout)
    return hs


def _wait_ready(hs: Homeserver, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if hs.proc.poll() is not None:
            tail = (hs.folder / "stdout.log").read_text(errors="replace")[-3000:]
            hs.stop()
            raise RuntimeError(f"synapse exited {hs.proc.returncode}:\n{tail}")
        try:
            if httpx.get(f"{hs.base_url}/health", timeout=2.0).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.25)  # polling a starting process for readiness, not synchronising a test
    hs.stop()
    raise RuntimeError(f"synapse not ready in {timeout:g} s")
