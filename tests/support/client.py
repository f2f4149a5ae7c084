"""Test clients speaking the public contract: REST through httpx, real time through websockets."""

from __future__ import annotations

import asyncio
import json
import uuid
from dataclasses import dataclass, field
from typing import Any

import httpx
import websockets
from websockets.asyncio.client import ClientConnection


@dataclass
class User:
    id: str
    username: str
    password: str
    access_token: str
    refresh_token: str

    @property
    def auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.access_token}"}


class Api:
    """One httpx client per test server; every call returns the raw response for asserting."""

    def __init__(self, base_url: str) -> None:
        self.http = httpx.AsyncClient(base_url=f"{base_url}/api/v1", timeout=30.0)

    async def close(self) -> None:
        await self.http.aclose()

    async def user(self, name: str | None = None, password: str = "correct horse 1") -> User:
        username = name or f"u{uuid.uuid4().hex[:12]}"
        r = await self.http.post(
            "/auth/register",
            json={
                "username": username,
                "email": f"{username}@example.org",
                "password": password,
                "display_name": username.title(),
            },
        )
        assert r.status_code == 201, r.text
        return await self.login(username, password)

    async def login(self, login: str, password: str) -> User:
        r = await self.http.post("/auth/login", json={"login": login, "password": password})
        assert r.status_code == 200, r.text
        b = r.json()
        return User(
            b["user"]["id"], b["user"]["username"], password, b["access_token"], b["refresh_token"]
        )

    async def group(self, owner: User, *members: User, title: str = "team") -> str:
        r = await self.http.post(
            "/chats",
            headers=owner.auth,
            json={"title": title, "member_ids": [m.id for m in members]},
        )
        assert r.status_code == 201, r.text
        chat_id: str = r.json()["chat"]["id"]
        return chat_id

    async def send(
        self, user: User, chat_id: str, text: str, cid: str | None = None
    ) -> httpx.Response:
        return await self.http.post(
            f"/chats/{chat_id}/messages",
            headers=user.auth,
            json={"client_msg_id": cid or uuid.uuid4().hex, "text": text},
        )

    async def history(self, user: User, chat_id: str, **params: Any) -> httpx.Response:
        return await self.http.get(f"/chats/{chat_id}/messages", headers=user.auth, params=params)


@dataclass
class Socket:
    """A signed-in WebSocket that collects every frame it receives, in order."""

    ws: ClientConnection
    frames: list[dict[str, Any]] = field(default_factory=list)
    ready: dict[str, Any] = field(default_factory=dict)
    _reader: asyncio.Task[None] | None = None
    _arrived: asyncio.Event = field(default_factory=asyncio.Event)

    @classmethod
    async def connect(
        cls, ws_url: str, token: str, timeout: float = 10.0, resume: list[Any] | None = None
    ) -> Socket:
        """Sign in; `resume` (`[{chat_id, last_seq}]`) asks for the missed events in `auth`."""
        ws = await websockets.connect(ws_url, open_timeout=timeout, max_size=2**22)
        sock = cls(ws)
        auth: dict[str, Any] = {"type": "auth", "token": token}
        if resume is not None:
            auth["chats"] = resume
        await ws.send(json.dumps(auth))
        sock._reader = asyncio.create_task(sock._read())
        sock.ready = await sock.next("ready", timeout)
        return sock

    async def _read(self) -> None:
        try:
            async for raw in self.ws:
                self.frames.append(json.loads(raw))
                self._arrived.set()
        except websockets.ConnectionClosed:
            pass
        finally:
            self._arrived.set()

    async def send(self, frame: dict[str, Any]) -> None:
        await self.ws.send(json.dumps(frame))

    def of(self, type_: str, chat_id: str | None = None) -> list[dict[str, Any]]:
        return [
            f
            for f in self.frames
            if f.get("type") == type_ and (chat_id is None or f.get("chat_id") == chat_id)
        ]

    async def until(self, predicate: Any, timeout: float = 10.0, what: str = "a frame") -> None:
        """Wait until `predicate(frames)` holds; fail after `timeout`."""

        async def loop() -> None:
            while not predicate(self.frames):
                if self._reader is not None and self._reader.done():
                    raise AssertionError(
                        f"socket closed while waiting for {what}: {self.ws.close_code}"
                    )
                self._arrived.clear()
                await self._arrived.wait()

        try:
            await asyncio.wait_for(loop(), timeout)
        except TimeoutError:
            raise AssertionError(
                f"timed out waiting for {what}; last frames: {self.frames[-5:]}"
            ) from None

    async def next(self, type_: str, timeout: float = 10.0, **match: Any) -> dict[str, Any]:
        def found(frames: list[dict[str, Any]]) -> bool:
            return any(
                f.get("type") == type_ and all(f.get(k) == v for k, v in match.items())
                for f in frames
            )

        await self.until(found, timeout, f"{type_} {match}")
        return next(
            f
            for f in self.frames
            if f.get("type") == type_ and all(f.get(k) == v for k, v in match.items())
        )

    async def closed(self, timeout: float = 10.0) -> int | None:
        assert self._reader is not None
        await asyncio.wait_for(asyncio.shield(self._reader), timeout)
        return self.ws.close_code

    async def close(self) -> None:
        await self.ws.close()
        if self._reader is not None:
            await asyncio.gather(self._reader, return_exceptions=True)
