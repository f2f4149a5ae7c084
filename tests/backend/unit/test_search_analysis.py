"""The search normaliser: what a user types finds what others wrote, in any of the chat's
languages, and the highlights land on the right characters of the original text."""

from __future__ import annotations

from backend.domain.search.analysis import fold, index_terms
from backend.domain.search.highlight import highlights
from backend.domain.search.query import Clause, Phrase, Query, parse


def matches(text: str, q: str, file_names: tuple[str, ...] = ()) -> bool:
    """A reference evaluation of the query over the terms, as both engines run it."""
    stream_text, words_text = index_terms(text, file_names)
    stream, words = stream_text.split(), words_text.split()

    def phrase(p: Phrase) -> bool:
        n = len(p.terms)
        for i in range(len(stream) - n + 1):
            w = stream[i : i + n]
            head = w[:-1] == list(p.terms[:-1])
            if head and (w[-1].startswith(p.terms[-1]) if p.prefix else w[-1] == p.terms[-1]):
                return True
        return False

    def clause(c: Clause) -> bool:
        return (
            any(t in stream or t in words for t in c.exact)
            or any(phrase(p) for p in c.phrases)
            or any(w.startswith(p) for w in words for p in c.prefixes)
        )

    query = parse(q)
    return bool(query.clauses) and all(clause(c) for c in query.clauses)


def spans(text: str, q: str) -> list[str]:
    return [text[a:b] for a, b in highlights(text, parse(q))]


def test_russian_inflections_find_each_other() -> None:
    for form in ("встреча", "встречу", "встречи", "Встречей "):
        assert matches("Завтра встреча в офисе", form), form
    assert matches("Увидимся в субботу", "суббота ")
    assert matches("Увидимся в субботу", "субботу ")
    assert not matches("Увидимся в субботу", "воскресенье ")


def test_capitals_and_yo() -> None:
    assert matches("Привет всем", "привет ")
    assert matches("привет всем", "ПРИВЕТ ")
    assert matches("Купили ёлку", "елка ")
    assert matches("Купили елку", "Ёлка ")
    assert fold("ЁЛКА") == "елка"
    assert fold("йод") == "йод"  # й is a letter of its own, not и with a mark


def test_english_stems() -> None:
    assert matches("We are running late", "run ")
    assert matches("The meeting moved", "meetings ")
    assert not matches("The meeting moved", "meat ")


def test_real_words_that_are_stop_words_elsewhere() -> None:
    assert matches("what is this", "what ")
    assert matches("the unit tests pass", "unit ")
    assert matches("to be or not to be", "to be ")


def test_diacritics() -> None:
    assert matches("Le café est fermé", "cafe ")
    assert matches("Le cafe est ferme", "café fermé ")
    assert matches("Straße", "strasse ")
    assert matches("naïve", "naive ")


def test_chinese_and_japanese_words_of_one_and_two_characters() -> None:
    assert matches("我的猫很可爱", "猫")
    assert matches("我的猫很可爱", "可爱")
    assert matches("東京に行きます", "東京")
    assert matches("東京に行きます", "京")
    assert not matches("我的猫很可爱", "爱猫")


def test_cjk_phrase_needs_adjacent_characters() -> None:
    assert matches("熱力学の教科書", "熱力学")
    assert not matches("熱い日に力を出して学ぶ", "熱力学")
    assert not matches("熱 力 学", "熱力学")


def test_korean_with_particles() -> None:
    assert matches("학교에서 친구를 만났다", "학교 ")
    assert matches("학교에서 친구를 만났다", "친구 ")
    assert matches("학교 앞에서", "학교에 ")
    assert matches("학교에서 친구를 만났다", "학교에서 ")


def test_file_names_split_on_underscore_dash_and_dot() -> None:
    name = "Q3_budget-final.v2.xlsx"
    for q in ("budget ", "final ", "xlsx ", "Q3_budget-final.v2.xlsx ", "budget-final "):
        assert matches(name, q), q
    assert matches("see attached", "budget ", file_names=(name,))


def test_emails_and_urls() -> None:
    text = "write to alice.smith@example.com or see https://docs.example.org/guide/setup"
    for q in ("alice.smith@example.com ", "alice ", "example ", "guide ", "docs.example.org "):
        assert matches(text, q), q


def test_prefix_while_typing() -> None:
    assert matches("Завтра встреча в офисе", "встр")
    assert matches("Q3_budget-final.xlsx", "Q3_bud")
    assert matches("the deployment failed", "deplo")
    assert not matches("the deployment failed", "deplo ")  # a finished word is not a prefix
    assert not matches("the deployment failed", "d ")


def test_every_word_must_match() -> None:
    assert matches("release notes for Friday", "friday notes ")
    assert not matches("release notes for Friday", "friday minutes ")


def test_filters_are_not_words() -> None:
    q = parse("from:@alice in:general has:file budget")
    assert q.senders == ("alice",)
    assert q.chats == ("general",)
    assert q.has_file
    assert len(q.clauses) == 1


def test_highlights_on_mixed_script_text() -> None:
    text = "🎉 Привет, team! 熱力学 и встречу в субботу 🙂 see report_final.pdf"
    assert spans(text, "привет ") == ["Привет"]
    assert spans(text, "熱力学") == ["熱力学"]
    assert spans(text, "встреча суббота ") == ["встречу", "субботу"]
    assert spans(text, "final.pdf ") == ["final.pdf"]
    assert spans(text, "tea") == ["team"]
    # offsets are code points: the emoji before "Привет" is one
    assert highlights(text, parse("привет "))[0] == (2, 8)


def test_no_highlight_without_a_match() -> None:
    assert highlights("hello world", parse("other ")) == []
    assert highlights(None, parse("x ")) == []
    assert isinstance(parse(""), Query)


def test_the_fast_run_splitter_agrees_with_the_reference() -> None:
    """`_runs` is one regex built from `_runs_slow`'s per-character rules: same runs always."""
    import random

    from backend.domain.search.analysis import _runs, _runs_slow

    alphabet = (
        "aZé\u0301й熱力学のがか\u3099학교에서 _-.@/:!?🙂\u200d١ΩάⅫ"
        "\u0300\u093f\u0915ー한ﾊﾟ\U00020000 \n"
    )
    rng = random.Random(1)
    for _ in range(3000):
        s = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 16)))
        assert list(_runs(s, 0, len(s))) == list(_runs_slow(s, 0, len(s))), repr(s)
