"""Use cases in-process: the composition root's own container on the embedded engines (SQLite,
the in-process bus and presence, a local blob directory), no server process and no socket.

`pair` is the one two-user fixture: Alice and Bob, registered through the auth service, with a
group chat of both.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from backend.bootstrap import Container, build
from backend.config import Settings
from backend.domain.events import Event, chat_key, user_key
from backend.domain.models import User

PASSWORD = "correct horse battery staple"


@dataclass
class Pair:
    app: Container
    alice: User
    bob: User
    chat_id: str
    # what the bus delivered on this replica, as JSON bodies (the socket's view)
    seen: list[Event] = field(default_factory=list)

    def types(self) -> list[str]:
        return [e.type for e in self.seen]


@pytest.fixture
async def app(tmp_path: Path) -> AsyncIterator[Container]:
    container = await build(Settings(data_dir=tmp_path))
    try:
        yield container
    finally:
        await container.close()


async def _register(app: Container, name: str) -> User:
    return await app.auth.register(
        name, f"{name}@example.org", PASSWORD, name.capitalize(), "127.0.0.1"
    )


@pytest.fixture
async def pair(app: Container) -> Pair:
    alice, bob = await _register(app, "alice"), await _register(app, "bob")
    view = await app.chats.create_group(alice.id, "plans", [bob.id])
    found = Pair(app, alice, bob, view.summary.chat.id)

    async def record(event: Event) -> None:
        found.seen.append(event)

    app.bus.on_event(record)
    await app.bus.bind([chat_key(found.chat_id), user_key(bob.id)])
    return found
