"""What a reaction may be: one emoji (with its modifiers or ZWJ parts), nothing else."""

from __future__ import annotations

import pytest

from backend.domain import rules
from backend.domain.errors import InvalidInput

ONE_EMOJI = [
    "👍",
    "👍🏽",  # skin tone
    "❤️",  # variation selector
    "👨‍👩‍👧‍👦",  # a family: four people joined by ZWJ
    "👩🏽‍💻",
    "🇺🇦",  # a flag: two regional indicators
    "🏴󠁧󠁢󠁳󠁣󠁴󠁿",  # a subdivision flag: tags
    "1️⃣",  # a keycap
]
NOT_ONE = ["", "a", "ok", "👍👍", "👍 ", "\u200d", "👍\u200d", "🇺", "1", "👍\u202e", "\ufffd"]


@pytest.mark.parametrize("emoji", ONE_EMOJI)
def test_one_emoji_is_a_reaction(emoji: str) -> None:
    assert rules.check_emoji(emoji) == emoji
    assert rules.emoji_from_key(rules.emoji_key(emoji)) == emoji
    assert rules.emoji_key(emoji).isascii()


@pytest.mark.parametrize("value", [*NOT_ONE, "😀" * 17, None, 5])
def test_anything_else_is_refused(value: object) -> None:
    with pytest.raises(InvalidInput) as refused:
        rules.check_emoji(value)
    assert refused.value.code == "invalid_emoji"


def test_keys_of_different_emoji_differ_where_mysql_collations_would_merge_them() -> None:
    assert rules.emoji_key("👍") != rules.emoji_key("😂")
