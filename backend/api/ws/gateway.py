"""The WebSocket endpoint `/api/v1/ws`: authenticate, subscribe, then serve frames.

Incoming frames are paced per connection (a token bucket); a client that keeps flooding is closed
with 1008, and frames over `max_frame_bytes` close it with 1009 (Sanic's own limit), so a single
socket cannot grow the server's memory. Sends run as tasks, at most `MAX_INFLIGHT` per socket, so
the reader never stalls behind the store.
"""

from __future__ import annotations

import asyncio
import logging
import math
from collections.abc import Mapping, Sequence
from typing import Any

from pydantic import ValidationError
from sanic import Request
from sanic.server.websockets.impl import WebsocketImplProtocol

from backend.api import wire
from backend.api.http.common import client_ip
from backend.api.schemas import M, ResumeFrame, SendFrame, TypingFrame, json_object
from backend.api.ws.calls import relay_signal
from backend.api.ws.caps import SocketCaps
from backend.api.ws.connection import (
    CLOSE_AUTH,
    CLOSE_FLOOD,
    CLOSE_UNAVAILABLE,
    Connection,
    TokenBucket,
    frame_json,
)
from backend.api.ws.hub import Hub
from backend.api.ws.lean import trim
from backend.api.ws.origin import CLOSE_ORIGIN, origin_allowed
from backend.api.ws.reader import Reader, install
from backend.api.ws.sessions import SessionGuard, reauthenticate
from backend.bootstrap import Container
from backend.domain.errors import DomainError, InvalidInput, RateLimited
from backend.domain.models import AccessClaims

log = logging.getLogger(__name__)

MAX_INFLIGHT = 32
CLOSE_WAIT_S = 2.0

Positions = Sequence[tuple[str, int]]


async def _authenticate(reader: Reader, c: Container) -> tuple[AccessClaims, Positions] | None:
    """The first frame's verified token, and the chats it asks to resume (`chats`, optional)."""
    try:
        raw = await asyncio.wait_for(reader.get(), c.settings.ws_auth_timeout_s)
        frame = json_object(raw) if raw else None
        token = frame.get("token") if frame is not None and frame.get("type") == "auth" else None
        if frame is None or not isinstance(token, str) or not token.isascii():
            return None
        claims = await c.sessions.authenticate(token)
    except Exception:  # a timeout, a bad frame or token, a socket closed meanwhile: not signed in
        return None
    return claims, _auth_positions(frame.get("chats"))


def _auth_positions(chats: Any) -> Positions:
    """Resume positions carried by the `auth` frame; malformed ones are ignored (the client
    then gets `ready` and can resume explicitly)."""
    if chats is None:
        return []
    try:
        return _pairs(ResumeFrame.model_validate({"chats": chats}))
    except ValidationError:
        return []


def _pairs(frame: ResumeFrame) -> Positions:
    return [(p.chat_id, p.last_seq) for p in frame.chats]


def _error(code: str, detail: str, **extra: Any) -> str:
    return frame_json({"type": "error", "code": code, "detail": detail, **extra})


