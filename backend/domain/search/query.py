"""A search box's text to a query both engines run the same way.

Every word must match (AND). A word matches when any of its options does: one of its `exact` terms
anywhere (stream or words), one of its `phrases` in the stream (adjacent terms, so 熱力学 never
matches 熱 … 力 … 学 spread over a text), or one of its `prefixes` at the start of a word. The last
word is a prefix too unless the text ends with a space: the box searches while the user types.

`from:<username>`, `in:<chat title or id>` and `has:file` are filters, not words.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from backend.domain.errors import InvalidInput
from backend.domain.search.analysis import Chunk, Kind, chunks

MAX_QUERY_CHARS = 256
MAX_WORDS = 16
# A prefix this short would match a large part of every chat.
MIN_PREFIX = 2


@dataclass(frozen=True, slots=True)
class Phrase:
    terms: tuple[str, ...]
    prefix: bool = False  # the last term is a prefix


@dataclass(frozen=True, slots=True)
class Clause:
    """One query word."""

    exact: tuple[str, ...] = ()
    phrases: tuple[Phrase, ...] = ()
    prefixes: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Query:
    clauses: tuple[Clause, ...]
    senders: tuple[str, ...] = ()  # usernames from `from:`
    chats: tuple[str, ...] = ()  # titles or ids from `in:`
    has_file: bool = False
    words: tuple[str, ...] = field(default=())  # the raw words, for logs and the client

    @property
    def empty(self) -> bool:
        return not self.clauses and not self.senders and not self.chats and not self.has_file


def _clause(c: Chunk, prefix: bool) -> Clause:
    stream = tuple(t.text for t in c.stream)
    if c.kind is Kind.CJK and len(stream) > 1:
        return Clause(phrases=(Phrase(stream),))
    if c.kind is not None:
        word = c.words[0].text if c.kind is not Kind.CJK else stream[0]
        wants_prefix = prefix and c.kind is not Kind.CJK and len(word) >= MIN_PREFIX
        return Clause(exact=stream, prefixes=(word,) if wants_prefix else ())
    last = c.stream[-1].text
    phrase = Phrase(stream, prefix=prefix and len(last) >= 1)
    whole = (c.whole,) if prefix and c.whole else ()
    return Clause(phrases=(phrase,), prefixes=whole)


def _filter(word: str, senders: list[str], chats: list[str]) -> bool:
    """Take `word` as a filter if it is one; True when it was."""
    key, sep, value = word.partition(":")
    if not sep or not value:
        return False
    if key.lower() == "from":
        senders.append(value.lstrip("@"))
        return True
    if key.lower() == "in":
        chats.append(value)
        return True
    return False


def parse(text: str) -> Query:
    """Raises `InvalidInput` (`query_too_long`) beyond the limits."""
    if len(text) > MAX_QUERY_CHARS:
        raise InvalidInput(
            f"A search has at most {MAX_QUERY_CHARS} characters.", code="query_too_long"
        )
    senders: list[str] = []
    chats: list[str] = []
    has_file = False
    words: list[str] = []
    for word in text.split():
        if word.lower() == "has:file":
            has_file = True
        elif not _filter(word, senders, chats):
            words.append(word)
    if len(words) > MAX_WORDS:
        raise InvalidInput(f"A search has at most {MAX_WORDS} words.", code="query_too_long")
    typing = bool(text) and not text[-1].isspace()
    clauses: list[Clause] = []
    for i, word in enumerate(words):
        prefix = typing and i == len(words) - 1
        clauses += (_clause(c, prefix) for c in chunks(word))
    return Query(tuple(clauses), tuple(senders), tuple(chats), has_file, tuple(words))
