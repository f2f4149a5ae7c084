"""Text to terms: case and diacritic folding, Snowball stems, CJK bigrams, compound splitting.

A message yields two term lists:

- the *stream*, positional, so phrases can require adjacency: one stem per word, the parts of a
  compound (file name, email, URL) in order, overlapping bigrams of a CJK run (the character itself
  for a run of one), the base of a Korean word without its particle;
- the *words*, for prefix and single-term matching: each word folded but not stemmed, the whole
  compound, every CJK character, the whole Korean word.

Stop words are kept: "what" and "unit" are real words in a chat.
"""

from __future__ import annotations

import itertools
import re
import unicodedata
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from enum import Enum
from functools import lru_cache
from typing import Any

import Stemmer

# Characters that join the parts of a compound token and stay in its whole form; anything else
# that is not a letter, digit or mark becomes "_" there (the SQLite tokenizer declares these).
CONNECTORS = "_-.@/:"
# Korean particles, longest first; a word keeps at least one syllable of its own.
_PARTICLE_LIST = (
    "에서는 에게서 으로는 이라고 에서도 까지는 부터는 한테서 에서 에게 한테 께서 으로 까지 "
    "부터 보다 처럼 마다 이나 이랑 하고 라고 에는 에도 은 는 이 가 을 를 에 께 로 와 과 의 "
    "도 만 랑"
)
PARTICLES = sorted(_PARTICLE_LIST.split(" "), key=len, reverse=True)
_CHUNK = re.compile(r"\S+")
# Longer terms are cut here (Elasticsearch's whitespace tokenizer would split them at 255).
MAX_TERM = 100


class Kind(Enum):
    WORD = "word"
    CJK = "cjk"
    HANGUL = "hangul"


@dataclass(frozen=True, slots=True)
class Term:
    """A term and the span of the original text it came from."""

    text: str
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class Chunk:
    """What one whitespace-delimited piece of text yields."""

    stream: tuple[Term, ...]
    words: tuple[Term, ...]
    kind: Kind | None  # the kind of its only run; None for a compound or a mixed-script chunk
    whole: str | None  # the folded whole of a compound


def _kind_of(ch: str) -> Kind | None:
    o = ord(ch)
    if (
        0x3040 <= o <= 0x30FF
        or 0x3400 <= o <= 0x4DBF
        or 0x4E00 <= o <= 0x9FFF
        or 0xF900 <= o <= 0xFAFF
        or 0x31F0 <= o <= 0x31FF
        or 0xFF66 <= o <= 0xFF9F
        or 0x20000 <= o <= 0x3134F
    ):
        return Kind.CJK
    if 0xAC00 <= o <= 0xD7AF or 0x1100 <= o <= 0x11FF or 0x3130 <= o <= 0x318F:
        return Kind.HANGUL
    if unicodedata.category(ch)[0] in "LN":
        return Kind.WORD
    return None


_kind = lru_cache(maxsize=8192)(_kind_of)


def _strippable(base: str) -> bool:
    """Latin and Greek letters lose their diacritics; Cyrillic й and kana with dakuten keep them."""
    o = ord(base)
    return o < 0x250 or 0x370 <= o <= 0x3FF or 0x1E00 <= o <= 0x1FFF


def fold(s: str) -> str:
    """Case, width and diacritic folding, ё as е."""
    s = unicodedata.normalize("NFKC", s).casefold().replace("ё", "е")
    out: list[str] = []
    for ch in unicodedata.normalize("NFD", s):
        if unicodedata.combining(ch) and out and _strippable(out[-1]):
            continue
        out.append(ch)
    return unicodedata.normalize("NFC", "".join(out))


@lru_cache(maxsize=4)
def _stemmer(language: str) -> Stemmer.Stemmer:
    return Stemmer.Stemmer(language)


def stem(word: str) -> str:
    """The Snowball stem of a folded word: Russian for Cyrillic, English for Latin."""
    if any(0x400 <= ord(c) <= 0x4FF for c in word):
        return str(_stemmer("russian").stemWord(word))
    if any(c.isascii() and c.isalpha() for c in word):
        return str(_stemmer("english").stemWord(word))
    return word


def korean_base(word: str) -> str:
    """A Korean word without its trailing particle (학교에서 -> 학교)."""
    for p in PARTICLES:
        if word.endswith(p) and len(word) > len(p):
            return word[: -len(p)]
    return word


def _runs_slow(text: str, start: int, end: int) -> Iterator[tuple[Kind, int, int]]:
    """Maximal runs of one kind; marks stay with the run before them (the reference for `_runs`)."""
    kind: Kind | None = None
    run_start = start
    for i in range(start, end):
        k = _kind(text[i])
        if k is None and kind is not None and unicodedata.category(text[i])[0] == "M":
            continue
        if k != kind:
            if kind is not None:
                yield kind, run_start, i
            kind, run_start = k, i
    if kind is not None:
        yield kind, run_start, end


