"""Bad input gets problem+json with a stable code and the right status, and changes nothing."""

from __future__ import annotations

import asyncio
import base64
import json
import time
from typing import Any

import jwt
import pytest
import websockets

from tests.support.client import Api, Socket, User
from tests.support.server import ServerProcess

BIG = "x" * 70_000
LONG_ID = "a" * 40

# (method, path, body (dict, raw bytes or None), expected status, expected code)
REGISTER = [
    ("POST", "/auth/register", b"{not json", 400, "malformed_json"),
    ("POST", "/auth/register", b"[1,2]", 400, "malformed_json"),
    ("POST", "/auth/register", {}, 422, "invalid_input"),
    (
        "POST",
        "/auth/register",
        {"username": "ab", "email": "a@b.co", "password": "long enough"},
        422,
        "invalid_input",
    ),
    (
        "POST",
        "/auth/register",
        {"username": "has space", "email": "a@b.co", "password": "long enough"},
        422,
        "invalid_input",
    ),
    (
        "POST",
        "/auth/register",
        {"username": "fine_name", "email": "not-an-email", "password": "long enough"},
        422,
        "invalid_input",
    ),
    (
        "POST",
        "/auth/register",
        {"username": "fine_name", "email": "a@b.co", "password": "short"},
        422,
        "invalid_input",
    ),
    (
        "POST",
        "/auth/register",
        {"username": 12345, "email": "a@b.co", "password": "long enough"},
        422,
        "invalid_input",
    ),
    (
        "POST",
        "/auth/register",
        {"username": "fine_name", "email": "a@b.co", "password": BIG},
        413,
        "body_too_large",
    ),
    ("POST", "/auth/login", {"login": "x"}, 422, "invalid_input"),
    ("POST", "/auth/login", {"login": "", "password": "x"}, 422, "invalid_input"),
    ("POST", "/auth/refresh", {"refresh_token": "made-up"}, 401, "refresh_invalid"),
    ("POST", "/auth/refresh", {"refresh_token": 5}, 422, "invalid_input"),
    ("GET", "/nowhere", None, 404, "route_not_found"),
    ("PUT", "/auth/login", {}, 405, "method_not_allowed"),
]

