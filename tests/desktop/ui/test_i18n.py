"""Two languages: with Russian chosen in the settings the sign-in page, the chat list and a chat
speak Russian, plurals follow Russian rules (1 / 2 / 5 / 21), dates and times are Russian; and
the .ts catalogue translates every string the code has (lupdate run afresh in a temp dir).

Screenshots of the sign-in page and a chat, in both languages and both themes, go to
tests/artifacts/i18n_*.png.
"""

from __future__ import annotations

import re
import subprocess
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QLineEdit, QPlainTextEdit, QPushButton

from desktop.core.errors import ApiError, MessageTooLongError, describe
from desktop.ui import i18n, theme
from desktop.ui.app import DesktopApp
from desktop.ui.delegates import MessageDelegate
from desktop.ui.models import CHAT_ID_ROLE
from desktop.ui.preferences import Preferences
from desktop.ui.settings_dialog import SettingsDialog
from tests.desktop.conftest import unique
from tests.desktop.ui.helpers import (
    click,
    create_group,
    entries,
    find,
    group_of_two,
    screenshot,
    send,
    sign_up,
    texts,
    type_into,
    unread,
)
from tests.support.server import ServerProcess

pytestmark = pytest.mark.desktop

ROOT = Path(__file__).resolve().parents[3]
SCRIPT = ROOT / "deploy" / "local" / "i18n.sh"

EXPECTED: dict[str, dict[str, Any]] = {
    "ru": {
        "sign_in": "Войти",
        "create": "Создать учётную запись",
        "send": "Отправить",
        "sent": "отправлено",
        "months": (
            "января",
            "февраля",
            "марта",
            "апреля",
            "мая",
            "июня",
            "июля",
            "августа",
            "сентября",
            "октября",
            "ноября",
            "декабря",
        ),
    },
    "en": {
        "sign_in": "Sign in",
        "create": "Create account",
        "send": "Send",
        "sent": "sent",
        "months": (
            "January",
            "February",
            "March",
            "April",
            "May",
            "June",
            "July",
            "August",
            "September",
            "October",
            "November",
            "December",
        ),
    },
}