async def serve(request: Request, ws: WebsocketImplProtocol) -> None:
    c: Container = request.app.ctx.container
    hub: Hub = request.app.ctx.hub
    guard: SessionGuard = request.app.ctx.session_guard
    if request.app.ctx.draining:
        await ws.close(1013, "draining")
        return
    if not origin_allowed(request, c.settings.ws_origins):
        await ws.close(CLOSE_ORIGIN, "origin not allowed")
        return
    caps: SocketCaps = request.app.ctx.socket_caps
    address = client_ip(request)
    reader = install(ws)
    caps.arrive(address, ws)
    try:
        auth = await _authenticate(reader, c)
    finally:
        caps.unauthenticated.discard(address, ws)
    if auth is None:
        reader.close()
        await ws.close(CLOSE_AUTH, "authentication required")
        return
    claims, wanted = auth
    user_id = claims.user_id
    conn = Connection(ws, user_id, c.settings.ws_outbox_frames, hub.ordering, hub.batch)
    caps.signed_in(user_id, conn)
    trim(request, ws)
    guard.track(conn, claims)
    try:
        await hub.attach(conn, [chat.id for chat in await c.chats.positions(user_id)])
        # read again after subscribing: nothing slips between
        positions = wire.positions(await c.chats.positions(user_id))
        behind, level = _start_order(conn, positions, wanted)
        conn.ready(frame_json({"type": "ready", "user_id": user_id, "chats": positions}))
        if wanted:
            known = {str(p["chat_id"]): int(p["last_seq"]) for p in positions}
            await _replay(behind, conn, c, level, known)
        await _read_loop(reader, conn, c, guard)
    except DomainError as exc:
        # Before `ready` (the positions could not be read): say why, then ask to come back.
        log.warning("socket of %s ended: %s", user_id, exc.code)
        conn.ready(_error(exc.code, exc.detail))
        await conn.finish(CLOSE_UNAVAILABLE, exc.code)
    finally:
        reader.close()
        caps.users.discard(user_id, conn)
        guard.forget(conn)
        await asyncio.shield(hub.release(conn))
        # Let the close handshake finish while the reader drops what still arrives: returning
        # makes Sanic stop reading and close, and unread bytes turn the close into a reset.
        await ws.wait_for_connection_lost(CLOSE_WAIT_S)


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


async def _read_loop(reader: Reader, conn: Connection, c: Container, guard: SessionGuard) -> None:
    bucket = TokenBucket(c.settings.ws_frames_per_s, c.settings.ws_frames_burst)
    strikes = 0
    while not conn.closed:
        raw = await reader.get()
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
        await _dispatch(raw, conn, c, guard)


async def _dispatch(raw: str | bytes, conn: Connection, c: Container, guard: SessionGuard) -> None:
    """One frame; whatever goes wrong answers with an `error` frame and the socket lives on."""
    try:
        frame = json_object(raw)
        kind = frame.get("type")
        if kind == "ping":
            conn.push(frame_json({"type": "pong"}))
        elif kind == "message.send":
            _spawn_send(frame, conn, c)
        elif kind == "typing":
            await c.messages.typing(conn.user_id, _frame(TypingFrame, frame).chat_id)
        elif kind == "resume":
            await _resume(_frame(ResumeFrame, frame), conn, c)
        elif kind == "auth":
            await reauthenticate(frame, conn, guard)
        elif kind == "call.signal":
            await _call_signal(frame, conn, c)
        else:
            conn.push(_error("unknown_type", f"Unknown frame type {str(kind)[:32]!r}."))
    except DomainError as exc:
        conn.push(_error(exc.code, exc.detail))
    except Exception:  # a bug must not close the socket: report it like REST's 500
        log.exception("frame handling failed for user %s", conn.user_id)
        conn.push(_error("internal", "Something went wrong on the server."))


async def _call_signal(frame: dict[str, Any], conn: Connection, c: Container) -> None:
    """A refused signal names its call, so the page can tell which call failed."""
    try:
        await relay_signal(frame, conn.user_id, c)
    except DomainError as exc:
        call_id = frame.get("call_id")
        echo = call_id if isinstance(call_id, str) and len(call_id) <= 64 else None
        conn.push(_error(exc.code, exc.detail, call_id=echo))


def _wait(exc: DomainError) -> dict[str, float]:
    """A refusal to slow down says for how long, as REST's Retry-After does."""
    # Rounded up: a client waiting exactly this long must find the window open.
    wait = math.ceil(exc.retry_after * 1000) / 1000 if isinstance(exc, RateLimited) else None
    return {} if wait is None else {"retry_after": wait}


def _frame(model: type[M], frame: dict[str, Any]) -> M:
    """Validate a frame with the same pydantic model REST uses for the same input."""
    try:
        return model.model_validate(frame)
    except ValidationError as exc:
        raise InvalidInput(_first_problem(exc), code="invalid_input") from None