AUTHED = [
    ("GET", "/me", None, 200, None),
    ("PATCH", "/me", {"display_name": ""}, 422, "invalid_input"),
    ("PATCH", "/me", {"email": "nope"}, 422, "invalid_input"),
    ("GET", "/users", None, 422, "bad_query"),
    ("POST", "/chats", {"title": ""}, 422, "invalid_input"),
    ("POST", "/chats", {"title": "t", "member_ids": "abc"}, 422, "invalid_input"),
    ("POST", "/chats", {"title": "t", "member_ids": ["no-such-user"]}, 422, "unknown_user"),
    ("POST", "/chats/direct", {}, 422, "invalid_input"),
    ("POST", "/chats/direct", {"user_id": "no-such-user"}, 404, "user_not_found"),
    ("GET", "/chats/no-such-chat", None, 404, "chat_not_found"),
    ("POST", "/chats/{chat}/messages", {"text": "no id"}, 422, "invalid_input"),
    (
        "POST",
        "/chats/{chat}/messages",
        {"client_msg_id": "a b", "text": "bad id"},
        422,
        "invalid_input",
    ),
    ("POST", "/chats/{chat}/messages", {"client_msg_id": "c1", "text": ""}, 422, "invalid_input"),
    ("POST", "/chats/{chat}/messages", {"client_msg_id": "c1", "text": "   "}, 422, "text_empty"),
    (
        "POST",
        "/chats/{chat}/messages",
        {"client_msg_id": "c1", "text": "y" * 4001},
        422,
        "text_too_long",
    ),
    ("POST", "/chats/{chat}/messages", {"client_msg_id": "c1", "text": 42}, 422, "invalid_input"),
    (
        "POST",
        "/chats/{chat}/messages",
        {"client_msg_id": "c1", "text": "z", "reply_to_seq": -1},
        422,
        "invalid_input",
    ),
    ("GET", "/chats/{chat}/messages?limit=0", None, 422, "bad_limit"),
    ("GET", "/chats/{chat}/messages?limit=101", None, 422, "bad_limit"),
    ("GET", "/chats/{chat}/messages?before=abc", None, 422, "bad_query"),
    ("PATCH", "/chats/{chat}/messages/99", {"text": "x"}, 404, "message_not_found"),
    ("PATCH", "/chats/{chat}/messages/1", {"text": ""}, 422, "invalid_input"),
    ("DELETE", "/chats/{chat}/messages/99", None, 404, "message_not_found"),
    ("POST", "/chats/{chat}/read", {"seq": 10_000}, 422, "bad_seq"),
    ("POST", "/chats/{chat}/read", {"seq": "1"}, 422, "invalid_input"),
    ("POST", "/chats/{chat}/members", {}, 422, "invalid_input"),
    ("POST", "/chats/{chat}/members", {"username": "nobody_here"}, 404, "user_not_found"),
    ("DELETE", "/chats/{chat}/members/nobody", None, 404, "member_not_found"),
    # Ids longer than any id column (the schemas once allowed 64, the columns hold 32).
    (
        "POST",
        f"/chats/{LONG_ID}/messages",
        {"client_msg_id": "c1", "text": "x"},
        404,
        "chat_not_found",
    ),
    ("GET", f"/chats/{LONG_ID}/messages", None, 404, "chat_not_found"),
    ("GET", f"/chats/{LONG_ID}/members", None, 404, "chat_not_found"),
    ("POST", "/chats/direct", {"user_id": LONG_ID}, 422, "invalid_input"),
    ("POST", "/chats", {"title": "t", "member_ids": [LONG_ID]}, 422, "invalid_input"),
    ("POST", "/chats/{chat}/members", {"user_id": LONG_ID}, 422, "invalid_input"),
    ("DELETE", f"/chats/{{chat}}/members/{LONG_ID}", None, 404, "member_not_found"),
    ("PATCH", f"/chats/{{chat}}/members/{LONG_ID}", {"role": "admin"}, 404, "member_not_found"),
    # Integers beyond BIGINT (and beyond what JSON numbers hold exactly).
    ("GET", f"/chats/{{chat}}/messages?before={2**63}", None, 422, "bad_query"),
    ("GET", f"/chats/{{chat}}/messages?after={2**64}", None, 422, "bad_query"),
    ("GET", f"/chats/{{chat}}/messages?limit={2**63}", None, 422, "bad_query"),
    ("GET", "/chats/{chat}/messages?after=" + "9" * 5000, None, 422, "bad_query"),
    ("PATCH", f"/chats/{{chat}}/messages/{2**63}", {"text": "x"}, 404, "message_not_found"),
    ("DELETE", f"/chats/{{chat}}/messages/{2**70}", None, 404, "message_not_found"),
    ("POST", "/chats/{chat}/read", {"seq": 2**63}, 422, "invalid_input"),
    (
        "POST",
        "/chats/{chat}/messages",
        {"client_msg_id": "c1", "text": "z", "reply_to_seq": 2**64},
        422,
        "invalid_input",
    ),
    # Deeply nested JSON (beyond the parser's recursion limit), bad UTF-8, wrong types.
    ("POST", "/chats", b"[" * 30_000 + b"]" * 30_000, 400, "malformed_json"),
    ("POST", "/chats", b'{"title":' + b"[" * 20_000 + b"]" * 20_000 + b"}", 400, "malformed_json"),
    ("POST", "/chats", b'{"title": "\xff\xfe"}', 400, "malformed_json"),
    ("POST", "/chats", {"title": ["t"]}, 422, "invalid_input"),
    ("POST", "/chats", {"title": {"a": {"b": [1]}}}, 422, "invalid_input"),
    ("POST", "/chats/{chat}/read", {"seq": 1.5}, 422, "invalid_input"),
    ("POST", "/chats/{chat}/read", {"seq": True}, 422, "invalid_input"),
    ("POST", "/chats/{chat}/read", {"seq": None}, 422, "invalid_input"),
    ("POST", "/chats/{chat}/messages", b"1e999999", 400, "malformed_json"),
    ("POST", "/chats/{chat}/messages", BIG.encode(), 413, "body_too_large"),
]


def _kw(body: Any) -> dict[str, Any]:
    if body is None:
        return {}
    if isinstance(body, bytes):
        return {"content": body, "headers": {"content-type": "application/json"}}
    return {"json": body}


@pytest.mark.parametrize(("method", "path", "body", "status", "code"), REGISTER)
async def test_public_endpoints(
    api: Api, method: str, path: str, body: Any, status: int, code: str
) -> None:
    r = await api.http.request(method, path, **_kw(body))
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    problem = r.json()
    assert problem["code"] == code and problem["status"] == status and problem["detail"]


@pytest.mark.parametrize(("method", "path", "body", "status", "code"), AUTHED)
async def test_authed_endpoints(
    api: Api, method: str, path: str, body: Any, status: int, code: str | None
) -> None:
    u = await api.user()
    chat = await api.group(u)
    assert (await api.send(u, chat, "only message", cid="only")).status_code == 201
    kw = _kw(body)
    kw.setdefault("headers", {}).update(u.auth)
    r = await api.http.request(method, path.replace("{chat}", chat), **kw)
    assert r.status_code == status, r.text
    if code is not None:
        assert r.json()["code"] == code
    # Nothing half-written: the chat still holds exactly its one message, unchanged.
    history = (await api.history(u, chat)).json()
    assert [(m["seq"], m["text"]) for m in history["messages"]] == [(1, "only message")]