@pytest.fixture(scope="module")
def compiled(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The .qm files built from the committed .ts by the same step the build runs."""
    out = tmp_path_factory.mktemp("qm")
    subprocess.run(["bash", str(SCRIPT), str(out)], check=True, cwd=ROOT)
    return out


@pytest.fixture
def language(compiled: Path, tmp_path: Path) -> Iterator[Callable[[str], None]]:
    """Choose a language in the saved settings of the apps `make_app` builds next."""
    original = i18n.QM_DIR[0]
    i18n.QM_DIR[0] = compiled

    def choose(lang: str) -> None:
        for n in range(3):
            Preferences(tmp_path / f"client{n}").language = lang

    yield choose
    i18n.reset()
    i18n.QM_DIR[0] = original
    theme.apply("light")


def _unread_text(app: DesktopApp, chat_id: str) -> str:
    proxy = app.window.chat_proxy
    for r in range(proxy.rowCount()):
        index = proxy.index(r, 0)
        if index.data(CHAT_ID_ROLE) == chat_id:
            return str(index.data(Qt.ItemDataRole.AccessibleTextRole))
    return ""


def _shots(qtbot: Any, app: DesktopApp, artifacts: Path, name: str) -> None:
    for look in ("light", "dark"):
        theme.apply(look)
        app.window.repaint()
        qtbot.waitUntil(app.window.isVisible, timeout=5_000)
        screenshot(app, artifacts / f"i18n_{name}_{look}.png")


@pytest.mark.parametrize("lang", ["ru", "en"])
def test_the_chosen_language_is_spoken_everywhere(
    qtbot: Any,
    run: Callable[..., Any],
    make_app: Callable[[str], DesktopApp],
    desktop_server: ServerProcess,
    language: Callable[[str], None],
    artifacts: Path,
    lang: str,
) -> None:
    language(lang)
    url = desktop_server.url
    alice, bob = make_app(url), make_app(url)
    want = EXPECTED[lang]
    w = alice.window
    assert find(w, QPushButton, "Sign in").text() == want["sign_in"]
    assert find(w, QPushButton, "Create account").text() == want["create"]
    _shots(qtbot, alice, artifacts, f"signin_{lang}")
    bob_name = unique("bob")
    sign_up(qtbot, alice, url, unique("ann"))
    sign_up(qtbot, bob, url, bob_name)
    chat_id = create_group(qtbot, alice, "Planning", bob_name)
    qtbot.waitUntil(lambda: chat_id in bob.messenger.chats, timeout=10_000)
    greeting = "Доброе утро! Созвон в 10:30"
    run(bob.messenger.outbox.send(chat_id, greeting))
    qtbot.waitUntil(lambda: len(texts(alice)) == 1, timeout=10_000)
    assert find(w, QPushButton, "Send").text() == want["send"]
    send(qtbot, alice, "Буду")
    qtbot.waitUntil(lambda: texts(alice) == [greeting, "Буду"], timeout=10_000)
    qtbot.waitUntil(lambda: entries(alice)[-1].seq is not None, timeout=10_000)
    mine, theirs = entries(alice)[-1], entries(alice)[0]
    footer = MessageDelegate._footer(mine, mine=True)
    assert footer == f"{i18n.time_label(mine.created_at)} · {want['sent']}"
    day = i18n.day_label(theirs.created_at)
    assert any(month in day for month in want["months"]), day
    if lang == "ru":
        assert find(w, QPlainTextEdit, "Message").placeholderText().startswith("Напишите")
        assert re.fullmatch(r"\d\d:\d\d", i18n.time_label(mine.created_at))
        assert w.new_chat.text() == "Новый чат"
        assert w.filter.placeholderText() == "Поиск по чатам"
    _shots(qtbot, alice, artifacts, f"chat_{lang}")


def test_russian_plurals_for_1_2_5_21_unread(
    qtbot: Any,
    run: Callable[..., Any],
    make_app: Callable[[str], DesktopApp],
    desktop_server: ServerProcess,
    language: Callable[[str], None],
) -> None:
    language("ru")
    url = desktop_server.url
    alice, bob, chat_id = group_of_two(qtbot, make_app, url, "Reports")
    create_group(qtbot, alice, "Elsewhere")  # Alice looks elsewhere: Bob's messages stay unread
    words = {
        1: "1 непрочитанное",
        2: "2 непрочитанных",
        5: "5 непрочитанных",
        21: "21 непрочитанное",
    }
    sent = 0
    for n, word in words.items():
        while sent < n:
            sent += 1
            run(bob.messenger.outbox.send(chat_id, f"Отчёт №{sent}"))
        qtbot.waitUntil(lambda n=n: unread(alice, chat_id) == n, timeout=10_000)
        assert _unread_text(alice, chat_id) == f"Reports, {word}"
        qtbot.waitUntil(lambda word=word: alice.window.tray.icon.toolTip() == f"Parley — {word}")


def test_dates_and_times_follow_the_language(language: Callable[[str], None], qapp: Any) -> None:
    moment = datetime(2026, 3, 8, 14, 5, tzinfo=UTC).astimezone()
    language("ru")
    assert i18n.install("ru") == "ru"
    assert i18n.day_label(moment) == "воскресенье, 8 марта 2026\u202fг."  # a narrow no-break space
    assert i18n.time_label(moment) == moment.strftime("%H:%M")
    assert i18n.install("en") == "en"
    assert i18n.day_label(moment) == "Sunday, March 8, 2026"
    assert i18n.time_label(moment).endswith(("AM", "PM"))


def test_settings_offer_the_languages_and_keep_the_choice(
    qtbot: Any, tmp_path: Path, language: Callable[[str], None], artifacts: Path
) -> None:
    language("ru")
    i18n.install("ru")
    prefs = Preferences(tmp_path / "settings")
    dialog = SettingsDialog(prefs)
    qtbot.addWidget(dialog)
    box = dialog.language
    assert [box.itemText(i) for i in range(box.count())] == ["Как в системе", "English", "Русский"]
    box.setCurrentIndex(2)
    assert Preferences(tmp_path / "settings").language == "ru"
    assert i18n.current_language() == "ru", "the choice applies at once"
    assert any(lab.text() == "Язык" for lab in dialog.findChildren(QLabel))
    dialog.show()
    qtbot.waitUntil(dialog.isVisible, timeout=5_000)
    for look in ("light", "dark"):
        theme.apply(look)
        assert dialog.grab().save(str(artifacts / f"i18n_settings_ru_{look}.png"))


def test_a_missing_translation_file_falls_back_to_english(
    tmp_path: Path, language: Callable[[str], None], qapp: Any
) -> None:
    i18n.QM_DIR[0] = tmp_path  # nothing compiled there
    assert i18n.install("ru") == "en"
    assert i18n.Numerus().tray_unread(5) == "Parley — 5 unread"


def _problems(ts: Path) -> list[str]:
    """Every message of a .ts without a finished, non-empty translation keeping its %n / %1."""
    bad = []
    for context in ET.parse(ts).getroot().iter("context"):  # noqa: S314 - our own file
        name = context.findtext("name")
        for message in context.iter("message"):
            source = message.findtext("source") or ""
            tr = message.find("translation")
            forms = [] if tr is None else [f.text or "" for f in tr.iter("numerusform")]
            texts_ = forms or ([tr.text or ""] if tr is not None else [""])
            kept = all(p not in source or all(p in t for t in texts_) for p in ("%n", "%1"))
            if tr is None or tr.get("type") or not all(texts_) or not kept:
                bad.append(f"{name}: {source}")
    return bad


def test_the_catalogue_translates_every_string_in_the_code(tmp_path: Path) -> None:
    subprocess.run(["bash", str(SCRIPT), "--update", str(tmp_path)], check=True, cwd=ROOT)
    for name in ("parley_ru.ts", "parley_en.ts"):
        assert _problems(tmp_path / name) == [], f"untranslated in {name}; run i18n.sh --update"
        committed = (ROOT / "assets" / "i18n" / name).read_text(encoding="utf-8")
        assert (tmp_path / name).read_text(encoding="utf-8") == committed, (
            f"{name} is not what lupdate makes of the code now: run deploy/local/i18n.sh --update"
        )


def test_the_catalogue_check_sees_an_untranslated_string(tmp_path: Path) -> None:
    ts = tmp_path / "x.ts"
    ts.write_text(
        '<TS version="2.1" language="ru_RU"><context><name>C</name>'
        "<message><source>Done</source><translation>Готово</translation></message>"
        '<message><source>New</source><translation type="unfinished"></translation></message>'
        "<message><source>In %1</source><translation>В чате</translation></message>"
        "</context></TS>",
        encoding="utf-8",
    )
    assert _problems(ts) == ["C: New", "C: In %1"]


def test_error_sentences_are_russian_with_their_values_kept(
    qtbot: Any, make_app: Callable[[str], DesktopApp], language: Callable[[str], None]
) -> None:
    """A sign-in against an address where nothing listens: the banner says so in Russian."""
    language("ru")
    app = make_app("http://127.0.0.1:9")
    w = app.window
    type_into(qtbot, find(w, QLineEdit, "Username"), "anna")
    type_into(qtbot, find(w, QLineEdit, "Password"), "correct horse battery")
    click(qtbot, find(w, QPushButton, "Sign in"))
    qtbot.waitUntil(lambda: w.error_banner.text() != "", timeout=10_000)
    assert w.error_banner.text() == (
        "Не удаётся связаться с сервером http://127.0.0.1:9. "
        "Проверьте адрес и убедитесь, что сервер запущен."
    )
    assert i18n.tr_error(describe(MessageTooLongError(5001, 4000))) == (
        "Сообщение слишком длинное: 5\xa0001 симв. (можно не больше 4\xa0000)."
    ), "the figures grouped the Russian way"
    assert i18n.tr_error(describe(ApiError(401, "invalid_credentials"))) == (
        "Неверное имя пользователя или пароль."
    )
