"""The input rules every path shares: one definition each, applied before anything is queued.

REST bodies and socket frames reach the same services, and the services check these rules, so a
value the relational store could not hold (an id longer than its column, a `seq` beyond a signed
64-bit integer) is refused with a 4xx before it can fail a shared write transaction.
"""

from __future__ import annotations

import re
import unicodedata

from backend.domain.errors import InvalidInput
from backend.domain.limits import CLIENT_MSG_ID_MAX_CHARS as CLIENT_MSG_ID_MAX
from backend.domain.limits import ID_MAX_CHARS as ID_MAX
from backend.domain.limits import SEQ_MAX

ID_PATTERN = rf"^[A-Za-z0-9_-]{{1,{ID_MAX}}}$"
CLIENT_MSG_ID_PATTERN = rf"^[A-Za-z0-9_:.-]{{1,{CLIENT_MSG_ID_MAX}}}$"
_ID = re.compile(ID_PATTERN)
_CLIENT_MSG_ID = re.compile(CLIENT_MSG_ID_PATTERN)
# Bidi overrides and isolates can make text read differently from what it is (Trojan Source).
_BIDI = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c")


def is_id(value: object) -> bool:
    return isinstance(value, str) and _ID.fullmatch(value) is not None


def check_id(value: object, what: str, code: str = "invalid_id") -> str:
    if not is_id(value):
        raise InvalidInput(f"{what} must be an id of 1 to {ID_MAX} letters or digits.", code=code)
    assert isinstance(value, str)
    return value


def check_client_msg_id(value: object) -> str:
    if not isinstance(value, str) or _CLIENT_MSG_ID.fullmatch(value) is None:
        raise InvalidInput(
            f"client_msg_id must be 1 to {CLIENT_MSG_ID_MAX} of A-Z a-z 0-9 _ : . -",
            code="invalid_client_msg_id",
        )
    return value


def check_seq(value: object, what: str = "seq") -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= SEQ_MAX:
        raise InvalidInput(f"{what} must be a whole number from 0 to 2^53.", code="bad_seq")
    return value


def _refused(ch: str, allow_newlines: bool) -> bool:
    if ch in _BIDI:
        return True
    if allow_newlines and ch in "\n\t":
        return False
    return unicodedata.category(ch) == "Cc"  # C0, DEL and C1


def has_forbidden_chars(text: str, *, allow_newlines: bool) -> bool:
    """Control characters (C0, C1) and bidi overrides; text may keep newlines and tabs."""
    return any(_refused(ch, allow_newlines) for ch in text)


def check_text(text: str, max_chars: int, *, allow_empty: bool = False) -> str:
    """A message's text; `allow_empty` when files carry the message."""
    if not text.strip() and not allow_empty:
        raise InvalidInput("A message needs some text.", code="text_empty")
    if len(text) > max_chars:
        raise InvalidInput(
            f"A message has at most {max_chars} characters.", code="text_too_long", limit=max_chars
        )
    if has_forbidden_chars(text, allow_newlines=True):
        raise InvalidInput(
            "Text may not hold control or bidi-override characters.", code="text_forbidden_chars"
        )
    return text


def check_name(value: str, what: str) -> str:
    """Display names and chat titles: one line, no control or bidi-override characters."""
    if has_forbidden_chars(value, allow_newlines=False):
        raise InvalidInput(
            f"The {what} may not hold control or bidi-override characters.",
            code="name_forbidden_chars",
        )
    return value


EMOJI_MAX_CODE_POINTS = 16  # a family with skin tones is 11; a flag of a region 7
REACTIONS_PER_MESSAGE = 20  # distinct emoji on one message, so a message's reactions stay small
_ZWJ = "\u200d"
_KEYCAP_BASES = frozenset("0123456789#*")


def _is_modifier(ch: str) -> bool:
    """What may follow an emoji's base: variation selectors, the keycap, skin tones, tags."""
    cp = ord(ch)
    return ch in "\ufe0e\ufe0f\u20e3" or 0x1F3FB <= cp <= 0x1F3FF or 0xE0020 <= cp <= 0xE007F


def _is_emoji_part(part: str) -> bool:
    """One base symbol (or a flag's two regional indicators, or a keycap) and its modifiers."""
    if not part:
        return False
    base, rest = part[0], part[1:]
    if 0x1F1E6 <= ord(base) <= 0x1F1FF:  # a flag: exactly two regional indicators
        return len(rest) == 1 and 0x1F1E6 <= ord(rest) <= 0x1F1FF
    if base in "\ufffc\ufffd":  # replacement characters are symbols too, but no emoji
        return False
    if base in _KEYCAP_BASES:
        return rest in ("\u20e3", "\ufe0f\u20e3")
    return unicodedata.category(base) == "So" and all(_is_modifier(ch) for ch in rest)


def check_emoji(value: object) -> str:
    """A reaction is one emoji: a symbol with its modifiers, or such symbols joined by ZWJ into
    one picture (the stdlib has no grapheme segmentation, so the shape is checked instead).
    Anything else — text, several emoji, stray joiners — would let reactions carry messages."""
    ok = isinstance(value, str) and 1 <= len(value) <= EMOJI_MAX_CODE_POINTS
    if not ok or not all(_is_emoji_part(p) for p in str(value).split(_ZWJ)):
        raise InvalidInput(
            f"A reaction is one emoji of at most {EMOJI_MAX_CODE_POINTS} code points.",
            code="invalid_emoji",
        )
    assert isinstance(value, str)
    return value


def emoji_key(emoji: str) -> str:
    """The stored form: code points in hex. MySQL's utf8mb4 collations compare most emoji as
    equal (they sort past the BMP), which would merge 👍 and 😂 in a unique index."""
    return "-".join(f"{ord(ch):x}" for ch in emoji)


def emoji_from_key(key: str) -> str:
    return "".join(chr(int(cp, 16)) for cp in key.split("-"))
