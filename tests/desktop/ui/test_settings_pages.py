"""Settings → Sessions lists my devices and signs the others out (the other app is sent to the
sign-in page); the server address is the sign-in page's and is kept; choosing a language
retranslates the open window at once, accessible names included.

Screenshots of the dialog's pages in both themes and both languages go to tests/artifacts/.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtWidgets import QComboBox, QDialog, QLineEdit, QPushButton, QWidget

from desktop.ui import theme
from desktop.ui.app import DesktopApp
from desktop.ui.settings_dialog import SettingsDialog
from tests.desktop.conftest import unique
from tests.desktop.ui.helpers import PASSWORD, click, find, sign_up, type_into

pytestmark = pytest.mark.desktop


def sign_in(qtbot: Any, app: DesktopApp, server: str, username: str) -> None:
    w = app.window
    type_into(qtbot, find(w, QLineEdit, "Server"), server)
    type_into(qtbot, find(w, QLineEdit, "Username"), username)
    type_into(qtbot, find(w, QLineEdit, "Password"), PASSWORD)
    click(qtbot, find(w, QPushButton, "Sign in"))
    qtbot.waitUntil(lambda: w.stack.currentWidget() is w.chats_page, timeout=20_000)


def open_settings(app: DesktopApp) -> SettingsDialog:
    dialog = app.window.open_settings()
    assert dialog is not None
    return dialog


def shots(qtbot: Any, dialog: QDialog, artifacts: Path, name: str) -> None:
    for look in ("light", "dark"):
        theme.apply(look)
        qtbot.waitUntil(dialog.isVisible, timeout=5_000)
        assert dialog.grab().save(str(artifacts / f"{name}_{look}.png"))


def test_sessions_page_signs_out_the_other_device(
    qtbot: Any,
    make_app: Callable[[str], DesktopApp],
    desktop_server: Any,
    artifacts: Path,
    translations: None,
) -> None:
    url = desktop_server.url
    laptop, phone = make_app(url), make_app(url)
    name = unique("ses")
    sign_up(qtbot, laptop, url, name)
    sign_in(qtbot, phone, url, name)
    dialog = open_settings(laptop)
    page = dialog.sessions
    assert page is not None
    with qtbot.waitSignal(page.loaded, timeout=10_000):
        dialog.tabs.setCurrentWidget(page)
    assert len(page.shown) >= 2
    assert page.shown[0].current, "this device is listed first"
    assert page.list.topLevelItem(0).text(0).endswith("(this device)")
    assert page.list.topLevelItem(0).text(1), "when it was last used"
    page.list.setCurrentItem(page.list.topLevelItem(0))
    assert not page.sign_out_one.isEnabled(), "this session signs out with Sign out, not here"
    shots(qtbot, dialog, artifacts, "settings_sessions_en")
    dialog.language.setCurrentIndex(dialog.language.findData("ru"))  # switched live
    qtbot.waitUntil(lambda: dialog.tabs.tabText(1) == "Сеансы", timeout=5_000)
    assert page.sign_out_one.text() == "Завершить сеанс", "the page's own wording, not the window's"
    page.reload()
    qtbot.waitUntil(lambda: page.list.topLevelItem(0).text(0).endswith("(это устройство)"))
    shots(qtbot, dialog, artifacts, "settings_sessions_ru")
    dialog.language.setCurrentIndex(dialog.language.findData("en"))
    qtbot.waitUntil(lambda: dialog.tabs.tabText(1) == "Sessions", timeout=5_000)
    with qtbot.waitSignal(page.loaded, timeout=10_000):
        click(qtbot, page.sign_out_others)
    assert [d.current for d in page.shown] == [True], "only this session is left"
    pw = phone.window
    qtbot.waitUntil(lambda: pw.stack.currentWidget() is pw.signin, timeout=30_000)
    assert laptop.window.stack.currentWidget() is laptop.window.chats_page


def test_server_address_is_the_sign_in_pages_and_is_kept(
    qtbot: Any,
    run: Callable[..., Any],
    make_app: Callable[[str], DesktopApp],
    desktop_server: Any,
) -> None:
    app = make_app(desktop_server.url)
    sign_up(qtbot, app, desktop_server.url, unique("srv"))
    assert app.preferences.server == desktop_server.url, "a successful sign-in remembers it"
    dialog = open_settings(app)
    field = find(app.window, QLineEdit, "Server address")
    assert field.text() == desktop_server.url
    type_into(qtbot, field, "chat.example.org:8443/")
    field.editingFinished.emit()
    assert app.window.signin.server.text() == "http://chat.example.org:8443"
    assert app.preferences.server == "http://chat.example.org:8443"
    dialog.reject()


def test_choosing_russian_retranslates_the_open_window(
    qtbot: Any,
    make_app: Callable[[str], DesktopApp],
    desktop_server: Any,
    artifacts: Path,
    translations: None,
) -> None:
    app = make_app(desktop_server.url)
    w = app.window
    sign_up(qtbot, app, desktop_server.url, unique("lng"))
    assert w.new_chat.text() == "New chat"
    dialog = open_settings(app)
    combo = find(w, QComboBox, "Language")
    combo.setCurrentIndex(combo.findData("ru"))
    qtbot.waitUntil(lambda: w.new_chat.text() == "Новый чат", timeout=5_000)
    assert w.filter.placeholderText() == "Поиск по чатам"
    assert w.sign_out_button.text() == "Выйти", "the window's wording, not the sessions page's"
    untranslated = [
        str(x.property("english_name"))
        for x in w.findChildren(QWidget)
        if x.property("english_name") and x.accessibleName() == x.property("english_name")
    ]
    assert set(untranslated) <= {"OK"}, f"accessible names left in English: {untranslated}"
    assert w.new_chat.accessibleName() == "Новый чат"
    assert w.chat_list.accessibleName() == "Чаты"
    assert dialog.windowTitle() == "Настройки"
    assert dialog.theme.itemText(0) == "Как в системе"
    assert find(w, QComboBox, "Language") is combo, "found by its English name in Russian too"
    shots(qtbot, dialog, artifacts, "settings_general_ru")
    combo.setCurrentIndex(combo.findData("en"))
    qtbot.waitUntil(lambda: w.new_chat.text() == "New chat", timeout=5_000)
    assert w.new_chat.accessibleName() == "New chat"
    assert dialog.theme.itemText(0) == "Follow the system"
    shots(qtbot, dialog, artifacts, "settings_general_en")
    dialog.reject()
