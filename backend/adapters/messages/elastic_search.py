"""Search for the Elasticsearch message store: the normaliser's terms in whitespace-analysed fields.

The node built from Maven jars has no language or CJK analyzers, and the same hits as the SQLite
store are wanted anyway, so the document carries the domain's terms (`search_terms`, positional,
for phrases; `search_words`, for prefixes) and the built-in `whitespace` analyzer only splits them.
`text` keeps its own analysis for anyone querying the index by hand.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from backend.domain.ports import SearchRequest
from backend.domain.search.analysis import attachment_names, index_terms
from backend.domain.search.query import Clause

SEARCH_MAPPINGS: dict[str, Any] = {
    "search_terms": {"type": "text", "analyzer": "whitespace"},
    "search_words": {"type": "text", "analyzer": "whitespace"},
    "has_file": {"type": "boolean"},
}
NEWEST_FIRST: list[dict[str, Any]] = [
    {"created_at": "desc"},
    {"chat_id": "desc"},
    {"seq": "desc"},
]


def search_fields(text: str | None, attachments: Any, deleted: bool) -> dict[str, Any]:
    """The search fields of a message document (empty terms for a tombstone)."""
    if deleted:
        return {"search_terms": "", "search_words": "", "has_file": False}
    names = attachment_names(attachments or ())
    terms, words = index_terms(text, names)
    return {"search_terms": terms, "search_words": words, "has_file": bool(attachments)}


def with_search_fields(source: Mapping[str, Any]) -> dict[str, Any]:
    """A document copied by a reindex, its search fields computed by today's normaliser."""
    fields = search_fields(
        source.get("text"), source.get("attachments"), bool(source.get("deleted"))
    )
    return {**source, **fields}


def _clause(c: Clause) -> dict[str, Any]:
    should: list[dict[str, Any]] = []
    for t in c.exact:
        should += [{"term": {"search_terms": t}}, {"term": {"search_words": t}}]
    for p in c.phrases:
        kind = "match_phrase_prefix" if p.prefix else "match_phrase"
        should.append({kind: {"search_terms": {"query": " ".join(p.terms)}}})
    should += [{"prefix": {"search_words": {"value": p}}} for p in c.prefixes]
    return {"bool": {"should": should, "minimum_should_match": 1}}


def search_body(request: SearchRequest) -> dict[str, Any]:
    filters: list[dict[str, Any]] = [
        {"terms": {"chat_id": list(request.chat_ids)}},
        {"term": {"deleted": False}},
    ]
    if request.sender_ids:
        filters.append({"terms": {"sender_id": list(request.sender_ids)}})
    if request.query.has_file:
        filters.append({"term": {"has_file": True}})
    must = [_clause(c) for c in request.query.clauses]
    sort: list[Any] = ["_score", *NEWEST_FIRST] if request.relevance else list(NEWEST_FIRST)
    return {
        "query": {"bool": {"filter": filters, "must": must}},
        "sort": sort,
        "from_": request.offset,
        "size": request.limit,
        "source": False,
        "track_total_hits": False,
    }
