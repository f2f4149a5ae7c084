"""The Sanic app factory. Sanic may rebuild module globals in workers, so nothing is global here:
`create_app(settings)` builds the app and its listeners build the container on start."""

from __future__ import annotations

import asyncio
import logging
import re
import time
import uuid
from typing import Any

from prometheus_client import generate_latest
from sanic import HTTPResponse, Request, Sanic
from sanic.response import json as json_response
from sanic.response import raw

from backend import logs
from backend.api import errors
from backend.api import metrics as metrics_labels
from backend.api.guard import ConnectionGuard
from backend.api.http import auth, calls, chats, files, identity, messages, search, sessions
from backend.api.http import reactions as reaction_routes
from backend.api.metrics import Metrics
from backend.api.openapi import REQUEST_ID_PATTERN, ROUTES, document
from backend.api.ws import gateway
from backend.api.ws.caps import SocketCaps
from backend.api.ws.connection import SLOW_CLOSED
from backend.api.ws.hub import Hub
from backend.api.ws.keepalive import Keepalive
from backend.api.ws.order import Ordering
from backend.api.ws.sessions import SessionGuard
from backend.bootstrap import build
from backend.config import Settings
from backend.services.presence import PresenceService

log = logging.getLogger(__name__)
# A request id the caller chose is kept only in a shape safe to echo and log (see openapi.py).
REQUEST_ID = re.compile(REQUEST_ID_PATTERN)


def create_app(settings: Settings, name: str = "parley") -> Sanic[Any, Any]:
    app: Sanic[Any, Any] = Sanic(name, configure_logging=False)
    app.config.REQUEST_MAX_SIZE = settings.max_body_bytes
    app.config.WEBSOCKET_MAX_SIZE = settings.max_frame_bytes
    # No ping task per socket: one Keepalive pings them all (backend.api.ws.keepalive).
    app.config.WEBSOCKET_PING_INTERVAL = None
    app.config.WEBSOCKET_PING_TIMEOUT = None
    app.config.KEEP_ALIVE_TIMEOUT = 75
    app.config.GRACEFUL_SHUTDOWN_TIMEOUT = settings.drain_timeout_s
    app.config.OAS = False
    # Behind a load balancer the peer is the balancer; trust its X-Forwarded-For for limits.
    app.config.PROXIES_COUNT = settings.proxies_count or None
    app.ctx.settings = settings
    app.ctx.draining = False
    app.ctx.inflight = 0
    app.ctx.metrics = Metrics()
    app.config.REQUEST_TIMEOUT = settings.request_deadline_s
    # Behind a balancer every peer is the balancer: HAProxy caps connections per client there.
    per_ip = 0 if settings.proxies_count else settings.connections_per_ip
    app.ctx.connection_guard = ConnectionGuard(per_ip, settings.request_deadline_s)
    app.ctx.socket_caps = SocketCaps(settings.ws_per_user, settings.ws_unauth_per_ip)
    for bp in (auth.bp, chats.bp, messages.bp, sessions.bp, calls.bp, files.bp, search.bp):
        bp.url_prefix = "/api/v1"
        app.blueprint(bp)
    reaction_routes.bp.url_prefix = "/api/v1"
    app.blueprint(reaction_routes.bp)
    app.add_websocket_route(gateway.serve, "/api/v1/ws", name="ws")
    _ops_routes(app)
    _middleware(app)
    identity.install(app)
    errors.install(app)
    app.register_listener(_start, "before_server_start")
    app.register_listener(_stop, "after_server_stop")
    return app


async def _start(app: Sanic[Any, Any]) -> None:
    container = await build(app.ctx.settings)
    app.ctx.container = container
    settings: Settings = app.ctx.settings
    presence = PresenceService(
        container.presence,
        container.bus,
        settings.presence_heartbeat_s,
        container.chats.member_counts,
        settings.presence_room_limit,
    )
    ordering = Ordering(
        container.messages.replay, settings.order_hold_ms / 1000, settings.order_max_held
    )
    hub = Hub(container.bus, presence, ordering)
    hub.start()
    app.ctx.hub = hub
    app.ctx.keepalive = Keepalive(lambda: hub.connections, settings.ws_ping_interval_s)
    app.ctx.keepalive.start()
    container.pipeline.on_batch = app.ctx.metrics.batch.observe
    container.pipeline.on_stage = lambda name, s: app.ctx.metrics.stage.labels(name).observe(s)
    app.ctx.session_guard = SessionGuard(container.sessions, app.ctx.settings.revocation_sweep_s)
    app.ctx.session_guard.start()
    on_reconnect = getattr(container.bus, "on_reconnect", None)
    if on_reconnect is not None:
        # The bus lost events while the broker was away: clients reconnect and resume by seq.
        async def _resume_all() -> None:
            hub.broadcast({"type": "reconnect", "reason": "event bus reconnected"})

        on_reconnect(_resume_all)


