"""Search terms for the embedded SQL message store: a terms table and an SQLite FTS5 index over it.

The terms come from the domain's normaliser (backend/domain/search), space-separated; the FTS5
tokenizer only splits them on spaces again (`unicode61` with the compound connectors declared as
token characters and marks kept), so it indexes exactly the terms the normaliser produced. The
chat id is indexed too, so a search intersects with the caller's chats inside the index instead
of joining every hit of a common word across all chats.
On MySQL/MariaDB it creates a postings table instead (see backend/adapters/messages/mysql_search.py).
"""

import json
from typing import Any

from tortoise import migrations
from tortoise.migrations import operations as ops

from backend.domain.search.analysis import attachment_names, index_terms

SQLITE = """
CREATE TABLE IF NOT EXISTS message_terms (
    rid INTEGER PRIMARY KEY,
    message_id VARCHAR(48) NOT NULL UNIQUE,
    chat TEXT NOT NULL,
    terms TEXT NOT NULL,
    words TEXT NOT NULL
);
CREATE VIRTUAL TABLE IF NOT EXISTS message_search USING fts5(
    terms, words, chat, content='message_terms', content_rowid='rid',
    tokenize="unicode61 remove_diacritics 0 categories 'L* N* Co M*' tokenchars '_-.@/:'"
);
CREATE TRIGGER IF NOT EXISTS message_terms_ai AFTER INSERT ON message_terms BEGIN
    INSERT INTO message_search(rowid, terms, words, chat)
        VALUES (new.rid, new.terms, new.words, new.chat);
END;
CREATE TRIGGER IF NOT EXISTS message_terms_ad AFTER DELETE ON message_terms BEGIN
    INSERT INTO message_search(message_search, rowid, terms, words, chat)
        VALUES ('delete', old.rid, old.terms, old.words, old.chat);
END;
"""

SQLITE_DOWN = """
DROP TRIGGER IF EXISTS message_terms_ad;
DROP TRIGGER IF EXISTS message_terms_ai;
DROP TABLE IF EXISTS message_search;
DROP TABLE IF EXISTS message_terms;
"""


MYSQL = """
CREATE TABLE IF NOT EXISTS message_postings (
    message_id VARCHAR(48) NOT NULL,
    chat_id VARCHAR(32) NOT NULL,
    col TINYINT NOT NULL,
    pos INT NOT NULL,
    term VARCHAR(100) NOT NULL,
    PRIMARY KEY (message_id, col, pos),
    KEY postings_term (term, chat_id, message_id)
) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin
"""


async def forward(apps: Any, schema_editor: Any) -> None:
    if schema_editor.DIALECT == "sqlite":
        await schema_editor.client.execute_script(SQLITE)
        await _backfill(schema_editor.client)
    elif schema_editor.DIALECT == "mysql":
        await schema_editor.client.execute_script(MYSQL)


async def _backfill(client: Any) -> None:
    """Messages stored before search existed get their terms now (once, on upgrade)."""
    rows = await client.execute_query_dict(
        "SELECT id, chat_id, text, attachments FROM messages WHERE deleted = 0"
    )
    for row in rows:
        attachments = json.loads(row["attachments"] or "[]")
        terms, words = index_terms(row["text"], attachment_names(attachments))
        if terms or words:
            await client.execute_query(
                "INSERT OR REPLACE INTO message_terms (message_id, chat, terms, words) "
                "VALUES (?, ?, ?, ?)",
                [row["id"], row["chat_id"], terms, words],
            )


async def backward(apps: Any, schema_editor: Any) -> None:
    if schema_editor.DIALECT == "sqlite":
        await schema_editor.client.execute_script(SQLITE_DOWN)
    elif schema_editor.DIALECT == "mysql":
        await schema_editor.client.execute_script("DROP TABLE IF EXISTS message_postings")


class Migration(migrations.Migration):
    dependencies = [("parley", "0003_files")]

    operations = [ops.RunPython(forward, backward)]