def _forged(user: User, **changes: Any) -> str:
    header, payload, sig = user.access_token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=="))
    claims.update(changes)
    body = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    return f"{header}.{body}.{sig}"


async def test_bad_tokens_are_refused(api: Api) -> None:
    u = await api.user()
    none_alg = jwt.encode({"sub": u.id, "exp": time.time() + 60}, key="", algorithm="none")
    other_key = jwt.encode(
        {
            "sub": u.id,
            "iss": "parley",
            "aud": "parley-clients",
            "exp": time.time() + 60,
            "iat": time.time(),
            "jti": "x",
        },
        key="k" * 40,
        algorithm="HS256",
        headers={"kid": "nope"},
    )
    for token, code in [
        ("", "token_missing"),
        ("garbage", "token_invalid"),
        (none_alg, "token_invalid"),
        (other_key, "token_invalid"),
        (_forged(u, sub="someone-else"), "token_invalid"),
        (_forged(u, exp=int(time.time()) - 10), "token_invalid"),
    ]:
        r = await api.http.get("/me", headers={"Authorization": f"Bearer {token}"} if token else {})
        assert (r.status_code, r.json()["code"]) == (401, code), token


async def test_expired_token_is_refused(server_factory: Any, mode: str) -> None:
    srv: ServerProcess = server_factory(mode, env={"PARLEY_ACCESS_TTL": "1"})
    api = Api(srv.url)
    try:
        u = await api.user()
        exp = jwt.decode(u.access_token, options={"verify_signature": False})["exp"]
        while time.time() < exp + 1.5:  # wait out the token's own lifetime, not a guess
            r = await api.http.get("/me", headers=u.auth)
            if r.status_code == 401:
                break
        r = await api.http.get("/me", headers=u.auth)
        assert (r.status_code, r.json()["code"]) == (401, "token_expired")
        async with websockets.connect(srv.ws_url) as ws:
            await ws.send(json.dumps({"type": "auth", "token": u.access_token}))
            with pytest.raises(websockets.ConnectionClosed) as closed:
                await ws.recv()
        assert closed.value.rcvd is not None and closed.value.rcvd.code == 4401
    finally:
        await api.close()


@pytest.mark.parametrize(
    "first",
    [None, "not json", {"type": "auth"}, {"type": "auth", "token": "bad"}, {"type": "ping"}],
)
async def test_socket_without_valid_auth_is_closed_4401(
    api: Api, server: ServerProcess, first: Any
) -> None:
    async with websockets.connect(server.ws_url) as ws:
        if first is not None:
            await ws.send(first if isinstance(first, str) else json.dumps(first))
        with pytest.raises(websockets.ConnectionClosed) as closed:
            await ws.recv()  # the server's auth timeout (5 s) bounds this wait if nothing is sent
    assert closed.value.rcvd is not None and closed.value.rcvd.code == 4401


async def test_oversized_frame_closes_with_1009(api: Api, server: ServerProcess) -> None:
    u = await api.user()
    chat = await api.group(u)
    sock = await Socket.connect(server.ws_url, u.access_token)
    await sock.send(
        {"type": "message.send", "chat_id": chat, "client_msg_id": "big", "text": "x" * 40_000}
    )
    assert await sock.closed() == 1009
    assert (await api.history(u, chat)).json()["messages"] == []


async def test_bad_frames_get_error_frames(api: Api, server: ServerProcess) -> None:
    u = await api.user()
    chat = await api.group(u)
    sock = await Socket.connect(server.ws_url, u.access_token)
    try:
        await sock.ws.send("{oops")
        await sock.send({"type": "teleport"})
        await sock.send({"type": "message.send", "chat_id": chat, "client_msg_id": "", "text": "x"})
        await sock.send(
            {"type": "message.send", "chat_id": chat, "client_msg_id": "long", "text": "y" * 4001}
        )
        await sock.send(
            {"type": "message.send", "chat_id": "nope", "client_msg_id": "nochat", "text": "z"}
        )
        await sock.until(lambda f: len(sock.of("error")) >= 5, what="5 errors")
        assert [f["code"] for f in sock.of("error")] == [
            "malformed_json",
            "unknown_type",
            "invalid_input",
            "text_too_long",
            "chat_not_found",
        ]
        assert sock.of("message.ack") == []
    finally:
        await sock.close()


