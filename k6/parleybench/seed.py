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


# The group size a chat is created with at most (backend MAX_GROUP_MEMBERS); a bigger room gets
# the rest through "add a member", one request each.
CREATE_AT_MOST = 1000


async def seed_room(base_url: str, members: int, concurrency: int = 16) -> Seed:
    """Register `members` users, all in one group chat (the big room), the first its owner."""
    run = secrets.token_hex(3)
    sem = asyncio.Semaphore(concurrency)
    async with httpx.AsyncClient(base_url=f"{base_url}/api/v1", timeout=120.0) as http:

        async def one(i: int) -> dict[str, Any]:
            async with sem:
                return await _register(http, f"r{run}u{i}")

        made = list(await asyncio.gather(*(one(i) for i in range(members))))
        owner = {"Authorization": f"Bearer {made[0]['token']}"}
        first = [u["id"] for u in made[1:CREATE_AT_MOST]]
        r = await http.post(
            "/chats", headers=owner, json={"title": "big room", "member_ids": first}
        )
        if r.status_code != 201:
            raise RuntimeError(f"create room: {r.status_code} {r.text[:200]}")
        chat_id = r.json()["chat"]["id"]

        async def add(u: dict[str, Any]) -> None:
            async with sem:
                a = await http.post(
                    f"/chats/{chat_id}/members", headers=owner, json={"user_id": u["id"]}
                )
                if a.status_code != 201:
                    raise RuntimeError(f"add member: {a.status_code} {a.text[:200]}")

        await asyncio.gather(*(add(u) for u in made[CREATE_AT_MOST:]))
        for u in made:
            u["chat"] = 0
    return Seed(made, [{"id": chat_id, "members": [u["id"] for u in made]}], PASSWORD)