def _char_class(codepoints: list[int]) -> str:
    ranges: list[tuple[int, int]] = []
    for c in codepoints:
        if ranges and ranges[-1][1] == c - 1:
            ranges[-1] = (ranges[-1][0], c)
        else:
            ranges.append((c, c))
    parts = (re.escape(chr(a)) + ("-" + re.escape(chr(b)) if b > a else "") for a, b in ranges)
    return "[" + "".join(parts) + "]"


@lru_cache(maxsize=1)
def _run_pattern() -> re.Pattern[str]:
    """`_runs_slow` as one regex: a scan of every code point once (about 0.2 s), then C speed."""
    classes: dict[str, list[int]] = {"cjk": [], "hangul": [], "word": [], "mark": []}
    for c in range(0x110000):
        if 0xD800 <= c <= 0xDFFF:
            continue  # surrogates are never text
        ch = chr(c)
        k = _kind_of(ch)
        if k is not None:
            classes[k.value].append(c)
        elif unicodedata.category(ch)[0] == "M":
            classes["mark"].append(c)
    mark = _char_class(classes["mark"])
    alternatives = (
        f"(?P<{name}>{_char_class(classes[name])}(?:{_char_class(classes[name])}|{mark})*)"
        for name in ("cjk", "hangul", "word")
    )
    return re.compile("|".join(alternatives))


def prepare() -> None:
    """Build the run pattern now (stores call this on start, before serving) rather than on the
    first message written."""
    _run_pattern()


def _runs(text: str, start: int, end: int) -> Iterator[tuple[Kind, int, int]]:
    """Maximal runs of one kind; marks stay with the run before them."""
    for m in _run_pattern().finditer(text, start, end):
        yield Kind(m.lastgroup), m.start(), m.end()


def _run_terms(text: str, kind: Kind, start: int, end: int) -> tuple[list[Term], list[Term]]:
    if kind is Kind.CJK:
        chars = [Term(fold(text[i]), i, i + 1) for i in range(start, end)]
        if len(chars) == 1:
            return chars, chars
        grams = [Term(a.text + b.text, a.start, b.end) for a, b in itertools.pairwise(chars)]
        return grams, chars
    base, word = _word(text[start:end], kind)
    return [Term(base[:MAX_TERM], start, end)], [Term(word[:MAX_TERM], start, end)]


@lru_cache(maxsize=65536)
def _word(raw: str, kind: Kind) -> tuple[str, str]:
    """(stem or Korean base, folded form) of one word; chats repeat their words a lot."""
    word = fold(raw)
    return (korean_base(word) if kind is Kind.HANGUL else stem(word)), word


def _whole(text: str) -> str:
    folded = fold(text)[: MAX_TERM * 2]
    return "".join(c if _kind(c) is not None or c in CONNECTORS else "_" for c in folded)[:MAX_TERM]


def chunk(text: str, start: int, end: int) -> Chunk:
    stream: list[Term] = []
    words: list[Term] = []
    runs = list(_runs(text, start, end))
    for kind, a, b in runs:
        s, w = _run_terms(text, kind, a, b)
        stream += s
        words += w
    if len(runs) == 1:
        return Chunk(tuple(stream), tuple(words), runs[0][0], None)
    whole = _whole(text[runs[0][1] : runs[-1][2]]) if runs else None
    if whole is not None and len(runs) > 1:
        words.append(Term(whole, runs[0][1], runs[-1][2]))
    return Chunk(tuple(stream), tuple(words), None, whole)


def chunks(text: str) -> Iterator[Chunk]:
    for m in _CHUNK.finditer(text):
        c = chunk(text, m.start(), m.end())
        if c.stream:
            yield c


def index_terms(text: str | None, file_names: Iterable[str] = ()) -> tuple[str, str]:
    """The stream and the words of a message, space-separated, as the engines index them.

    `file_names` are the names of its attachments: searchable like text, never highlighted.
    """
    stream: list[str] = []
    words: list[str] = []
    for source in (text or "", *file_names):
        for c in chunks(source):
            stream += (t.text for t in c.stream)
            words += (t.text for t in c.words)
    return " ".join(stream), " ".join(dict.fromkeys(words))


def attachment_names(attachments: Iterable[Mapping[str, Any]]) -> list[str]:
    """The file names of stored attachment records (`file.name`), which search finds like text.

    For documents and rows read raw (the Elasticsearch reindex, the search migration); a
    `Message`'s typed attachments give their names directly (`a.name`).
    """
    return [str(a["name"]) for a in attachments if isinstance(a.get("name"), str)]
