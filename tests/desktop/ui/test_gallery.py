"""Screenshots of every state the look touches, in both themes and both languages (switched
live), to tests/artifacts/gallery_<state>_<lang>_<theme>.png: a group chat with a long wrapped
message and the "New messages" line, the narrow single-pane layout, the new chat dialog, the leave
confirmation, message search, the offline banner, both settings pages, the shortcuts overlay and
the emoji picker. Each state also asserts what a person would read in Russian.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtWidgets import QApplication, QDialog, QLabel, QLineEdit, QMessageBox, QWidget

from desktop.ui import retranslate, theme
from desktop.ui.app import DesktopApp
from desktop.ui.delegates import MessageDelegate
from desktop.ui.emoji import EmojiButton
from desktop.ui.overlay import ShortcutsOverlay
from tests.desktop.conftest import unique
from tests.desktop.ui.helpers import create_group, find, sign_up, texts
from tests.support.server import ServerProcess

pytestmark = pytest.mark.desktop

ROOT = Path(__file__).resolve().parents[3]
LONG = (
    "Let us meet on Thursday to go through the release checklist together, and "
    "Когда будет готова сборка, напишите в этот чат — проверим её вместе до пятницы."
)


def shoot(qtbot: Any, widget: QWidget, artifacts: Path, name: str) -> None:
    for look in ("light", "dark"):
        theme.apply(look)
        qtbot.waitUntil(widget.isVisible, timeout=5_000)
        QApplication.processEvents()  # the new style's layout requests, before the grab
        assert widget.grab().save(str(artifacts / f"gallery_{name}_{look}.png")), name


def visible_dialog(w: QWidget) -> QDialog:
    return next(d for d in w.findChildren(QDialog) if d.isVisible())


def test_gallery_of_every_state(
    qtbot: Any,
    run: Callable[..., Any],
    make_app: Callable[[str], DesktopApp],
    desktop_server: ServerProcess,
    artifacts: Path,
    translations: None,
) -> None:
    url = desktop_server.url
    alice, bob = make_app(url), make_app(url)
    bob_name = unique("bob")
    sign_up(qtbot, alice, url, unique("ann"))
    sign_up(qtbot, bob, url, bob_name)
    group = create_group(qtbot, alice, "Release", bob_name)
    create_group(qtbot, alice, "Elsewhere")  # Alice looks away: Bob's messages stay unread
    qtbot.waitUntil(lambda: group in bob.messenger.chats, timeout=10_000)
    for text in ("Morning!", LONG, "Доброе утро 👋"):
        run(bob.messenger.outbox.send(group, text))
    w = alice.window
    qtbot.waitUntil(lambda: w.chat_model.rowCount() == 2, timeout=10_000)
    qtbot.waitUntil(lambda: alice.messenger.chats[group].unread == 3, timeout=10_000)
    assert w.select_chat(group)
    qtbot.waitUntil(lambda: len(texts(alice)) == 3, timeout=10_000)
    w.resize(980, 680)

    for lang in ("en", "ru"):
        retranslate.switch(lang)
        ru = lang == "ru"
        qtbot.waitUntil(lambda: w.new_chat.text() == ("Новый чат" if ru else "New chat"))  # noqa: B023
        delegate = w.pane.view.itemDelegate()
        assert isinstance(delegate, MessageDelegate)
        assert delegate.marker_text == ("Новые сообщения" if ru else "New messages")
        shoot(qtbot, w, artifacts, f"chat_{lang}")

        w.resize(520, 680)  # one pane at a time
        qtbot.waitUntil(lambda: not w.chat_list.isVisible(), timeout=5_000)
        shoot(qtbot, w, artifacts, f"narrow_chat_{lang}")
        status = find(w, QLabel, "Chat status")
        assert status.text() == ("2 участника, 2 в сети" if ru else "2 members, 2 online")
        assert status.heightForWidth(status.width()) <= status.height(), "wrapped, not cut"
        w.resize(980, 680)
        qtbot.waitUntil(w.chat_list.isVisible, timeout=5_000)

        dialog = w.open_new_chat()
        shoot(qtbot, dialog, artifacts, f"new_chat_{lang}")
        members = find(dialog, QLineEdit, "Members")
        hint = members.fontMetrics().horizontalAdvance(members.placeholderText())
        assert hint < members.contentsRect().width(), "the placeholder is shown whole"
        dialog.reject()

        w.confirm_leave(group)
        box = next(b for b in w.findChildren(QMessageBox) if b.isVisible())
        assert box.windowTitle() == ("Покинуть чат?" if ru else "Leave chat?")
        shoot(qtbot, box, artifacts, f"leave_{lang}")
        box.reject()

        w.search.open_search(group)
        search = visible_dialog(w)
        shoot(qtbot, search, artifacts, f"search_{lang}")
        search.reject()

        w.show_cached_offline()
        qtbot.waitUntil(w.offline.isVisible, timeout=5_000)
        assert w.offline.label.text().startswith("Нет связи" if ru else "Offline")
        shoot(qtbot, w, artifacts, f"offline_{lang}")
        w.show_recovered()
        w.offline.hide()

        settings = w.open_settings()
        assert settings is not None
        shoot(qtbot, settings, artifacts, f"settings_general_{lang}")
        assert settings.sessions is not None
        with qtbot.waitSignal(settings.sessions.loaded, timeout=10_000):
            settings.tabs.setCurrentWidget(settings.sessions)
        shoot(qtbot, settings, artifacts, f"settings_sessions_{lang}")
        settings.reject()

        overlay = w.findChild(ShortcutsOverlay)
        assert overlay is not None
        overlay.open_overlay()
        assert overlay.heading.text() == ("Сочетания клавиш" if ru else "Keyboard shortcuts")
        shoot(qtbot, w, artifacts, f"shortcuts_{lang}")
        overlay.close_overlay()

        button = w.pane.findChild(EmojiButton)
        assert button is not None
        picker = button.open_picker()
        shoot(qtbot, picker, artifacts, f"emoji_{lang}")
        picker.close()
