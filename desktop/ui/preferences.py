"""The person's choices (theme, language, notifications, muted chats), kept with QSettings.

Stored as an INI file in the app's config dir rather than Qt's per-user default location, so that
`--config-dir` (and every test) gets its own settings and nothing leaks between profiles.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSettings


class Preferences:
    def __init__(self, config_dir: Path) -> None:
        config_dir.mkdir(parents=True, exist_ok=True)
        self._s = QSettings(str(config_dir / "settings.ini"), QSettings.Format.IniFormat)

    def _str(self, key: str, default: str) -> str:
        value = self._s.value(key, default)
        return str(value) if value is not None else default

    def _bool(self, key: str, default: bool) -> bool:
        value = self._s.value(key, default)
        return value in (True, "true", "1", 1) if not isinstance(value, bool) else value

    def _set(self, key: str, value: object) -> None:
        self._s.setValue(key, value)
        self._s.sync()

    @property
    def theme(self) -> str:
        return self._str("appearance/theme", "system")

    @theme.setter
    def theme(self, value: str) -> None:
        self._set("appearance/theme", value)

    @property
    def language(self) -> str:
        return self._str("appearance/language", "system")

    @language.setter
    def language(self, value: str) -> None:
        self._set("appearance/language", value)

    @property
    def notifications(self) -> bool:
        return self._bool("notifications/enabled", True)

    @notifications.setter
    def notifications(self, value: bool) -> None:
        self._set("notifications/enabled", value)

    @property
    def do_not_disturb(self) -> bool:
        return self._bool("notifications/do_not_disturb", False)

    @do_not_disturb.setter
    def do_not_disturb(self, value: bool) -> None:
        self._set("notifications/do_not_disturb", value)

    def muted(self) -> set[str]:
        raw = self._str("notifications/muted_chats", "")
        return {c for c in raw.split(",") if c}

    def set_muted(self, chat_id: str, muted: bool) -> None:
        chats = self.muted()
        (chats.add if muted else chats.discard)(chat_id)
        self._set("notifications/muted_chats", ",".join(sorted(chats)))

    @property
    def server(self) -> str:
        """The server address the sign-in page starts with ("" until one is chosen)."""
        return self._str("connection/server", "")

    @server.setter
    def server(self, value: str) -> None:
        self._set("connection/server", value)
