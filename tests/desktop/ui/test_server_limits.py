"""The app quotes the limits of the server it signed in to, not its own guesses: on a server
started with a 12-character text limit and a 1 KiB upload limit, a longer message is refused in
the composer naming 12, and a larger file is refused in the tray naming 1,024 B before a byte is
sent (the server keeps nothing and counts no upload request); a file at the limit is taken and
sent (screenshots tests/artifacts/server-limits-{text,file}-{en,ru}-{light,dark}.png). A server
restarted with a lower limit is quoted from the next socket `ready`, without signing in again; a
file larger than the whole storage quota is refused in the tray too (server-limits-quota-*).
Figures read in the interface language (1,025 bytes; 1 025 байт)."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QPlainTextEdit

from desktop.core import errors, limits
from desktop.ui import i18n
from desktop.ui.app import DesktopApp
from tests.backend.api.test_file_limits import kept_files
from tests.desktop.conftest import unique
from tests.desktop.ui.helpers import create_group, entries, find, send, shots, sign_up
from tests.desktop.ui.test_attachments import drop_files
from tests.support.server import ServerProcess

pytestmark = pytest.mark.desktop
KIB = 1024


@pytest.fixture(scope="module")
def low_limits(server_factory: Callable[..., ServerProcess]) -> ServerProcess:
    return server_factory(
        "embedded", {"PARLEY_MAX_TEXT_CHARS": "12", "PARLEY_MAX_UPLOAD_BYTES": str(KIB)}
    )


def uploads_answered(srv: ServerProcess) -> list[str]:
    """The server's request counters of its file and upload routes (any status)."""
    lines = httpx.get(f"{srv.url}/metrics").text.splitlines()
    return [x for x in lines if x.startswith("parley_http_requests_total") and "files" in x]


def test_the_composer_and_the_tray_quote_the_servers_limits(
    qtbot: Any,
    make_app: Callable[[str], DesktopApp],
    low_limits: ServerProcess,
    tmp_path: Path,
    artifacts: Path,
    spoken: str,
) -> None:
    language = spoken
    app = make_app(low_limits.url)
    sign_up(qtbot, app, low_limits.url, unique("lena"))
    chat_id = create_group(qtbot, app, "Limits")
    assert limits.current() == limits.Limits(12, KIB, None)
    members = app.messenger.conversation.member_ids
    qtbot.waitUntil(lambda: members(chat_id) is not None, timeout=10_000)  # the header's line
    banner, composer = app.window.error_banner, find(app.window, QPlainTextEdit, "Message")

    send(qtbot, app, "thirteen chars")
    too_long = errors.TOO_LONG_BY.replace("%1", "14").replace("%2", "12")
    qtbot.waitUntil(lambda: banner.text() == i18n.tr_error(too_long), timeout=5_000)
    assert ("12" in banner.text()) and "4,000" not in banner.text()
    assert composer.toPlainText() == "thirteen chars", "the words stay to be shortened"
    assert not [e for e in entries(app) if e.chat_id == chat_id]
    shots(app, artifacts / f"server-limits-text-{language}")

    before, answered = kept_files(low_limits), uploads_answered(low_limits)
    big, fits = tmp_path / "report.pdf", tmp_path / "note.txt"
    big.write_bytes(os.urandom(KIB + 1))
    fits.write_bytes(os.urandom(KIB))
    drop_files(composer.viewport(), [big, fits])
    tray = app.window.pane.attachments
    said = {
        "en": "report.pdf is 1,025 bytes: this server takes files of at most 1,024 bytes."
        " It was not attached.",
        "ru": "Файл report.pdf весит 1\xa0025 байт, а этот сервер принимает файлы не больше"
        " 1\xa0024 байта. Файл не прикреплён.",
    }[language]  # exactly what she reads, figures in her language
    qtbot.waitUntil(lambda: banner.text() == said, timeout=5_000)
    assert [t.path for t in tray.tiles] == [fits], "refused at once; the one that fits is taken"
    assert kept_files(low_limits) == before
    assert uploads_answered(low_limits) == answered, "nothing reached the server"
    shots(app, artifacts / f"server-limits-file-{language}")

    composer.clear()
    qtbot.keyClick(composer, Qt.Key.Key_Return)  # the file that fits goes up, and is counted
    qtbot.waitUntil(lambda: uploads_answered(low_limits) != answered, timeout=10_000)
    qtbot.waitUntil(
        lambda: [len(e.attachments) for e in entries(app) if e.chat_id == chat_id] == [1],
        timeout=10_000,
    )


def test_a_server_restarted_with_a_lower_limit_is_quoted_without_signing_in_again(
    qtbot: Any, make_app: Callable[[str], DesktopApp], server_factory: Callable[..., ServerProcess]
) -> None:
    srv = server_factory("embedded", {"PARLEY_MAX_TEXT_CHARS": "12"})
    app = make_app(srv.url)
    sign_up(qtbot, app, srv.url, unique("olga"))
    create_group(qtbot, app, "Restart")
    assert limits.current().max_text_chars == 12
    srv.terminate()
    srv.wait()
    srv.env["PARLEY_MAX_TEXT_CHARS"] = "8"
    srv.start()
    qtbot.waitUntil(lambda: limits.current().max_text_chars == 8, timeout=60_000)

    send(qtbot, app, "nine char")
    too_long = errors.TOO_LONG_BY.replace("%1", "9").replace("%2", "8")
    qtbot.waitUntil(lambda: app.window.error_banner.text() == too_long, timeout=5_000)


def test_a_file_larger_than_the_whole_quota_is_refused_in_the_tray(
    qtbot: Any,
    make_app: Callable[[str], DesktopApp],
    server_factory: Callable[..., ServerProcess],
    tmp_path: Path,
    artifacts: Path,
    language: str,
) -> None:
    srv = server_factory("embedded", {"PARLEY_UPLOAD_QUOTA_BYTES": str(3 * KIB)})
    app = make_app(srv.url)
    sign_up(qtbot, app, srv.url, unique("ivan"))
    chat_id = create_group(qtbot, app, "Quota")
    assert limits.current().upload_quota_bytes == 3 * KIB
    members = app.messenger.conversation.member_ids
    qtbot.waitUntil(lambda: members(chat_id) is not None, timeout=10_000)
    huge = tmp_path / "archive.zip"
    huge.write_bytes(os.urandom(5 * KIB))
    answered = uploads_answered(srv)
    drop_files(find(app.window, QPlainTextEdit, "Message").viewport(), [huge])
    sizes = {"en": ("5.0 kB", "3.0 kB"), "ru": ("5,0 кБ", "3,0 кБ")}[language]
    over = errors.OVER_QUOTA.replace("%1", "archive.zip").replace("%2", sizes[0])
    said = i18n.tr_error(over.replace("%3", sizes[1]))
    qtbot.waitUntil(lambda: app.window.error_banner.text() == said, timeout=5_000)
    assert app.window.pane.attachments.tiles == []
    assert uploads_answered(srv) == answered, "nothing reached the server"
    shots(app, artifacts / f"server-limits-quota-{language}")
