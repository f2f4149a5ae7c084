"""The WebSocket endpoint `/api/v1/ws`: authenticate, subscribe, then serve frames.

Incoming frames are paced per connection (a token bucket); a client that keeps flooding is closed
with 1008, and frames over `max_frame_bytes` close it with 1009 (Sanic's own limit), so a single
socket cannot grow the server's memory. Sends run as tasks, at most `MAX_INFLIGHT` per socket, so
the reader never stalls behind the store.
"""

from __future__ import annotations

import asyncio
import json
import logging
from typing import Any

from sanic import Request
from sanic.server.websockets.impl import WebsocketImplProtocol

from backend.api.ws.connection import CLOSE_AUTH, CLOSE_FLOOD, Connection, TokenBucket, frame_json
from backend.api.ws.hub import Hub
from backend.bootstrap import Container
from backend.domain.errors import DomainError

log = logging.getLogger(__name__)

MAX_INFLIGHT = 32
MAX_RESUME_CHATS = 1000


async def _authenticate(ws: WebsocketImplProtocol, c: Container) -> str | None:
    try:
        raw = await asyncio.wait_for(ws.recv(), c.settings.ws_auth_timeout_s)
        frame = json.loads(raw) if raw else None
        if not isinstance(frame, dict) or frame.get("type") != "auth":
            return None
        return c.tokens.verify(str(frame.get("token", "")))
    except (TimeoutError, ValueError, DomainError):
        return None


def _error(code: str, detail: str, **extra: Any) -> str:
    return frame_json({"type": "error", "code": code, "detail": detail, **extra})


async def serve(request: Request, ws: WebsocketImplProtocol) -> None:
    c: Container = request.app.ctx.container
    hub: Hub = request.app.ctx.hub
    if request.app.ctx.draining:
        await ws.close(1013, "draining")
        return
    user_id = await _authenticate(ws, c)
    if user_id is None:
        await ws.close(CLOSE_AUTH, "authentication required")
        return
    conn = Connection(ws, user_id, c.settings.ws_outbox_frames)
    try:
        positions = await c.chats.positions(user_id)
        await hub.attach(conn, [p["chat_id"] for p in positions])
        positions = await c.chats.positions(user_id)  # after subscribing: nothing slips between
        conn.ready(frame_json({"type": "ready", "user_id": user_id, "chats": positions}))
        await _read_loop(ws, conn, c)
    except DomainError as exc:
        log.warning("socket of %s ended: %s", user_id, exc.code)
    finally:
        await asyncio.shield(hub.release(conn))


async def _read_loop(ws: WebsocketImplProtocol, conn: Connection, c: Container) -> None:
    bucket = TokenBucket(c.settings.ws_frames_per_s, c.settings.ws_frames_burst)
    strikes = 0
    while not conn.closed:
        raw = await ws.recv()
        if raw is None:
            return
        if not bucket.take():
            strikes += 1
            if strikes > c.settings.ws_frames_burst:
                conn.abort(CLOSE_FLOOD, "too many frames")
                return
            if strikes == 1:
                conn.push(_error("rate_limited", "Too many frames; slow down."))
            continue
        strikes = 0
        await _dispatch(raw, conn, c)


async def _dispatch(raw: str | bytes, conn: Connection, c: Container) -> None:
    try:
        frame = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        conn.push(_error("malformed_json", "Frames are JSON objects."))
        return
    if not isinstance(frame, dict):
        conn.push(_error("malformed_json", "Frames are JSON objects."))
        return
    kind = frame.get("type")
    if kind == "ping":
        conn.push(frame_json({"type": "pong"}))
    elif kind == "message.send":
        _spawn_send(frame, conn, c)
    elif kind == "typing":
        await _guard(conn, c.messages.typing(conn.user_id, str(frame.get("chat_id", ""))))
    elif kind == "resume":
        await _guard(conn, _resume(frame, conn, c))
    else:
        conn.push(_error("unknown_type", f"Unknown frame type {str(kind)[:32]!r}."))


async def _guard(conn: Connection, work: Any, **extra: Any) -> None:
    try:
        await work
    except DomainError as exc:
        conn.push(_error(exc.code, exc.detail, **extra))


def _spawn_send(frame: dict[str, Any], conn: Connection, c: Container) -> None:
    client_msg_id = frame.get("client_msg_id")
    chat_id, text = frame.get("chat_id"), frame.get("text")
    if not (isinstance(client_msg_id, str) and 0 < len(client_msg_id) <= 64):
        conn.push(
            _error(
                "invalid_input",
                "client_msg_id must be 1 to 64 characters.",
                client_msg_id=client_msg_id,
            )
        )
        return
    if not isinstance(chat_id, str) or not isinstance(text, str):
        conn.push(
            _error("invalid_input", "chat_id and text are strings.", client_msg_id=client_msg_id)
        )
        return
    attachment_ids = frame.get("attachment_ids", [])
    if not (
        isinstance(attachment_ids, list)
        and len(attachment_ids) <= 10
        and all(isinstance(i, str) and 0 < len(i) <= 64 for i in attachment_ids)
    ):
        conn.push(
            _error(
                "invalid_input",
                "attachment_ids is a list of at most 10 file ids.",
                client_msg_id=client_msg_id,
            )
        )
        return
    if conn.inflight >= MAX_INFLIGHT:
        conn.push(
            _error(
                "too_many_inflight",
                "Wait for acks before sending more.",
                client_msg_id=client_msg_id,
            )
        )
        return
    conn.inflight += 1
    task = asyncio.ensure_future(_send(conn, c, chat_id, client_msg_id, text, attachment_ids))
    task.add_done_callback(lambda _t: setattr(conn, "inflight", conn.inflight - 1))


async def _send(
    conn: Connection,
    c: Container,
    chat_id: str,
    client_msg_id: str,
    text: str,
    attachment_ids: list[str],
) -> None:
    try:
        message, _ = await c.messages.send(
            conn.user_id, chat_id, client_msg_id, text, attachment_ids=attachment_ids
        )
    except DomainError as exc:
        conn.push(_error(exc.code, exc.detail, client_msg_id=client_msg_id, chat_id=chat_id))
        return
    conn.push(
        frame_json(
            {
                "type": "message.ack",
                "client_msg_id": client_msg_id,
                "chat_id": chat_id,
                "seq": message.seq,
                "id": message.id,
            }
        )
    )


async def _resume(frame: dict[str, Any], conn: Connection, c: Container) -> None:
    wanted = frame.get("chats")
    if not isinstance(wanted, list) or len(wanted) > MAX_RESUME_CHATS:
        conn.push(_error("invalid_input", "resume needs chats: [{chat_id, last_seq}]."))
        return
    done = []
    for item in wanted:
        if not isinstance(item, dict):
            continue
        chat_id, last_seq = str(item.get("chat_id", "")), item.get("last_seq", 0)
        if not isinstance(last_seq, int) or last_seq < 0:
            continue
        conn.hold(chat_id)
        reached = last_seq
        try:
            result = await c.messages.resume(conn.user_id, chat_id, last_seq)
            if result.resync:
                conn.push(frame_json({"type": "resync", "chat_id": chat_id}))
            for f in result.frames:
                conn.push(frame_json(f))
            reached = result.last_seq
            done.append({"chat_id": chat_id, "last_seq": reached})
        except DomainError as exc:
            conn.push(_error(exc.code, exc.detail, chat_id=chat_id))
        finally:
            conn.release(chat_id, reached)
    conn.push(frame_json({"type": "resumed", "chats": done}))
