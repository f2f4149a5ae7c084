"""Where a query matched, as offsets into the original text (code points), computed here in
Python from the same analysis the engines indexed, so both engines highlight the same spans."""

from __future__ import annotations

from backend.domain.search.analysis import Term, chunks
from backend.domain.search.query import Clause, Phrase, Query


def _phrase_spans(stream: list[Term], phrase: Phrase) -> list[tuple[int, int]]:
    n = len(phrase.terms)
    found: list[tuple[int, int]] = []
    for i in range(len(stream) - n + 1):
        window = stream[i : i + n]
        heads = all(t.text == p for t, p in zip(window[:-1], phrase.terms[:-1], strict=True))
        last, want = window[-1].text, phrase.terms[-1]
        if heads and (last.startswith(want) if phrase.prefix else last == want):
            found.append((window[0].start, window[-1].end))
    return found


def _clause_spans(stream: list[Term], words: list[Term], c: Clause) -> list[tuple[int, int]]:
    spans = [(t.start, t.end) for t in (*stream, *words) if t.text in c.exact]
    spans += [(t.start, t.end) for t in words if any(t.text.startswith(p) for p in c.prefixes)]
    for phrase in c.phrases:
        spans += _phrase_spans(stream, phrase)
    return spans


def _merge(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    merged: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def highlights(text: str | None, query: Query) -> list[tuple[int, int]]:
    """Sorted, non-overlapping `[start, end)` spans of `text` that matched a word of `query`."""
    if not text:
        return []
    stream: list[Term] = []
    words: list[Term] = []
    for c in chunks(text):
        stream += c.stream
        words += c.words
    spans: list[tuple[int, int]] = []
    for clause in query.clauses:
        spans += _clause_spans(stream, words, clause)
    return _merge(spans)