async def test_flooding_socket_is_throttled_then_closed(server_factory: Any, mode: str) -> None:
    srv: ServerProcess = server_factory(mode, env={"PARLEY_WS_FRAMES_PER_S": "20"})
    api = Api(srv.url)
    try:
        u = await api.user()
        sock = await Socket.connect(srv.ws_url, u.access_token)
        for _ in range(2000):
            try:
                await sock.ws.send('{"type":"ping"}')
            except websockets.ConnectionClosed:
                break
        assert await sock.closed() == 1008
        assert sock.of("error")[0]["code"] == "rate_limited"
        assert len(sock.of("pong")) < 400  # bounded by the burst, not by the flood
        again = await Socket.connect(srv.ws_url, u.access_token)  # the user is not locked out
        await again.close()
    finally:
        await api.close()


@pytest.mark.parametrize(
    "header",
    [
        b"Bearer \xff\xfe",
        b"\xff",
        b"Bearer \xc3",
        b"Bearer a.b.c\x80",
        b"Bearer " + b"\xe2\x80\xae",
    ],
)
async def test_non_ascii_authorization_is_401(api: Api, header: bytes) -> None:
    r = await api.http.get("/me", headers=[(b"Authorization", header)])
    assert r.status_code == 401, r.text
    assert r.json()["code"] in {"token_invalid", "token_missing"}


async def test_odd_frames_get_error_frames_and_the_socket_lives(
    api: Api, server: ServerProcess
) -> None:
    """The inputs that once closed the socket with 1000 each get an `error` frame instead."""
    u = await api.user()
    chat = await api.group(u)
    sock = await Socket.connect(server.ws_url, u.access_token)
    odd: list[Any] = [
        {"type": "message.send", "chat_id": LONG_ID, "client_msg_id": "s1", "text": "x"},
        {"type": "message.send", "chat_id": chat, "client_msg_id": 7, "text": "x"},
        {"type": "message.send", "chat_id": chat, "client_msg_id": "s2", "text": ["x"]},
        {
            "type": "message.send",
            "chat_id": chat,
            "client_msg_id": "s3",
            "text": "x",
            "reply_to_seq": 2**64,
        },
        {"type": "resume", "chats": [{"chat_id": chat, "last_seq": 2**63}]},
        {"type": "resume", "chats": [{"chat_id": LONG_ID, "last_seq": 1}]},
        {"type": "resume", "chats": 5},
        {"type": "resume", "chats": [{"chat_id": chat, "last_seq": "1"}]},
        {"type": "typing", "chat_id": LONG_ID},
        {"type": "typing", "chat_id": {"x": 1}},
        "[" * 5000 + "]" * 5000,
        '{"type": "ping", "x": ' + "[" * 5000 + "]" * 5000 + "}",
        '"just a string"',
    ]
    try:
        for frame in odd:
            await sock.ws.send(frame if isinstance(frame, str) else json.dumps(frame))
        await sock.until(lambda f: len(sock.of("error")) >= len(odd), what="an error per frame")
        codes = [f["code"] for f in sock.of("error")]
        assert codes == ["invalid_input"] * 10 + ["malformed_json"] * 3, codes
        await sock.send({"type": "ping"})
        await sock.until(lambda _: sock.of("pong"), what="pong after the odd frames")
        assert sock.of("message.ack") == []
    finally:
        await sock.close()
    assert (await api.history(u, chat)).json()["messages"] == []


async def test_socket_auth_with_odd_first_frames_is_4401(api: Api, server: ServerProcess) -> None:
    for first in [
        "[" * 5000 + "]" * 5000,
        '{"type":"auth","token":"\u00ff\u00fe"}',
        '{"type":"auth","token":5}',
        '{"type":"auth","token":["a"]}',
    ]:
        async with websockets.connect(server.ws_url) as ws:
            await ws.send(first)
            with pytest.raises(websockets.ConnectionClosed) as closed:
                await ws.recv()
        assert closed.value.rcvd is not None and closed.value.rcvd.code == 4401, first


async def test_one_users_bad_sends_fail_nobody_elses(api: Api, server: ServerProcess) -> None:
    """Ids the columns cannot hold are refused before the shared write batch, so a socket
    pouring them in leaves every other user's sends untouched."""
    bad, good = await api.user(), await api.user()
    chat = await api.group(good)
    sock = await Socket.connect(server.ws_url, bad.access_token)
    try:
        frames = [
            json.dumps(
                {"type": "message.send", "chat_id": LONG_ID, "client_msg_id": f"b{i}", "text": "x"}
            )
            for i in range(60)
        ]

        async def pour() -> None:
            for f in frames:
                await sock.ws.send(f)

        sends = [api.send(good, chat, f"fine {i}") for i in range(30)]
        results = await asyncio.gather(pour(), *sends)
        assert [r.status_code for r in results[1:]] == [201] * 30
        await sock.until(lambda _: len(sock.of("error")) >= 60, what="an error per bad send")
        assert {f["code"] for f in sock.of("error")} == {"invalid_input"}
    finally:
        await sock.close()
