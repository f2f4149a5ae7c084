"""Where the app keeps who is signed in.

The refresh token goes to the OS keyring when one exists (Secret Service, macOS Keychain, Windows
Credential Locker); otherwise to a file only the user can read (mode 0600). The rest of the saved
session (server, user id, login name) is not secret and lives in a small JSON file beside it.
The access token is never written anywhere: it lives in memory and is refreshed on start.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import sys
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Protocol

log = logging.getLogger(__name__)

KEYRING_SERVICE = "parley"


@dataclass(frozen=True, slots=True)
class SavedSession:
    server_url: str
    user_id: str
    login: str


class SecretStore(Protocol):
    """Holds one secret per account name."""

    name: str

    def get(self, account: str) -> str | None: ...
    def set(self, account: str, secret: str) -> None: ...
    def delete(self, account: str) -> None: ...


class KeyringStore:
    """The OS keyring through the `keyring` package."""

    name = "keyring"

    def get(self, account: str) -> str | None:
        import keyring

        value = keyring.get_password(KEYRING_SERVICE, account)
        return str(value) if value is not None else None

    def set(self, account: str, secret: str) -> None:
        import keyring

        keyring.set_password(KEYRING_SERVICE, account, secret)

    def delete(self, account: str) -> None:
        import keyring
        import keyring.errors

        with contextlib.suppress(keyring.errors.PasswordDeleteError):
            keyring.delete_password(KEYRING_SERVICE, account)


class FileStore:
    """A JSON file readable only by its owner: the fallback where no keyring exists."""

    name = "file"

    def __init__(self, path: Path) -> None:
        self.path = path

    def _read(self) -> dict[str, str]:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        return {str(k): str(v) for k, v in data.items()} if isinstance(data, dict) else {}

    def _write(self, data: dict[str, str]) -> None:
        write_private(self.path, json.dumps(data))

    def get(self, account: str) -> str | None:
        return self._read().get(account)

    def set(self, account: str, secret: str) -> None:
        data = self._read()
        data[account] = secret
        self._write(data)

    def delete(self, account: str) -> None:
        data = self._read()
        if data.pop(account, None) is not None:
            self._write(data)


def write_private(path: Path, text: str) -> None:
    """Write a file that only its owner can read, atomically, never briefly world-readable."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.fchmod(fd, 0o600)
        os.write(fd, text.encode("utf-8"))
    finally:
        os.close(fd)
    os.replace(tmp, path)


def keyring_available() -> bool:
    """True when a real OS keyring backend is present (not the `fail` or a plaintext one)."""
    if sys.platform.startswith("linux") and not os.environ.get("DBUS_SESSION_BUS_ADDRESS"):
        return False  # no session bus, so no Secret Service: skip importing keyring's backends
    try:
        import keyring
        from keyring.backends import fail
    except ImportError:
        return False
    try:
        backend = keyring.get_keyring()
    except Exception:  # a broken keyring configuration means: no keyring
        log.warning("keyring backend could not be loaded; using a private file")
        return False
    priority = getattr(backend, "priority", 0)
    return (
        not isinstance(backend, fail.Keyring)
        and isinstance(priority, int | float)
        and (priority > 0)
    )


def default_config_dir() -> Path:
    """`$PARLEY_CONFIG_DIR`, else `$XDG_CONFIG_HOME/parley`, else `~/.config/parley`."""
    explicit = os.environ.get("PARLEY_CONFIG_DIR")
    if explicit:
        return Path(explicit)
    xdg = os.environ.get("XDG_CONFIG_HOME")
    base = Path(xdg) if xdg else Path.home() / ".config"
    return base / "parley"


class SessionStore:
    """Saves and restores the signed-in session; the only place that touches the token store."""

    def __init__(self, config_dir: Path, secrets: SecretStore | None = None) -> None:
        self.config_dir = config_dir
        if secrets is None:
            secrets = (
                KeyringStore()
                if keyring_available()
                else FileStore(config_dir / "credentials.json")
            )
        self.secrets = secrets
        self._session_path = config_dir / "session.json"

    @staticmethod
    def _account(session: SavedSession) -> str:
        return f"{session.server_url}|{session.user_id}"

    def load(self) -> tuple[SavedSession, str] | None:
        """The saved session and its refresh token, or None when nobody is signed in."""
        try:
            raw = json.loads(self._session_path.read_text(encoding="utf-8"))
            session = SavedSession(
                server_url=str(raw["server_url"]),
                user_id=str(raw["user_id"]),
                login=str(raw.get("login", "")),
            )
        except (OSError, ValueError, KeyError, TypeError):
            return None
        token = self.secrets.get(self._account(session))
        return (session, token) if token else None

    def last_server(self) -> str | None:
        """The server of the last session, to prefill the sign-in form after a sign-out."""
        try:
            raw = json.loads(self._session_path.read_text(encoding="utf-8"))
            return str(raw["server_url"])
        except (OSError, ValueError, KeyError, TypeError):
            return None

    def save(self, session: SavedSession, refresh_token: str) -> None:
        self.secrets.set(self._account(session), refresh_token)
        write_private(self._session_path, json.dumps(asdict(session)))

    def clear(self, session: SavedSession) -> None:
        """Forget the token; keep the server address so the form can prefill it."""
        self.secrets.delete(self._account(session))
        keep = {"server_url": session.server_url, "user_id": "", "login": session.login}
        write_private(self._session_path, json.dumps(keep))
