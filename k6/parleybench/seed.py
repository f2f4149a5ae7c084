"""Users and chats for a run, made through the public API and handed to k6 as a JSON file.

Every user is a member of exactly one group chat (`chat_size` members, the first its owner), so a
message in a chat is expected once on each member's socket.
"""

from __future__ import annotations

import asyncio
import json
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

PASSWORD = "bench-" + secrets.token_hex(8)


@dataclass
class Seed:
    users: list[dict[str, Any]]
    chats: list[dict[str, Any]]
    password: str

    def write(self, path: Path) -> Path:
        path.write_text(
            json.dumps({"users": self.users, "chats": self.chats, "password": self.password})
        )
        path.chmod(0o600)
        return path


async def _register(http: httpx.AsyncClient, username: str) -> dict[str, Any]:
    body = {
        "username": username,
        "email": f"{username}@bench.invalid",
        "password": PASSWORD,
        "display_name": username,
    }
    r = await http.post("/auth/register", json=body)
    if r.status_code != 201:
        raise RuntimeError(f"register {username}: {r.status_code} {r.text[:200]}")
    r = await http.post("/auth/login", json={"login": username, "password": PASSWORD})
    if r.status_code != 200:
        raise RuntimeError(f"login {username}: {r.status_code} {r.text[:200]}")
    b = r.json()
    return {"id": b["user"]["id"], "username": username, "token": b["access_token"]}


async def seed(base_url: str, users: int, chat_size: int, concurrency: int = 8) -> Seed:
    """Register `users` users and put them into group chats of `chat_size`."""
    run = secrets.token_hex(3)
    sem = asyncio.Semaphore(concurrency)
    async with httpx.AsyncClient(base_url=f"{base_url}/api/v1", timeout=60.0) as http:

        async def one(i: int) -> dict[str, Any]:
            async with sem:
                return await _register(http, f"b{run}u{i}")

        made = list(await asyncio.gather(*(one(i) for i in range(users))))
        chats: list[dict[str, Any]] = []
        for start in range(0, users, chat_size):
            group = made[start : start + chat_size]
            owner = group[0]
            r = await http.post(
                "/chats",
                headers={"Authorization": f"Bearer {owner['token']}"},
                json={
                    "title": f"bench {start // chat_size}",
                    "member_ids": [u["id"] for u in group[1:]],
                },
            )
            if r.status_code != 201:
                raise RuntimeError(f"create chat: {r.status_code} {r.text[:200]}")
            index = len(chats)
            chats.append({"id": r.json()["chat"]["id"], "members": [u["id"] for u in group]})
            for u in group:
                u["chat"] = index
    return Seed(made, chats, PASSWORD)
