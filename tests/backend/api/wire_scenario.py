"""One scripted conversation over REST and the socket, keeping every answer as the raw text the
server sent: the input of the byte-for-byte wire comparison (test_wire_golden.py).

Three users register, talk in a group and a direct chat, edit, delete, attach files (in one
request and resumably), call, search, read, and come back on a socket that resumes. Every
response body and socket frame is kept under a name, in the order the script makes them, so the
normaliser numbers the volatile ids the same way on every run.
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass, field
from typing import Any

import httpx
import websockets
from websockets.asyncio.client import ClientConnection

from tests.backend.api.test_files import png

PASSWORD = "correct horse 1"


@dataclass
class RawSocket:
    """A signed-in socket that keeps every frame as received text, and its parsed form."""

    ws: ClientConnection
    raw: list[str] = field(default_factory=list)
    _reader: asyncio.Task[None] | None = None
    _arrived: asyncio.Event = field(default_factory=asyncio.Event)

    @classmethod
    async def connect(cls, url: str, token: str, resume: list[Any] | None = None) -> RawSocket:
        sock = cls(await websockets.connect(url, open_timeout=10, max_size=2**22))
        auth: dict[str, Any] = {"type": "auth", "token": token}
        if resume is not None:
            auth["chats"] = resume
        await sock.ws.send(json.dumps(auth))
        sock._reader = asyncio.create_task(sock._read())
        return sock

    async def _read(self) -> None:
        try:
            async for text in self.ws:
                self.raw.append(str(text))
                self._arrived.set()
        except websockets.ConnectionClosed:
            pass
        finally:
            self._arrived.set()

    async def send(self, frame: dict[str, Any]) -> None:
        await self.ws.send(json.dumps(frame))

    def _find(self, kind: str, match: dict[str, Any]) -> str | None:
        for text in self.raw:
            f = json.loads(text)
            if f.get("type") == kind and all(f.get(k) == v for k, v in match.items()):
                return text
        return None

    async def frame(self, kind: str, **match: Any) -> str:
        """The first frame of `kind` whose fields include `match`, as the server sent it."""

        async def wait() -> str:
            while (found := self._find(kind, match)) is None:
                assert self._reader is not None and not self._reader.done(), "socket closed"
                self._arrived.clear()
                await self._arrived.wait()
            return found

        try:
            return await asyncio.wait_for(wait(), 10)
        except TimeoutError:
            raise AssertionError(f"no {kind} {match}; last frames: {self.raw[-5:]}") from None

    async def close(self) -> None:
        await self.ws.close()
        if self._reader is not None:
            await asyncio.gather(self._reader, return_exceptions=True)


class Script:
    """The conversation; `shapes` maps each shape's name to its raw text, in capture order."""

    def __init__(self, http: httpx.AsyncClient, ws_url: str) -> None:
        self.http, self.ws_url = http, ws_url
        self.shapes: dict[str, str] = {}

    def keep(self, name: str, text: str) -> Any:
        assert name not in self.shapes, name
        self.shapes[name] = text
        return json.loads(text) if text else None

    async def call(
        self, name: str, method: str, path: str, status: int, token: str = "", **kw: Any
    ) -> Any:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        r = await self.http.request(method, path, headers=headers, **kw)
        assert r.status_code == status, (name, r.status_code, r.text)
        return self.keep(name, r.text)

    async def account(self, name: str) -> dict[str, Any]:
        body = {"username": name, "email": f"{name}@example.org", "password": PASSWORD}
        await self.call(f"register_{name}", "POST", "/auth/register", 201, json=body)
        login = {"login": name, "password": PASSWORD, "device_name": "golden"}
        signed: dict[str, Any] = await self.call(
            f"login_{name}", "POST", "/auth/login", 200, json=login
        )
        return signed

    async def run(self) -> None:
        a = await self.account("alice")
        b = await self.account("bob")
        c = await self.account("carol")
        ta, tb = str(a["access_token"]), str(b["access_token"])
        await self._profile(a)
        chat = await self.call(
            "chat_created", "POST", "/chats", 201, ta,
            json={"title": "Team", "member_ids": [b["user"]["id"]]},
        )  # fmt: skip
        chat_id = str(chat["chat"]["id"])
        bob = await RawSocket.connect(self.ws_url, tb)
        self.keep("ws_ready", await bob.frame("ready"))
        alice = await RawSocket.connect(self.ws_url, ta)
        await alice.frame("ready")
        await self._messages(chat_id, ta, alice, bob)
        await self._members(chat_id, ta, tb, str(c["user"]["id"]), bob)
        direct_id = await self._direct(ta, str(b["user"]["id"]))
        self.keep("ws_chat_created", await bob.frame("chat.created", chat_id=direct_id))
        seq = await self._files(chat_id, ta, bob)
        await self._calls(direct_id, ta, bob)
        await self._reading(chat_id, seq, ta, tb, alice)
        await self._resume(chat_id, seq, ta, tb, bob)
        await alice.close()

    async def _profile(self, a: dict[str, Any]) -> None:
        ta = str(a["access_token"])
        await self.call(
            "refreshed", "POST", "/auth/refresh", 200,
            json={"refresh_token": a["refresh_token"]},
        )  # fmt: skip
        await self.call("me", "GET", "/me", 200, ta)
        await self.call("me_patched", "PATCH", "/me", 200, ta, json={"display_name": "Alice A."})
        await self.call("users", "GET", "/users", 200, ta, params={"query": "bo"})
        await self.call("sessions", "GET", "/me/sessions", 200, ta)
        await self.call("problem_404", "GET", "/chats/999999999", 404, ta)
        await self.call("problem_422", "POST", "/chats", 422, ta, json={"title": ""})
        await self.call("problem_401", "GET", "/me", 401)

    async def _messages(self, chat_id: str, ta: str, alice: RawSocket, bob: RawSocket) -> None:
        path = f"/chats/{chat_id}/messages"
        await self.call(
            "message_sent", "POST", path, 201, ta, json={"client_msg_id": "c1", "text": "hello"}
        )
        self.keep("ws_message_created", await bob.frame("message.created", seq=1))
        await alice.send(
            {"type": "message.send", "chat_id": chat_id, "client_msg_id": "c2", "text": "again"}
        )
        self.keep("ws_ack", await alice.frame("message.ack", client_msg_id="c2"))
        await self.call("message_edited", "PATCH", f"{path}/1", 200, ta, json={"text": "hello!"})
        self.keep("ws_message_updated", await bob.frame("message.updated"))
        await self.call("message_deleted", "DELETE", f"{path}/2", 200, ta)
        self.keep("ws_message_deleted", await bob.frame("message.deleted"))
        await alice.send({"type": "typing", "chat_id": chat_id})
        self.keep("ws_typing", await bob.frame("typing"))
        await self.call("history", "GET", path, 200, ta)
        await self.call("history_before", "GET", path, 200, ta, params={"before": 2, "limit": 1})

    async def _members(self, chat_id: str, ta: str, tb: str, carol: str, bob: RawSocket) -> None:
        path = f"/chats/{chat_id}/members"
        await self.call("member_added", "POST", path, 201, ta, json={"username": "carol"})
        self.keep("ws_member_added", await bob.frame("member.added", user_id=carol))
        await self.call("member_role", "PATCH", f"{path}/{carol}", 200, ta, json={"role": "admin"})
        self.keep("ws_member_updated", await bob.frame("member.updated", user_id=carol))
        await self.call("members", "GET", path, 200, tb)
        await self.call("member_removed", "DELETE", f"{path}/{carol}", 204, ta)
        self.keep("ws_member_removed", await bob.frame("member.removed", user_id=carol))

    async def _direct(self, ta: str, bob_id: str) -> str:
        direct = await self.call(
            "direct_created", "POST", "/chats/direct", 201, ta, json={"user_id": bob_id}
        )
        direct_id = str(direct["chat"]["id"])
        await self.call("chat", "GET", f"/chats/{direct_id}", 200, ta)
        await self.call("chats", "GET", "/chats", 200, ta)
        return direct_id

    async def _files(self, chat_id: str, ta: str, bob: RawSocket) -> int:
        q = {"chat_id": chat_id, "name": "blue.png"}
        image = await self.call(
            "file_uploaded", "POST", "/files", 201, ta, params=q, content=png(64, 48)
        )
        data = b"resumable bytes\n" * 4
        q = {"chat_id": chat_id, "name": "notes.txt", "size": len(data)}
        began = await self.call("upload_begun", "POST", "/files/uploads", 201, ta, params=q)
        upath = f"/files/uploads/{began['upload']['id']}"
        await self.call("upload_chunk", "PUT", upath, 200, ta, params={"offset": 0}, content=data)
        await self.call("upload_status", "GET", upath, 200, ta)
        notes = await self.call("upload_completed", "POST", f"{upath}/complete", 201, ta)
        ids = [image["file"]["id"], notes["file"]["id"]]
        sent = await self.call(
            "message_with_files", "POST", f"/chats/{chat_id}/messages", 201, ta,
            json={"client_msg_id": "c3", "text": "files", "attachment_ids": ids},
        )  # fmt: skip
        seq = int(sent["message"]["seq"])
        self.keep("ws_message_with_files", await bob.frame("message.created", seq=seq))
        return seq

    async def _calls(self, direct_id: str, ta: str, bob: RawSocket) -> None:
        joined = await self.call("call_joined", "POST", f"/chats/{direct_id}/call", 200, ta)
        self.keep("ws_call_started", await bob.frame("call.started"))
        await self.call("call_current", "GET", f"/chats/{direct_id}/call", 200, ta)
        await self.call("call_left", "POST", f"/calls/{joined['call']['id']}/leave", 200, ta)
        self.keep("ws_call_ended", await bob.frame("call.ended"))
        await self.call("call_none", "GET", f"/chats/{direct_id}/call", 200, ta)

    async def _reading(self, chat_id: str, seq: int, ta: str, tb: str, alice: RawSocket) -> None:
        await self.call("search", "GET", "/search", 200, ta, params={"q": "hello"})
        await self.call(
            "search_in_chat", "GET", "/search", 200, tb, params={"q": "files", "chat_id": chat_id}
        )
        await self.call("read", "POST", f"/chats/{chat_id}/read", 200, tb, json={"seq": seq})
        self.keep("ws_read", await alice.frame("read"))

    async def _resume(self, chat_id: str, seq: int, ta: str, tb: str, bob: RawSocket) -> None:
        await bob.close()
        path = f"/chats/{chat_id}/messages"
        for cid in ("c4", "c5"):
            await self.call(
                f"message_{cid}", "POST", path, 201, ta, json={"client_msg_id": cid, "text": cid}
            )
        back = await RawSocket.connect(
            self.ws_url, tb, resume=[{"chat_id": chat_id, "last_seq": seq}]
        )
        self.keep("ws_resume_ready", await back.frame("ready"))
        self.keep("ws_replayed_first", await back.frame("message.created", seq=seq + 1))
        self.keep("ws_replayed_last", await back.frame("message.created", seq=seq + 2))
        self.keep("ws_resumed", await back.frame("resumed"))
        await back.send({"type": "ping"})
        self.keep("ws_pong", await back.frame("pong"))
        await back.close()
