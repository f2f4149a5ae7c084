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
from collections.abc import Sequence
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


Positions = Sequence[tuple[str, int]]


async def _authenticate(ws: WebsocketImplProtocol, c: Container) -> tuple[str, Positions] | None:
    """The user of the first frame's token, and the chats it asks to resume (`chats`, optional)."""
    try:
        raw = await asyncio.wait_for(ws.recv(), c.settings.ws_auth_timeout_s)
        frame = json.loads(raw) if raw else None
        if not isinstance(frame, dict) or frame.get("type") != "auth":
            return None
        user_id = c.tokens.verify(str(frame.get("token", "")))
    except (TimeoutError, ValueError, DomainError):
        return None
    return user_id, _positions(frame.get("chats")) or []


def _positions(wanted: Any) -> Positions | None:
    """`[{chat_id, last_seq}]` as pairs (odd items skipped); None when it is not such a list."""
    if wanted is None:
        return []
    if not isinstance(wanted, list) or len(wanted) > MAX_RESUME_CHATS:
        return None
    out: list[tuple[str, int]] = []
    for item in wanted:
        if not isinstance(item, dict):
            continue
        chat_id, last_seq = str(item.get("chat_id", ""))[:64], item.get("last_seq", 0)
        if isinstance(last_seq, int) and not isinstance(last_seq, bool) and last_seq >= 0:
            out.append((chat_id, last_seq))
    return out


def _error(code: str, detail: str, **extra: Any) -> str:
    return frame_json({"type": "error", "code": code, "detail": detail, **extra})


async def serve(request: Request, ws: WebsocketImplProtocol) -> None:
    c: Container = request.app.ctx.container
    hub: Hub = request.app.ctx.hub
    if request.app.ctx.draining:
        await ws.close(1013, "draining")
        return
    auth = await _authenticate(ws, c)
    if auth is None:
        await ws.close(CLOSE_AUTH, "authentication required")
        return
    user_id, wanted = auth
    conn = Connection(ws, user_id, c.settings.ws_outbox_frames, hub.ordering)
    try:
        positions = await c.chats.positions(user_id)
        await hub.attach(conn, [p["chat_id"] for p in positions])
        positions = await c.chats.positions(user_id)  # after subscribing: nothing slips between
        behind, level = _start_order(conn, positions, wanted)
        conn.ready(frame_json({"type": "ready", "user_id": user_id, "chats": positions}))
        if wanted:
            await _replay(behind, conn, c, level)
        await _read_loop(ws, conn, c)
    except DomainError as exc:
        log.warning("socket of %s ended: %s", user_id, exc.code)
    finally:
        await asyncio.shield(hub.release(conn))


def _start_order(
    conn: Connection, positions: list[dict[str, Any]], wanted: Positions
) -> tuple[Positions, Positions]:
    """Where each chat starts on this socket: a resumed chat behind the server waits for its
    replay (returned first), one level with it (second) and every other chat start where
    `ready` says."""
    server = {str(p["chat_id"]): int(p["last_seq"]) for p in positions}
    behind = [(ch, seq) for ch, seq in wanted if server.get(ch, seq + 1) > seq]
    for chat_id, last_seq in behind:  # their live events wait for the replay
        conn.order.chat(chat_id, last_seq).begin_resume(last_seq)
    for chat_id, last_seq in wanted:
        conn.order.start_at(chat_id, last_seq)
    conn.order.start(positions)
    waiting = set(behind)
    return behind, [item for item in wanted if item not in waiting]


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
    task = asyncio.ensure_future(_send(conn, c, chat_id, client_msg_id, text))
    task.add_done_callback(lambda _t: setattr(conn, "inflight", conn.inflight - 1))


async def _send(
    conn: Connection, c: Container, chat_id: str, client_msg_id: str, text: str
) -> None:
    try:
        message, _ = await c.messages.send(conn.user_id, chat_id, client_msg_id, text)
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
    wanted = _positions(frame.get("chats"))
    if wanted is None or frame.get("chats") is None:
        conn.push(_error("invalid_input", "resume needs chats: [{chat_id, last_seq}]."))
        return
    await _replay(wanted, conn, c)


async def _replay(wanted: Positions, conn: Connection, c: Container, level: Positions = ()) -> None:
    """Each chat's missed events from the log, then the live ones held meanwhile: no hole and
    no repeat at the seam (the chat's order knows the last `seq` this socket sent). Chats
    `level` with the server need no read; they are only reported in `resumed`."""
    done = [{"chat_id": chat_id, "last_seq": last_seq} for chat_id, last_seq in level]
    for chat_id, last_seq in wanted:
        order = conn.order.chat(chat_id)
        order.begin_resume(last_seq)
        reached = last_seq
        try:
            result = await c.messages.resume(conn.user_id, chat_id, last_seq)
            if result.resync:
                conn.push(frame_json({"type": "resync", "chat_id": chat_id}))
            for f in result.frames:
                order.replayed(f)
            reached = result.last_seq
            done.append({"chat_id": chat_id, "last_seq": reached})
        except DomainError as exc:
            conn.push(_error(exc.code, exc.detail, chat_id=chat_id))
        finally:
            order.end_resume(reached)
    conn.push(frame_json({"type": "resumed", "chats": done}))