def _first_problem(exc: ValidationError) -> str:
    e = exc.errors()[0]
    return f"{'.'.join(str(p) for p in e['loc']) or 'frame'}: {e['msg']}"[:200]


def _spawn_send(frame: dict[str, Any], conn: Connection, c: Container) -> None:
    raw_id = frame.get("client_msg_id")
    echo = raw_id if isinstance(raw_id, str) and len(raw_id) <= 64 else None
    try:
        send = _frame(SendFrame, frame)
    except DomainError as exc:
        conn.push(_error(exc.code, exc.detail, client_msg_id=echo))
        return
    if conn.inflight >= MAX_INFLIGHT:
        conn.push(
            _error(
                "too_many_inflight",
                "Wait for acks before sending more.",
                client_msg_id=send.client_msg_id,
            )
        )
        return
    conn.inflight += 1
    task = asyncio.ensure_future(_send(conn, c, send))
    task.add_done_callback(lambda _t: setattr(conn, "inflight", conn.inflight - 1))


async def _send(conn: Connection, c: Container, send: SendFrame) -> None:
    chat_id, client_msg_id = send.chat_id, send.client_msg_id
    try:
        message, _ = await c.messages.send(
            conn.user_id, chat_id, client_msg_id, send.text, send.reply_to_seq, send.attachment_ids
        )
    except DomainError as exc:
        conn.push(
            _error(
                exc.code,
                exc.detail,
                client_msg_id=client_msg_id,
                chat_id=chat_id,
                **_wait(exc),
                **exc.extra,  # a refusal's figure (`limit` of text_too_long), as REST gives it
            )
        )
        return
    except Exception:
        log.exception("send failed for user %s", conn.user_id)
        conn.push(_error("internal", "Something went wrong.", client_msg_id=client_msg_id))
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


async def _resume(frame: ResumeFrame, conn: Connection, c: Container) -> None:
    """One positions query splits off the chats level with the server (usually most of them
    after a short drop): they need no per-chat reads, so a resume costs what was missed."""
    wanted = _pairs(frame)
    server = {chat.id: chat.last_seq for chat in await c.chats.positions(conn.user_id)}
    level = [(chat_id, seq) for chat_id, seq in wanted if server.get(chat_id) == seq]
    behind = [(chat_id, seq) for chat_id, seq in wanted if server.get(chat_id) != seq]
    await _replay(behind, conn, c, level, server)


async def _replay(
    wanted: Positions,
    conn: Connection,
    c: Container,
    level: Positions = (),
    known: Mapping[str, int] | None = None,
) -> None:
    """Each chat's missed events from the log, then the live ones held meanwhile: no hole and
    no repeat at the seam (the chat's order knows the last `seq` this socket sent). Chats
    `level` with the server need no read; they are only reported in `resumed`."""
    done = [{"chat_id": chat_id, "last_seq": last_seq} for chat_id, last_seq in level]
    for chat_id, last_seq in wanted:
        order = conn.order.chat(chat_id)
        order.begin_resume(last_seq)
        reached = last_seq
        try:
            server_seq = (known or {}).get(chat_id)
            if server_seq is None:
                result = await c.messages.resume(conn.user_id, chat_id, last_seq)
            else:  # the member's position was just read: no membership or chat reads again
                result = await c.messages.resume_known(chat_id, last_seq, server_seq)
            if result.resync:
                conn.push(frame_json({"type": "resync", "chat_id": chat_id}))
            for event in result.events:
                order.replayed(wire.frame(event))
            reached = result.last_seq
            done.append({"chat_id": chat_id, "last_seq": reached})
        except DomainError as exc:
            conn.push(_error(exc.code, exc.detail, chat_id=chat_id))
        finally:
            order.end_resume(reached)
    conn.push(frame_json({"type": "resumed", "chats": done}))
