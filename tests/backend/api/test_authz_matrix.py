"""Every chat and message operation × {owner, admin, member, non-member, removed member}.

Each cell runs on a chat of its own (so no cell's change leaks into another) and is compared
with what the contract promises: members act within their role, everyone else gets 404."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import httpx
import pytest

from tests.support.client import Api, Socket, User
from tests.support.server import ServerProcess

ROLES = ["owner", "admin", "member", "non-member", "removed"]


@dataclass
class Cast:
    owner: User
    admin: User
    member: User
    removed: User
    outsider: User
    victim: User
    newcomer: User

    def actor(self, role: str) -> User:
        return {
            "owner": self.owner,
            "admin": self.admin,
            "member": self.member,
            "non-member": self.outsider,
            "removed": self.removed,
        }[role]


@dataclass
class Scene:
    chat: str
    seq: int  # a message the owner sent


async def stage(api: Api, cast: Cast) -> Scene:
    chat = await api.group(cast.owner, cast.admin, cast.member, cast.removed, cast.victim)
    r = await api.http.patch(
        f"/chats/{chat}/members/{cast.admin.id}", headers=cast.owner.auth, json={"role": "admin"}
    )
    assert r.status_code == 200
    r = await api.http.delete(f"/chats/{chat}/members/{cast.removed.id}", headers=cast.owner.auth)
    assert r.status_code == 204
    r = await api.send(cast.owner, chat, "the owner's message")
    return Scene(chat, r.json()["message"]["seq"])


Op = Callable[[Api, Cast, Scene, User], Awaitable[httpx.Response]]

OPS: dict[str, Op] = {
    "get chat": lambda api, c, s, u: api.http.get(f"/chats/{s.chat}", headers=u.auth),
    "list members": lambda api, c, s, u: api.http.get(f"/chats/{s.chat}/members", headers=u.auth),
    "add member": lambda api, c, s, u: api.http.post(
        f"/chats/{s.chat}/members", headers=u.auth, json={"username": c.newcomer.username}
    ),
    "make admin": lambda api, c, s, u: api.http.patch(
        f"/chats/{s.chat}/members/{c.victim.id}", headers=u.auth, json={"role": "admin"}
    ),
    "remove member": lambda api, c, s, u: api.http.delete(
        f"/chats/{s.chat}/members/{c.victim.id}", headers=u.auth
    ),
    "history": lambda api, c, s, u: api.history(u, s.chat),
    "send": lambda api, c, s, u: api.send(u, s.chat, "hello"),
    "edit owner's message": lambda api, c, s, u: api.http.patch(
        f"/chats/{s.chat}/messages/{s.seq}", headers=u.auth, json={"text": "changed"}
    ),
    "delete owner's message": lambda api, c, s, u: api.http.delete(
        f"/chats/{s.chat}/messages/{s.seq}", headers=u.auth
    ),
    "mark read": lambda api, c, s, u: api.http.post(
        f"/chats/{s.chat}/read", headers=u.auth, json={"seq": s.seq}
    ),
    "react": lambda api, c, s, u: api.http.put(
        f"/chats/{s.chat}/messages/{s.seq}/reactions/%F0%9F%91%8D", headers=u.auth
    ),
}

NF = (404, "chat_not_found")
EXPECTED: dict[str, dict[str, tuple[int, str | None]]] = {
    "owner": {op: (200, None) for op in OPS}
    | {"add member": (201, None), "remove member": (204, None), "send": (201, None)},
    "admin": {
        "get chat": (200, None),
        "list members": (200, None),
        "add member": (201, None),
        "make admin": (403, "not_owner"),
        "remove member": (204, None),
        "history": (200, None),
        "send": (201, None),
        "edit owner's message": (403, "not_sender"),
        "delete owner's message": (403, "not_sender"),
        "mark read": (200, None),
        "react": (200, None),
    },
    "member": {
        "get chat": (200, None),
        "list members": (200, None),
        "add member": (201, None),
        "make admin": (403, "not_owner"),
        "remove member": (403, "not_admin"),
        "history": (200, None),
        "send": (201, None),
        "edit owner's message": (403, "not_sender"),
        "delete owner's message": (403, "not_sender"),
        "mark read": (200, None),
        "react": (200, None),
    },
    "non-member": {op: NF for op in OPS},
    "removed": {op: NF for op in OPS},
}


@pytest.fixture
async def cast(api: Api) -> Cast:
    return Cast(*[await api.user() for _ in range(7)])


@pytest.mark.parametrize("role", ROLES)
async def test_rest_operations_by_role(api: Api, cast: Cast, role: str) -> None:
    actor = cast.actor(role)
    wrong = []
    for name, op in OPS.items():
        scene = await stage(api, cast)
        r = await op(api, cast, scene, actor)
        status, code = EXPECTED[role][name]
        got_code = r.json().get("code") if r.status_code >= 400 else None
        if r.status_code != status or (code is not None and got_code != code):
            wrong.append((name, r.status_code, got_code))
    assert wrong == [], f"{role}: unexpected outcomes"


@pytest.mark.parametrize("role", ROLES)
async def test_socket_operations_by_role(
    api: Api, server: ServerProcess, cast: Cast, role: str
) -> None:
    actor = cast.actor(role)
    scene = await stage(api, cast)
    sock = await Socket.connect(server.ws_url, actor.access_token)
    try:
        cid = uuid.uuid4().hex
        await sock.send(
            {"type": "message.send", "chat_id": scene.chat, "client_msg_id": cid, "text": "hi"}
        )
        await sock.send({"type": "resume", "chats": [{"chat_id": scene.chat, "last_seq": 0}]})
        resumed = await sock.next("resumed")
        if role in ("non-member", "removed"):
            error = await sock.next("error", client_msg_id=cid)
            assert error["code"] == "chat_not_found"
            assert resumed["chats"] == []
            assert not sock.of("message.created", scene.chat)
            assert scene.chat not in {c["chat_id"] for c in sock.ready["chats"]}
        else:
            await sock.next("message.ack", client_msg_id=cid)
            assert [c["chat_id"] for c in resumed["chats"]] == [scene.chat]
    finally:
        await sock.close()
