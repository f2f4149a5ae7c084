"""Search for the SQL message store on MySQL/MariaDB: a postings table over the normaliser's terms.

InnoDB's FULLTEXT would not give the hits SQLite and Elasticsearch give (it drops tokens under 3
characters and a stop-word list with "what" and "to" in it, both server-wide settings), so each
term is a row `(message_id, chat_id, col, pos, term)` compared byte for byte (`utf8mb4_bin`):
exact terms by index, phrases as consecutive `pos` in the stream (`col` 0), prefixes with `LIKE`
on the words (`col` 1). Relevance is the number of matching postings (no BM25 here), ties newest
first. Production deployments keep messages in Elasticsearch; this serves a MySQL-only setup.
"""

# ruff: noqa: S608  # only placeholders and our own constants are formatted into the SQL
from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from backend.domain.models import Message
from backend.domain.ports import SearchRequest
from backend.domain.search.analysis import index_terms
from backend.domain.search.query import Clause, Phrase

STREAM, WORDS = 0, 1


async def replace_postings(conn: Any, messages: Sequence[Message]) -> None:
    """Inside the write transaction: the postings of `messages` replace their old ones."""
    ids = [m.id for m in messages]
    marks = ",".join(["%s"] * len(ids))
    await conn.execute_query(f"DELETE FROM message_postings WHERE message_id IN ({marks})", ids)
    rows: list[tuple[str, str, int, int, str]] = []
    for m in messages:
        if m.deleted:
            continue
        terms, words = index_terms(m.text, [a.name for a in m.attachments])
        for col, text in ((STREAM, terms), (WORDS, words)):
            rows += [(m.id, m.chat_id, col, i, t) for i, t in enumerate(text.split())]
    if rows:
        await conn.execute_many(
            "INSERT INTO message_postings (message_id, chat_id, col, pos, term) "
            "VALUES (%s, %s, %s, %s, %s)",
            rows,
        )


def _like(prefix: str) -> str:
    return prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def _phrase(p: Phrase, params: list[Any]) -> str:
    joins = "".join(
        f" JOIN message_postings p{i} ON p{i}.message_id = p0.message_id"
        f" AND p{i}.col = {STREAM} AND p{i}.pos = p0.pos + {i}"
        for i in range(1, len(p.terms))
    )
    tests = []
    for i, t in enumerate(p.terms):
        last = i == len(p.terms) - 1
        tests.append(f"p{i}.term LIKE %s" if last and p.prefix else f"p{i}.term = %s")
        params.append(_like(t) if last and p.prefix else t)
    return (
        f"EXISTS (SELECT 1 FROM message_postings p0{joins} WHERE p0.message_id = m.id"
        f" AND p0.col = {STREAM} AND {' AND '.join(tests)})"
    )


def _clause(c: Clause, params: list[Any]) -> str:
    options: list[str] = []
    if c.exact:
        marks = ",".join(["%s"] * len(c.exact))
        options.append(
            "EXISTS (SELECT 1 FROM message_postings p WHERE p.message_id = m.id"
            f" AND p.term IN ({marks}))"
        )
        params += c.exact
    options += [_phrase(p, params) for p in c.phrases]
    for prefix in c.prefixes:
        options.append(
            "EXISTS (SELECT 1 FROM message_postings p WHERE p.message_id = m.id"
            f" AND p.col = {WORDS} AND p.term LIKE %s)"
        )
        params.append(_like(prefix))
    return "(" + " OR ".join(options) + ")"


def _score(request: SearchRequest, params: list[Any]) -> str:
    terms = sorted(
        {
            t
            for c in request.query.clauses
            for t in (*c.exact, *(x for p in c.phrases for x in p.terms))
        }
    )
    if not terms:
        return "0"
    params += terms
    marks = ",".join(["%s"] * len(terms))
    return (
        "(SELECT COUNT(*) FROM message_postings s WHERE s.message_id = m.id"
        f" AND s.term IN ({marks}))"
    )


def search_sql(request: SearchRequest) -> tuple[str, list[Any]]:
    where_params: list[Any] = [*request.chat_ids]
    where = [f"m.chat_id IN ({','.join(['%s'] * len(request.chat_ids))})", "m.deleted = 0"]
    if request.sender_ids:
        where.append(f"m.sender_id IN ({','.join(['%s'] * len(request.sender_ids))})")
        where_params += request.sender_ids
    if request.query.has_file:
        where.append("JSON_LENGTH(m.attachments) > 0")
    where += [_clause(c, where_params) for c in request.query.clauses]
    order = "m.created_at DESC, m.chat_id DESC, m.seq DESC"
    score_params: list[Any] = []
    if request.relevance:
        order = f"{_score(request, score_params)} DESC, {order}"
    sql = (
        f"SELECT m.id AS id FROM messages m WHERE {' AND '.join(where)} "
        f"ORDER BY {order} LIMIT %s OFFSET %s"
    )
    return sql, [*where_params, *score_params, request.limit, request.offset]
