"""Events that leave a replica: what the bus carries and the WebSocket pushes.

An event has one routing key: `chat.<id>` for what every member of a chat sees, `user.<id>` for
what one user's devices see. Replicas bind the keys of their connected users, so they receive
nothing else.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class Event:
    key: str
    type: str
    body: dict[str, Any]

    def frame(self) -> dict[str, Any]:
        """The WebSocket frame: the wire type plus the body's fields."""
        return {"type": self.type, **self.body}


def chat_key(chat_id: str) -> str:
    return f"chat.{chat_id}"


def user_key(user_id: str) -> str:
    return f"user.{user_id}"


def to_chat(chat_id: str, type_: str, **body: Any) -> Event:
    return Event(chat_key(chat_id), type_, {"chat_id": chat_id, **body})


def to_user(user_id: str, type_: str, **body: Any) -> Event:
    return Event(user_key(user_id), type_, body)
