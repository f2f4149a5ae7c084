"""A chat log seeded the same way for the unit tests on SQLite and the integration tests on
MariaDB: one user, Alice, who owns every chat named, so the tests differ only in the database."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from backend.adapters.db.chats import SqlChatRepo
from backend.adapters.db.users import SqlUserRepo
from backend.domain.models import Chat, ChatKind, Member, Role, User

NOW = datetime(2026, 12, 1, tzinfo=UTC)


async def seed_chats(chat_ids: Sequence[str]) -> SqlChatRepo:
    """Alice and her group chats, in the database opened last."""
    repo = SqlChatRepo()
    await SqlUserRepo().create(User("u-alice", "alice", "alice@example.org", "Alice", NOW))
    for chat_id in chat_ids:
        chat = Chat(chat_id, ChatKind.GROUP, chat_id, NOW, 0, 0)
        await repo.create(chat, [Member(chat_id, "u-alice", Role.OWNER, NOW, 0)])
    return repo