async def _stop(app: Sanic[Any, Any]) -> None:
    await app.ctx.session_guard.close()
    await app.ctx.keepalive.close()
    await app.ctx.hub.close()
    await app.ctx.container.close()


async def drain(app: Sanic[Any, Any]) -> None:
    """SIGTERM: readyz 503, tell sockets to reconnect, finish in-flight work, close, stop."""
    if app.ctx.draining:
        return
    settings: Settings = app.ctx.settings
    app.ctx.draining = True
    deadline = time.monotonic() + settings.drain_timeout_s
    # First let the load balancer see readyz 503, so reconnecting clients land elsewhere.
    await asyncio.sleep(settings.drain_grace_s)
    log.info("draining: %d sockets", len(app.ctx.hub.connections))
    app.ctx.hub.broadcast({"type": "reconnect", "reason": "server restarting"})

    # Two counters owned elsewhere; polling them every 50 ms during a shutdown costs nothing.
    def busy() -> bool:
        return bool(app.ctx.inflight) or not app.ctx.container.pipeline.idle

    while time.monotonic() < deadline and busy():  # noqa: ASYNC110
        await asyncio.sleep(0.05)
    await app.ctx.hub.close_all("server restarting")
    app.stop()


def _ops_routes(app: Sanic[Any, Any]) -> None:
    @app.get("/healthz")
    async def healthz(_: Request) -> HTTPResponse:
        return json_response({"status": "ok"})

    @app.get("/readyz")
    async def readyz(request: Request) -> HTTPResponse:
        if request.app.ctx.draining:
            return errors.problem(503, "draining", "This replica is shutting down.")
        return json_response({"status": "ready"})

    @app.get("/metrics")
    async def metrics(request: Request) -> HTTPResponse:
        m: Metrics = request.app.ctx.metrics
        m.sockets.set(len(request.app.ctx.hub.connections))
        m.deliveries.set(request.app.ctx.hub.delivered)
        m.set_order(request.app.ctx.hub.ordering.stats)
        m.slow_closed.set(SLOW_CLOSED[0])
        m.bus_received.set(getattr(request.app.ctx.container.bus, "received", 0))
        return raw(generate_latest(m.registry), content_type="text/plain; version=0.0.4")

    @app.get("/api/v1/openapi.json")
    async def openapi(_: Request) -> HTTPResponse:
        return json_response(document(ROUTES))


def _middleware(app: Sanic[Any, Any]) -> None:
    @app.on_request
    async def before(request: Request) -> None:
        given = request.headers.get("x-request-id", "")
        rid = given if REQUEST_ID.fullmatch(given) else uuid.uuid4().hex
        request.ctx.request_id = rid
        request.ctx.started = time.perf_counter()
        logs.request_id.set(rid)
        if request.headers.get("upgrade", "").lower() != "websocket":
            # Sockets are not in-flight work: drain tells them to reconnect instead.
            request.app.ctx.inflight += 1
            request.ctx.counted = True

    @app.on_response  # type: ignore[untyped-decorator]  # Sanic's overloads lose the type here
    async def after(request: Request, response: HTTPResponse) -> None:
        if getattr(request.ctx, "counted", False):
            request.app.ctx.inflight -= 1
            request.ctx.counted = False
        response.headers["X-Request-ID"] = getattr(request.ctx, "request_id", "")
        response.headers["X-Content-Type-Options"] = "nosniff"
        route = request.route.name if request.route else metrics_labels.UNMATCHED
        m: Metrics = request.app.ctx.metrics
        method = metrics_labels.method_label(request.method)
        m.requests.labels(method, route, metrics_labels.status_label(response.status)).inc()
        started = getattr(request.ctx, "started", None)
        if started is not None:
            m.latency.labels(route).observe(time.perf_counter() - started)
