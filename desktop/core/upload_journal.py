"""Messages with files on their way, kept on disk so quitting mid-upload loses nothing: no Qt.

A message with files is written here (its `client_msg_id`, chat, text and file paths) before the
first byte goes up; each large file's upload session id is added once the server has opened it,
and each file's record once it is stored. At the next start the app reads what is left, goes on
with every upload from where the server says it stands, and sends the message under the same
`client_msg_id`, so the server never stores it twice. One SQLite file per profile, beside the
cache; entries belong to one account on one server (`owner`). Signing out wipes the file (its
rows name local paths and message texts), and a sign-in drops every other account's rows, so
one user never goes on with another's uploads on a shared profile. A message whose upload the
server refused (or whose file is gone) stays here with the reason, shown as failed at every start
until the user retries or discards it: its text is never lost unless the user says so.
A cancelled upload's session is kept here too (`cancels`) until the server has dropped it (204,
or 404: gone already), so a cancel the server kept failing is asked again at the next start.
"""

from __future__ import annotations

import contextlib
import json
import sqlite3
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from desktop.core.wire import JSON

SCHEMA = """
CREATE TABLE IF NOT EXISTS pending (
    client_msg_id TEXT PRIMARY KEY, owner TEXT NOT NULL, body TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS cancels (upload_id TEXT PRIMARY KEY, owner TEXT NOT NULL);
"""


@dataclass
class PendingFile:
    path: str
    upload_id: str = ""  # the server's resumable session, once it has one
    record: JSON | None = None  # the stored `file`, once it is up


@dataclass
class PendingMessage:
    client_msg_id: str
    chat_id: str
    text: str
    files: list[PendingFile] = field(default_factory=list)
    reply_to_seq: int | None = None  # the message it answers, so a resumed send still quotes it
    error: str = ""  # why the last try was refused; set, it waits for Retry or Discard


class UploadJournal:
    def __init__(self, path: Path) -> None:
        self._path = path

    def _connect(self) -> sqlite3.Connection:
        self._path.parent.mkdir(parents=True, exist_ok=True)
        db = sqlite3.connect(self._path)
        db.execute("PRAGMA secure_delete = ON")  # a deleted row's text does not linger on disk
        db.executescript(SCHEMA)
        return db

    def add(self, owner: str, message: PendingMessage) -> None:
        self._write(owner, message)

    def started(self, owner: str, client_msg_id: str, index: int, upload_id: str) -> None:
        self._change(owner, client_msg_id, index, upload_id=upload_id)

    def uploaded(self, owner: str, client_msg_id: str, index: int, record: JSON) -> None:
        self._change(owner, client_msg_id, index, record=record)

    def refused(self, owner: str, message: PendingMessage, error: str) -> None:
        message.error = error
        self._write(owner, message)

    def remove(self, client_msg_id: str) -> None:
        with contextlib.closing(self._connect()) as db, db:
            db.execute("DELETE FROM pending WHERE client_msg_id = ?", (client_msg_id,))

    def keep_only(self, owner: str) -> None:
        """A sign-in: another account's half-sent messages are never this one's to finish."""
        if self._path.exists():
            with contextlib.closing(self._connect()) as db, db:
                db.execute("DELETE FROM pending WHERE owner <> ?", (owner,))
                db.execute("DELETE FROM cancels WHERE owner <> ?", (owner,))

    def cancel_later(self, owner: str, upload_ids: list[str]) -> None:
        """The user cancelled these sessions: remembered until the server has dropped them."""
        with contextlib.closing(self._connect()) as db, db:
            db.executemany(
                "INSERT OR IGNORE INTO cancels (upload_id, owner) VALUES (?, ?)",
                [(u, owner) for u in upload_ids],
            )

    def cancelled(self, upload_id: str) -> None:
        """The server dropped the session (or had none left): nothing more to ask."""
        with contextlib.closing(self._connect()) as db, db:
            db.execute("DELETE FROM cancels WHERE upload_id = ?", (upload_id,))

    def cancels(self, owner: str) -> list[str]:
        """Sessions the user cancelled that the server may still hold."""
        return [str(r[0]) for r in self._rows("SELECT upload_id FROM cancels", owner)]

    def clear(self) -> None:
        """A sign-out: nothing of this profile's pending messages stays on disk."""
        for suffix in ("", "-journal", "-wal", "-shm"):
            self._path.with_name(self._path.name + suffix).unlink(missing_ok=True)

    def pending(self, owner: str) -> list[PendingMessage]:
        rows = self._rows("SELECT client_msg_id, body FROM pending", owner)
        return [_message(cid, json.loads(body)) for cid, body in rows]

    def _rows(self, select: str, owner: str) -> list[tuple[Any, ...]]:
        """`owner`'s rows of one table, oldest first (none before the file exists)."""
        if not self._path.exists():
            return []
        with contextlib.closing(self._connect()) as db:
            return db.execute(f"{select} WHERE owner = ? ORDER BY rowid", (owner,)).fetchall()

    def _change(self, owner: str, client_msg_id: str, index: int, **values: Any) -> None:
        found = next((m for m in self.pending(owner) if m.client_msg_id == client_msg_id), None)
        if found is None or index >= len(found.files):
            return  # removed meanwhile (sent, or cancelled)
        for name, value in values.items():
            setattr(found.files[index], name, value)
        self._write(owner, found)

    def _write(self, owner: str, m: PendingMessage) -> None:
        body = {
            "chat_id": m.chat_id,
            "text": m.text,
            "files": [
                {"path": f.path, "upload_id": f.upload_id, "record": f.record} for f in m.files
            ],
            "reply_to_seq": m.reply_to_seq,
            "error": m.error,
        }
        with contextlib.closing(self._connect()) as db, db:
            db.execute(
                "INSERT INTO pending (client_msg_id, owner, body) VALUES (?, ?, ?)"
                " ON CONFLICT (client_msg_id) DO UPDATE SET body = excluded.body",
                (m.client_msg_id, owner, json.dumps(body)),
            )


def _message(client_msg_id: str, body: dict[str, Any]) -> PendingMessage:
    files = [
        PendingFile(str(f["path"]), str(f.get("upload_id") or ""), f.get("record"))
        for f in body.get("files", [])
    ]
    reply = body.get("reply_to_seq")
    reply_to_seq = reply if isinstance(reply, int) and not isinstance(reply, bool) else None
    return PendingMessage(
        client_msg_id,
        str(body["chat_id"]),
        str(body["text"]),
        files,
        reply_to_seq,
        str(body.get("error") or ""),
    )
