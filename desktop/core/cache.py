"""The local copy of the chat list and recent messages, for reading while the server is away.

One SQLite file per profile (beside the saved session), written on the way out and whenever the
chat list is fetched, read when a saved session starts and the server cannot be reached: the app
then shows what it had, says it is offline, and goes on trying. Rows are stored in the server's
own JSON shapes so that the `wire` parsers read them back; the cache belongs to one account on
one server and is ignored for any other (and removed at sign-out). Member listings are kept too
(user ids per chat), so an offline start still says "5 members" over a group.
"""

from __future__ import annotations

import contextlib
import json
import sqlite3
from collections.abc import Iterable
from datetime import datetime
from pathlib import Path

from desktop.core.timeline import Entry, Timeline
from desktop.core.wire import Chat, Message, User

RECENT = 50  # messages kept per chat
SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS chats (id TEXT PRIMARY KEY, body TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS messages (
    chat_id TEXT NOT NULL, seq INTEGER NOT NULL, body TEXT NOT NULL, PRIMARY KEY (chat_id, seq)
);
CREATE TABLE IF NOT EXISTS users (id TEXT PRIMARY KEY, body TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS members (
    chat_id TEXT NOT NULL, user_id TEXT NOT NULL, PRIMARY KEY (chat_id, user_id)
);
"""


def _time(t: datetime | None) -> str | None:
    return t.isoformat() if t is not None else None


def user_json(u: User) -> dict[str, object]:
    return {"id": u.id, "username": u.username, "display_name": u.display_name}


def message_json(m: Message) -> dict[str, object]:
    return {
        "id": m.id,
        "chat_id": m.chat_id,
        "seq": m.seq,
        "sender_id": m.sender_id,
        "text": m.text,
        "created_at": _time(m.created_at),
        "edited_at": _time(m.edited_at),
        "deleted": m.deleted,
        "client_msg_id": m.client_msg_id,
    }


def entry_message(e: Entry) -> Message | None:
    if e.seq is None:
        return None  # not stored yet: the offline queue keeps it, not the cache
    return Message(
        id=f"{e.chat_id}:{e.seq}",
        chat_id=e.chat_id,
        seq=e.seq,
        sender_id=e.sender_id,
        text=e.text,
        created_at=e.created_at,
        edited_at=e.created_at if e.edited else None,
        deleted=e.deleted,
        client_msg_id=e.client_msg_id,
    )


def chat_json(c: Chat) -> dict[str, object]:
    return {
        "id": c.id,
        "kind": c.kind,
        "title": c.title,
        "last_seq": c.last_seq,
        "unread": c.unread,
        "last_read_seq": c.last_read_seq,
        "created_at": _time(c.activity),
        "peer_id": c.peer_id,
        "last_message": message_json(c.last_message) if c.last_message else None,
    }


class Cache:
    """Opened per account; every method swallows nothing but a broken file (then it is empty)."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def _connect(self) -> sqlite3.Connection:
        self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        db = sqlite3.connect(self.path)
        db.executescript(SCHEMA)
        with contextlib.suppress(OSError):
            self.path.chmod(0o600)  # message text is private
        return db

    def save(
        self,
        owner: str,
        chats: Iterable[Chat],
        timelines: dict[str, Timeline],
        users: Iterable[User],
        members: dict[str, list[str]] | None = None,
    ) -> None:
        """Replace the cache with this snapshot of `owner`'s ("server|user id") chats; a chat
        without a listing in `members` keeps the one saved before."""
        with contextlib.closing(self._connect()) as db, db:
            db.execute("DELETE FROM chats")
            db.execute("DELETE FROM users")
            db.execute("INSERT OR REPLACE INTO meta VALUES ('owner', ?)", (owner,))
            chats = list(chats)
            db.executemany(
                "INSERT INTO chats VALUES (?, ?)", [(c.id, json.dumps(chat_json(c))) for c in chats]
            )
            db.executemany(
                "INSERT OR REPLACE INTO users VALUES (?, ?)",
                [(u.id, json.dumps(user_json(u))) for u in users],
            )
            for chat_id, tl in timelines.items():
                rows = [tl.row(i) for i in range(max(0, len(tl) - RECENT), len(tl))]
                kept = [m for e in rows if (m := entry_message(e)) is not None]
                if not kept:
                    continue
                db.execute("DELETE FROM messages WHERE chat_id = ?", (chat_id,))
                db.executemany(
                    "INSERT OR REPLACE INTO messages VALUES (?, ?, ?)",
                    [(m.chat_id, m.seq, json.dumps(message_json(m))) for m in kept],
                )
            ids = [c.id for c in chats]
            marks = ",".join("?" * len(ids))
            db.execute(f"DELETE FROM messages WHERE chat_id NOT IN ({marks})", ids)  # noqa: S608
            _save_members(db, ids, members or {})

    def load(self, owner: str) -> tuple[list[Chat], dict[str, list[Message]], list[User]]:
        """What was saved for `owner`; nothing if the file belongs to someone else."""
        if not self.path.exists():
            return [], {}, []
        try:
            with contextlib.closing(self._connect()) as db:
                row = db.execute("SELECT value FROM meta WHERE key = 'owner'").fetchone()
                if row is None or row[0] != owner:
                    return [], {}, []
                chats = [
                    Chat.from_json(json.loads(b)) for (b,) in db.execute("SELECT body FROM chats")
                ]
                messages: dict[str, list[Message]] = {}
                for (b,) in db.execute("SELECT body FROM messages ORDER BY chat_id, seq"):
                    m = Message.from_json(json.loads(b))
                    messages.setdefault(m.chat_id, []).append(m)
                users = [
                    User.from_json(json.loads(b)) for (b,) in db.execute("SELECT body FROM users")
                ]
        except (sqlite3.Error, ValueError, KeyError):
            return [], {}, []
        return chats, messages, users

    def load_members(self, owner: str) -> dict[str, list[str]]:
        """The member listings saved for `owner` (user ids per chat)."""
        if not self.path.exists():
            return {}
        try:
            with contextlib.closing(self._connect()) as db:
                row = db.execute("SELECT value FROM meta WHERE key = 'owner'").fetchone()
                if row is None or row[0] != owner:
                    return {}
                listings: dict[str, list[str]] = {}
                for chat_id, user_id in db.execute(
                    "SELECT chat_id, user_id FROM members ORDER BY chat_id, rowid"
                ):
                    listings.setdefault(str(chat_id), []).append(str(user_id))
        except sqlite3.Error:
            return {}
        return listings

    def clear(self) -> None:
        with contextlib.suppress(OSError):
            self.path.unlink()


def _save_members(
    db: sqlite3.Connection, chat_ids: list[str], members: dict[str, list[str]]
) -> None:
    marks = ",".join("?" * len(chat_ids))
    db.execute(f"DELETE FROM members WHERE chat_id NOT IN ({marks})", chat_ids)  # noqa: S608
    for chat_id, user_ids in members.items():
        if chat_id not in chat_ids:
            continue
        db.execute("DELETE FROM members WHERE chat_id = ?", (chat_id,))
        db.executemany(
            "INSERT OR IGNORE INTO members VALUES (?, ?)", [(chat_id, u) for u in user_ids]
        )
