"""The composition root: builds every adapter from Settings and closes them in reverse order.

This is the only module that names concrete engines. Unset production URLs mean the embedded
default; a production engine's module is imported only when it is configured.
"""

from __future__ import annotations

import hashlib
import logging
from contextlib import AsyncExitStack
from dataclasses import dataclass
from typing import Any

from backend.adapters.db.calls import SqlCallRepo
from backend.adapters.db.chats import SqlChatRepo
from backend.adapters.db.connection import close_database, open_database
from backend.adapters.db.users import SqlSessionRepo, SqlUserRepo
from backend.adapters.security.passwords import Argon2Hasher
from backend.adapters.security.tokens import JwtIssuer, load_keys
from backend.api.wire import WireBus
from backend.config import Settings
from backend.domain.clock import SystemClock
from backend.domain.ports import EventBus, MessageStore, Presence, RateLimiter
from backend.services.auth import AuthService, Limits
from backend.services.calls import CallLimits, CallService
from backend.services.chats import ChatService
from backend.services.files import FileLimits, FileService
from backend.services.messages import MessageLimits, MessageService
from backend.services.pipeline import Pipeline
from backend.services.search import SearchService
from backend.services.sessions import SessionService
from backend.services.users import UserService

log = logging.getLogger(__name__)


@dataclass
class Container:
    """Everything a request handler may call; built once per process."""

    settings: Settings
    auth: AuthService
    chats: ChatService
    messages: MessageService
    users: UserService
    sessions: SessionService
    bus: EventBus
    presence: Presence
    limiter: RateLimiter
    tokens: JwtIssuer
    pipeline: Pipeline
    store: MessageStore
    stack: AsyncExitStack
    calls: CallService
    files: FileService
    search: SearchService

    async def close(self) -> None:
        await self.stack.aclose()


async def _message_store(settings: Settings) -> Any:
    if settings.elasticsearch_url:
        from backend.adapters.messages.elastic import ElasticMessageStore

        return ElasticMessageStore(settings.elasticsearch_url, settings.elasticsearch_prefix)
    from backend.adapters.messages.sql import SqlMessageStore

    return SqlMessageStore()


def _joint_log(store: Any, chats: SqlChatRepo) -> Any:
    """Message rows in the relational database: they commit with their events, one transaction."""
    from backend.adapters.messages.sql import SqlMessageStore
    from backend.adapters.messages.sql_joint import SqlJointLog

    return SqlJointLog(chats) if isinstance(store, SqlMessageStore) else None


async def _bus(settings: Settings) -> Any:
    if settings.amqp_url:
        from backend.adapters.bus.rabbit import RabbitBus

        return RabbitBus(
            str(settings.amqp_url), settings.amqp_exchange, replica_id=settings.replica_id
        )
    from backend.adapters.bus.memory import MemoryBus

    return MemoryBus()


async def _presence(settings: Settings) -> tuple[Any, Any]:
    if settings.redis_url:
        from backend.adapters.presence.redis import RedisPresence, RedisRateLimiter

        return (
            RedisPresence(
                str(settings.redis_url), settings.redis_prefix, settings.presence_heartbeat_s
            ),
            RedisRateLimiter(str(settings.redis_url), settings.redis_prefix),
        )
    from backend.adapters.presence.memory import MemoryPresence, MemoryRateLimiter

    return MemoryPresence(settings.presence_heartbeat_s), MemoryRateLimiter()


async def _revocations(settings: Settings) -> Any:
    if settings.redis_url:
        from backend.adapters.presence.redis_revocations import RedisRevocations

        return RedisRevocations(str(settings.redis_url), settings.redis_prefix)
    from backend.adapters.presence.memory_revocations import MemoryRevocations

    return MemoryRevocations()


def _call_provider(settings: Settings) -> Any:
    if settings.jitsi_url:
        from backend.adapters.calls.jitsi import JitsiProvider

        return JitsiProvider(
            settings.jitsi_url,
            settings.jitsi_app_id,
            str(settings.jitsi_app_secret),
            audience=settings.jitsi_audience,
            domain=settings.jitsi_domain,
            ttl_s=settings.jitsi_token_ttl_s,
        )
    from backend.adapters.calls.p2p import P2pProvider

    return P2pProvider(
        settings.stun_urls, settings.turn_urls, str(settings.turn_secret), settings.turn_ttl_s
    )


async def _blobs(settings: Settings) -> Any:
    if settings.s3_endpoint:
        from backend.adapters.blobs.s3 import S3BlobStore

        return S3BlobStore(
            settings.s3_endpoint,
            str(settings.s3_access_key),
            str(settings.s3_secret_key),
            settings.s3_bucket,
            settings.s3_region,
            settings.s3_public_url,
        )
    from backend.adapters.blobs.local import LocalBlobStore

    return LocalBlobStore(settings.data_dir / "blobs")


