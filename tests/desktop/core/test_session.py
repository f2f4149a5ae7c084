"""Tokens are kept in the OS keyring where one exists, else in a file only the user can read."""

from __future__ import annotations

import stat
from pathlib import Path

from desktop.core.session import FileStore, SavedSession, SessionStore, keyring_available


def test_file_store_is_private_and_round_trips(tmp_path: Path) -> None:
    store = SessionStore(tmp_path / "cfg", FileStore(tmp_path / "cfg" / "credentials.json"))
    assert store.load() is None
    saved = SavedSession("http://127.0.0.1:8080", "u1", "alice")
    store.save(saved, "refresh-secret")
    assert store.load() == (saved, "refresh-secret")
    for name in ("credentials.json", "session.json"):
        mode = stat.S_IMODE((tmp_path / "cfg" / name).stat().st_mode)
        assert mode == 0o600, f"{name} is {oct(mode)}"
    assert "refresh-secret" not in (tmp_path / "cfg" / "session.json").read_text()
    store.clear(saved)
    assert store.load() is None
    assert store.last_server() == "http://127.0.0.1:8080"


def test_without_a_keyring_the_private_file_is_chosen(tmp_path: Path) -> None:
    store = SessionStore(tmp_path)
    expected = "keyring" if keyring_available() else "file"
    assert store.secrets.name == expected
