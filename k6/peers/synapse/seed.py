"""The bench's users and chats on Synapse: users through the shared-secret admin API, one room
per chat (created by its first member, who invites the rest; each invitee joins)."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import secrets
from dataclasses import dataclass

import httpx

CLIENT = "/_matrix/client/v3"


@dataclass
class Member:
    user_id: str
    token: str
    room_id: str = ""

    @property
    def auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


def registration_mac(secret: str, nonce: str, user: str, password: str) -> str:
    """The HMAC-SHA1 the admin register endpoint checks (Synapse's documented construction)."""
    msg = b"\x00".join(x.encode() for x in (nonce, user, password, "notadmin"))
    return hmac.new(secret.encode(), msg, hashlib.sha1).hexdigest()


async def register(http: httpx.AsyncClient, secret: str, username: str) -> Member:
    url = "/_synapse/admin/v1/register"
    nonce = (await http.get(url)).raise_for_status().json()["nonce"]
    password = secrets.token_urlsafe(16)
    body = {
        "nonce": nonce,
        "username": username,
        "password": password,
        "admin": False,
        "mac": registration_mac(secret, nonce, username, password),
    }
    made = (await http.post(url, json=body)).raise_for_status().json()
    return Member(made["user_id"], made["access_token"])


async def make_room(http: httpx.AsyncClient, members: list[Member]) -> None:
    owner, rest = members[0], members[1:]
    body = {"preset": "private_chat", "invite": [m.user_id for m in rest], "is_direct": False}
    made = await http.post(f"{CLIENT}/createRoom", json=body, headers=owner.auth)
    room_id: str = made.raise_for_status().json()["room_id"]
    for m in members:
        m.room_id = room_id
    for m in rest:  # one at a time: concurrent joins to one room only contend on its lock
        (await http.post(f"{CLIENT}/join/{room_id}", headers=m.auth)).raise_for_status()


async def seed(
    http: httpx.AsyncClient, secret: str, users: int, chat_size: int, concurrency: int = 8
) -> list[Member]:
    """Registered with bounded concurrency: each registration is a bcrypt hash on shared cores."""
    gate = asyncio.Semaphore(concurrency)
    run = secrets.token_hex(3)

    async def one(i: int) -> Member:
        async with gate:
            return await register(http, secret, f"bench{run}u{i}")

    made = await asyncio.gather(*(one(i) for i in range(users)))
    groups = [made[i : i + chat_size] for i in range(0, users, chat_size)]
    await asyncio.gather(*(make_room(http, g) for g in groups if len(g) > 1))
    return [m for m in made if m.room_id]