async def _files(
    settings: Settings, stack: AsyncExitStack, chats: ChatService, clock: SystemClock
) -> FileService:
    from backend.adapters.blobs.media import VipsInspector
    from backend.adapters.db.connection import open_upload_store
    from backend.adapters.db.files import SqlFileRepo
    from backend.adapters.db.uploads import SqlUploadRepo

    blobs = await _blobs(settings)
    stack.push_async_callback(blobs.close)  # closed even when start fails half-way
    await blobs.start()
    inspector = VipsInspector(settings.max_image_pixels)
    stack.callback(inspector.close)
    limits = FileLimits(
        settings.max_upload_bytes,
        settings.upload_quota_bytes,
        settings.s3_presign_ttl_s,
        settings.unattached_ttl_s,
    )
    spool = settings.data_dir / "spool"
    upload_db = await open_upload_store(settings)
    if upload_db is not None:
        stack.push_async_callback(upload_db.close)
    uploads = SqlUploadRepo(upload_db)
    files = FileService(chats, SqlFileRepo(), blobs, inspector, clock, limits, spool, uploads)
    files.start()
    stack.push_async_callback(files.close)
    return files


async def build(settings: Settings) -> Container:
    stack = AsyncExitStack()
    try:
        return await _build(settings, stack)
    except BaseException:
        await stack.aclose()
        raise


async def _build(settings: Settings, stack: AsyncExitStack) -> Container:
    log.info("starting with settings %s", settings.describe())
    await open_database(settings)
    stack.push_async_callback(close_database)
    store = await _message_store(settings)
    stack.push_async_callback(store.close)  # closed even when start fails half-way
    await store.start()
    bus = await _bus(settings)
    stack.push_async_callback(bus.close)  # closed even when start fails half-way
    await bus.start()
    presence, limiter = await _presence(settings)
    stack.push_async_callback(presence.close)  # closed even when start fails half-way
    await presence.start()
    stack.push_async_callback(limiter.close)  # closed even when start fails half-way
    await limiter.start()
    revocations = await _revocations(settings)
    stack.push_async_callback(revocations.close)
    await revocations.start()
    hasher = Argon2Hasher(settings.hash_concurrency, settings.hash_queue)
    stack.callback(hasher.close)
    tokens = JwtIssuer(settings)
    clock = SystemClock()
    chats_repo, users = SqlChatRepo(), SqlUserRepo()
    events = WireBus(bus)  # what services publish leaves with JSON bodies
    joint = _joint_log(store, chats_repo)
    pipeline = Pipeline(
        chats_repo,
        store,
        events,
        joint=joint,
        # SQLite has one writer: its transactions gain nothing from running side by side.
        lanes=settings.pipeline_lanes if settings.database_url.startswith("mysql") else 1,
        in_flight=settings.pipeline_in_flight if joint is None else 1,
        # The embedded bus delivers inside `publish`: overlapping calls could interleave a chat.
        publish_calls=settings.pipeline_publish_calls if settings.amqp_url else 1,
    )
    pipeline.start()
    stack.push_async_callback(pipeline.close)
    limits = Limits(
        login_per_account=settings.login_per_account,
        login_per_ip=settings.login_per_ip,
        register_per_ip=settings.register_per_ip,
        refresh_ttl_s=settings.refresh_ttl_s,
        refresh_grace_s=settings.refresh_grace_s,
        login_per_pair=settings.login_per_pair,
        password_per_user=settings.password_per_user,
        refresh_absolute_s=settings.refresh_absolute_s,
    )
    kid, keys = load_keys(settings)
    rotation_key = hashlib.sha256(b"refresh-rotation\x00" + keys[kid].encode()).digest()
    session_repo = SqlSessionRepo()
    sessions = SessionService(session_repo, tokens, revocations, clock, settings.access_ttl_s)
    auth = AuthService(users, session_repo, hasher, sessions, limiter, clock, limits, rotation_key)
    chats = ChatService(chats_repo, users, store, events, presence, pipeline, clock)
    msg_limits = MessageLimits(
        settings.max_text_chars,
        settings.max_page,
        settings.sends_per_user,
        settings.resume_max_events,
    )
    calls = CallService(
        chats,
        chats_repo,
        users,
        SqlCallRepo(),
        _call_provider(settings),
        events,
        clock,
        CallLimits(ring_timeout_s=settings.call_ring_timeout_s),
        limiter,
    )
    calls.start()
    stack.push_async_callback(calls.close)
    files = await _files(settings, stack, chats, clock)
    messages = MessageService(
        chats, chats_repo, store, events, limiter, pipeline, clock, msg_limits, files
    )
    return Container(
        settings,
        auth,
        chats,
        messages,
        UserService(users, limiter, settings.profile_per_user),
        sessions,
        bus,
        presence,
        limiter,
        tokens,
        pipeline,
        store,
        stack,
        calls,
        files,
        # each message store is its own search index
        SearchService(chats_repo, users, store, limiter, settings.searches_per_user),
    )
