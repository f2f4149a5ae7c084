"""The interface language: English (the source strings) or Russian, with Qt's translation tools.

Russian comes from `assets/i18n/parley_ru.ts`, compiled to `.qm` at build time by
`deploy/local/i18n.sh` into the ignored `assets/i18n/qm/` (the `.qm` is build output, so it is
never committed and can never drift from the `.ts`). A missing `.qm` is not an error: the app
starts in English and says so in the log. Qt's own `qtbase` catalogue is loaded too, so the
standard buttons (Cancel, Close) speak the same language. `QLocale.setDefault` makes every
`QLocale()` (dates, times, numbers) follow the chosen language.
"""

from __future__ import annotations

import logging
import re
from datetime import datetime
from functools import cache
from pathlib import Path

from PySide6.QtCore import (
    QCoreApplication,
    QDate,
    QLibraryInfo,
    QLocale,
    QObject,
    QTime,
    QTranslator,
)

from desktop.core import errors, limits
from desktop.ui.theme import assets_dir

log = logging.getLogger(__name__)

SYSTEM = "system"
# The names of the languages are written in themselves, so they read right whatever is chosen.
LANGUAGES = (("en", "English"), ("ru", "Русский"))
CHOICES = (SYSTEM, *(code for code, _ in LANGUAGES))
QM_DIR = [assets_dir() / "i18n" / "qm"]  # a list so tests can point it at freshly built files
_installed: list[QTranslator] = []  # kept referenced: Qt does not own installed translators
_language: list[str] = ["en"]


def locale_for(choice: str) -> QLocale:
    """The locale a choice means; "system" (or anything unknown) follows the desktop, except
    the C locale, which states no preference: figures then read as the English interface's own
    ("4,001", not "4001")."""
    if choice == "ru":
        return QLocale(QLocale.Language.Russian, QLocale.Country.Russia)
    system = QLocale.system()
    if choice == "en" or system.language() == QLocale.Language.C:
        return QLocale(QLocale.Language.English, QLocale.Country.UnitedStates)
    return system


def install(choice: str) -> str:
    """Install the translators for `choice` before any window is built; the language in use."""
    reset()
    _language[:] = [_install(choice)]
    limits.use_formats(limits.Formats(_number, _bytes, _scaled))
    return _language[0]


def current_language() -> str:
    """The interface language in use: "en" or "ru"."""
    return _language[0]


def _install(choice: str) -> str:
    app = QCoreApplication.instance()
    locale = locale_for(choice)
    lang = "ru" if locale.language() == QLocale.Language.Russian else "en"
    if app is None:
        return "en"
    ours = QTranslator()
    if not ours.load(f"parley_{lang}.qm", str(QM_DIR[0])):
        log.warning("no compiled translation %s in %s; using English", lang, QM_DIR[0])
        QLocale.setDefault(locale if lang == "en" else locale_for("en"))
        return "en"
    qt = QTranslator()
    qt_dir = QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)
    if lang != "en" and qt.load(f"qtbase_{lang}.qm", qt_dir):
        app.installTranslator(qt)
        _installed.append(qt)
    app.installTranslator(ours)
    _installed.append(ours)
    QLocale.setDefault(locale)
    return lang


def qm_path(lang: str, folder: Path | None = None) -> Path:
    return (folder or QM_DIR[0]) / f"parley_{lang}.qm"


def day_label(moment: datetime) -> str:
    """The day a message was written, in the interface language ("вторник, 1 декабря 2026 г.")."""
    local = moment.astimezone()
    return QLocale().toString(
        QDate(local.year, local.month, local.day), QLocale.FormatType.LongFormat
    )


def time_label(moment: datetime) -> str:
    """The time of day the locale's short way (24-hour in Russian, "10:05 AM" in US English)."""
    local = moment.astimezone()
    return QLocale().toString(QTime(local.hour, local.minute), QLocale.FormatType.ShortFormat)


class Numerus(QObject):
    """Plural texts for code that is not a QObject: lupdate marks only `tr(..., n)` as numerus."""

    def tray_unread(self, count: int) -> str:
        return self.tr("Parley — %n unread", "", count)

    def byte_count(self, n: int) -> str:
        return self.tr("%Ln bytes", "", n)


def tray_unread(count: int) -> str:
    return Numerus().tray_unread(count)


# Every figure in the interface goes through these (handed to core at `install`): counts and
# sizes in the chosen language, «48,0 МБ» and «1 025 байт» in Russian, "48.0 MB" in English.
def _number(n: int) -> str:
    return QLocale().toString(n)


def _bytes(n: int) -> str:
    return Numerus().byte_count(n)


def _scaled(n: int) -> str:
    return QLocale().formattedDataSize(n, 1, QLocale.DataSizeFormat.DataSizeTraditionalFormat)


def reset() -> None:
    """Back to the source language and the desktop's locale (a profile switch, and tests)."""
    app = QCoreApplication.instance()
    for old in _installed:
        if app is not None:
            app.removeTranslator(old)
    _installed.clear()
    QLocale.setDefault(QLocale.system())
    limits.use_formats(limits.Formats())


def tr_error(text: str) -> str:
    """A sentence from desktop/core/errors.py (marked there) in the interface language.

    Sentences carrying a value (an address, a length) are matched against their templates, the
    template is translated and the value put back.
    """
    whole = QCoreApplication.translate("errors", text)
    if whole != text:
        return whole
    for template in errors.TEMPLATES:
        found = _pattern(template).fullmatch(text)
        if found is not None:
            out = QCoreApplication.translate("errors", template)
            for i, value in enumerate(found.groups(), start=1):
                out = out.replace(f"%{i}", value)
            return out
    return text


@cache
def _pattern(template: str) -> re.Pattern[str]:
    return re.compile(re.sub(r"%\d", "(.+?)", re.escape(template)))
