"""Search for the embedded SQL message store: SQLite FTS5 over the normaliser's terms.

The terms of a message are replaced in the transaction that writes the message row, so an edit or
a deletion is reflected in the very commit that makes it visible. FTS5 matches the domain's query
model directly: exact terms in either column, phrases (adjacent terms) in the stream, prefixes in
the words. On MySQL/MariaDB the same query model runs over a postings table (`mysql_search`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from tortoise import connections

from backend.adapters.messages.mysql_search import replace_postings, search_sql
from backend.domain.models import Message
from backend.domain.ports import SearchRequest
from backend.domain.search.analysis import index_terms
from backend.domain.search.query import Clause


def is_sqlite(conn: Any) -> bool:
    return bool(conn.capabilities.dialect == "sqlite")


async def replace_terms(conn: Any, messages: Sequence[Message]) -> None:
    """Inside the write transaction: the terms of `messages` (latest states) replace the old."""
    if not messages:
        return
    if not is_sqlite(conn):
        await replace_postings(conn, messages)
        return
    ids = [m.id for m in messages]
    marks = ",".join("?" * len(ids))
    await conn.execute_query(f"DELETE FROM message_terms WHERE message_id IN ({marks})", ids)  # noqa: S608
    for m in messages:
        if m.deleted:
            continue
        terms, words = index_terms(m.text, [a.name for a in m.attachments])
        if terms or words:
            await conn.execute_query(
                "INSERT INTO message_terms (message_id, chat, terms, words) VALUES (?, ?, ?, ?)",
                [m.id, m.chat_id, terms, words],
            )


def _quoted(term: str) -> str:
    return '"' + term.replace('"', '""') + '"'


def _clause(c: Clause) -> str:
    options = [f"{{terms words}} : {_quoted(t)}" for t in c.exact]
    for p in c.phrases:
        body = " + ".join(_quoted(t) for t in p.terms) + (" *" if p.prefix else "")
        options.append(f"terms : ({body})")
    options += [f"words : {_quoted(p)} *" for p in c.prefixes]
    return "(" + " OR ".join(options) + ")"


def match_expression(request: SearchRequest) -> str:
    chats = "chat : (" + " OR ".join(_quoted(c) for c in request.chat_ids) + ")"
    return " AND ".join([chats, *(_clause(c) for c in request.query.clauses)])


async def search_ids(request: SearchRequest) -> list[str]:
    """The ids of one page of hits, in order."""
    conn = connections.get("default")
    if not request.chat_ids:
        return []
    if not is_sqlite(conn):
        sql, values = search_sql(request)
        return [str(r["id"]) for r in await conn.execute_query_dict(sql, values)]
    params: list[Any] = []
    where = [f"m.chat_id IN ({','.join('?' * len(request.chat_ids))})", "m.deleted = 0"]
    params += request.chat_ids
    if request.sender_ids:
        where.append(f"m.sender_id IN ({','.join('?' * len(request.sender_ids))})")
        params += request.sender_ids
    if request.query.has_file:
        where.append("m.attachments != '[]'")
    order = "m.created_at DESC, m.chat_id DESC, m.seq DESC"
    if request.query.clauses:
        source = (
            "message_search JOIN message_terms t ON t.rid = message_search.rowid "
            "JOIN messages m ON m.id = t.message_id"
        )
        where.insert(0, "message_search MATCH ?")
        params.insert(0, match_expression(request))
        if request.relevance:
            order = "bm25(message_search), " + order
    else:
        source = "messages m"
    sql = (
        f"SELECT m.id AS id FROM {source} WHERE {' AND '.join(where)} "  # noqa: S608
        f"ORDER BY {order} LIMIT ? OFFSET ?"
    )
    rows = await conn.execute_query_dict(sql, [*params, request.limit, request.offset])
    return [str(r["id"]) for r in rows]
