"""The ports: one small interface per engine role.

Each has an embedded implementation (one machine, nothing installed) and a production one under
`backend/adapters/<port>/`; `backend/bootstrap.py` is the only place that picks between them.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol

from backend.domain.events import Event
from backend.domain.models import (
    AccessClaims,
    Chat,
    ChatEvent,
    EventType,
    Member,
    Message,
    Role,
    Session,
    SessionInfo,
    StoredFile,
    UploadSession,
    User,
)
from backend.domain.search.query import Query


class Clock(Protocol):
    def now(self) -> datetime: ...


class UserRepo(Protocol):
    async def create(self, user: User) -> User:
        """Insert; raises `Conflict` with code `username_taken` or `email_taken`."""

    async def by_id(self, user_id: str) -> User | None: ...

    async def by_ids(self, user_ids: Iterable[str]) -> dict[str, User]: ...

    async def by_login(self, login: str) -> User | None:
        """A username or an email, case-insensitively."""

    async def search(self, prefix: str, limit: int) -> list[User]: ...

    async def update(
        self,
        user_id: str,
        *,
        display_name: str | None = None,
        email: str | None = None,
        password_hash: str | None = None,
    ) -> User: ...


class SessionRepo(Protocol):
    """Refresh-token records; rotation and family revocation are atomic here."""

    async def create(self, session: Session) -> None: ...

    async def by_hash(self, token_hash: str) -> Session | None: ...

    async def by_id(self, session_id: str) -> Session | None: ...

    async def rotate(self, old: Session, new: Session, now: datetime) -> bool:
        """Mark `old` rotated and store `new`, unless `old` was rotated already (then False)."""

    async def revoke_family(self, family_id: str, now: datetime) -> None: ...

    async def revoke_user(self, user_id: str, now: datetime, keep_family: str | None) -> list[str]:
        """Revoke every live family of the user but `keep_family`; returns the families ended."""

    async def live_families(self, user_id: str, now: datetime) -> list[SessionInfo]:
        """The user's families with an unexpired, unrevoked current token, newest use first."""

    async def family_started(self, family_id: str) -> datetime | None:
        """When the family's first token was issued (its absolute lifetime counts from there)."""


@dataclass(frozen=True, slots=True)
class EventRequest:
    """A change of a chat that needs the next `seq`.

    For a new message `client_msg_id` and `content_hash` make a retry idempotent. `require_role`
    restricts who may make the change (the actor's membership is always required).
    """

    chat_id: str
    type: EventType
    actor_id: str
    created_at: datetime
    client_msg_id: str | None = None
    content_hash: str | None = None
    target_seq: int | None = None
    data: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Appended:
    """The outcome of one `EventRequest`: a new event, the earlier one (a retry), or an error."""

    event: ChatEvent | None
    duplicate: bool = False
    error: Exception | None = None


class ChatRepo(Protocol):
    async def create(self, chat: Chat, members: Sequence[Member]) -> Chat: ...

    async def create_direct(self, chat: Chat, members: Sequence[Member], key: str) -> Chat:
        """Create the direct chat for `key`, or return the one that exists (same id every time)."""

    async def get(self, chat_id: str) -> Chat | None: ...

    async def member(self, chat_id: str, user_id: str) -> Member | None: ...

    async def members(self, chat_id: str) -> list[Member]: ...

    async def memberships(self, user_id: str) -> list[tuple[Chat, Member]]: ...

    async def member_counts(self, chat_ids: Sequence[str]) -> dict[str, int]: ...

    async def direct_peers(self, user_id: str, chat_ids: Sequence[str]) -> dict[str, str]: ...

    async def append(self, requests: Sequence[EventRequest]) -> list[Appended]:
        """Allocate `seq`s and record the events in one transaction, checking membership and
        idempotency; member events also add or remove the member row. Results follow the order
        of `requests`."""

    async def events(self, chat_id: str, after_seq: int, upto_seq: int) -> list[ChatEvent]: ...

    async def unread_counts(
        self, reader_id: str, markers: Sequence[tuple[str, int]]
    ) -> dict[str, int]:
        """For each (chat_id, last_read_seq): live messages after it not sent by the reader."""

    async def mark_read(self, chat_id: str, user_id: str, seq: int) -> int:
        """Move the read marker forward (never back); return the marker now stored."""

    async def set_role(self, chat_id: str, user_id: str, role: Role) -> None: ...

    async def reactions(
        self, chat_id: str, seqs: Sequence[int]
    ) -> dict[int, dict[str, tuple[str, ...]]]:
        """The reactions on these messages (emoji -> user ids, oldest first). They live beside
        the event log, written in the transaction that numbers each change, whichever message
        store holds the texts."""


class MessageStore(Protocol):
    """Message contents, keyed by `<chat_id>:<seq>`; writes are durable when they return."""

    async def write(self, messages: Sequence[Message]) -> None:
        """Insert, or replace a stored state only with a newer one (`Message.revision` above the
        stored one, and never over a deletion); a stale write is dropped silently, since a newer
        event already decided the state. Raises `Unavailable` when the engine did not
        acknowledge."""

    async def get(self, keys: Sequence[tuple[str, int]]) -> dict[tuple[str, int], Message]:
        """Real-time reads by id: a write that returned is always visible here."""

    async def history(
        self, chat_id: str, *, before: int | None, after: int | None, limit: int
    ) -> tuple[list[Message], bool]:
        """A page in ascending `seq` and whether more lie beyond it; the latest page by default."""


EventHandler = Callable[[Event], Awaitable[None]]


class EventBus(Protocol):
    """Fan-out between replicas. `publish` returns once the bus has the events (confirmed)."""

    async def publish(self, events: Sequence[Event]) -> None: ...

    async def bind(self, keys: Iterable[str]) -> None: ...

    async def unbind(self, keys: Iterable[str]) -> None: ...

    def on_event(self, handler: EventHandler) -> None: ...


class Presence(Protocol):
    """Who is online, across replicas; a connection is online while it heartbeats."""

    async def connect(self, user_id: str, conn_id: str) -> bool:
        """Record a connection; True when the user was offline before."""

    async def disconnect(self, user_id: str, conn_id: str) -> bool:
        """Forget a connection; True when the user has none left."""

    async def heartbeat(self, connections: Sequence[tuple[str, str]]) -> None: ...

    async def online(self, user_ids: Iterable[str]) -> set[str]: ...

    async def last_seen(self, user_ids: Iterable[str]) -> dict[str, float]:
        """Unix time each user last connected or disconnected (unknown users left out): what
        "last seen" shows for someone offline."""


class RateLimiter(Protocol):
    async def hit(self, key: str, limit: int, window_s: float) -> float | None:
        """Count one hit; None when allowed, else the seconds until the next would be."""


class PasswordHasher(Protocol):
    async def hash(self, password: str) -> str: ...

    async def verify(self, password_hash: str, password: str) -> bool: ...

    async def verify_dummy(self, password: str) -> None:
        """Cost what a real verification costs, for logins of unknown users."""


class TokenIssuer(Protocol):
    def issue(self, user_id: str, session_id: str) -> tuple[str, int]:
        """An access token of the session (refresh-token family) and its lifetime in seconds."""

    def verify(self, token: str) -> AccessClaims:
        """The token's verified claims; raises `Unauthorized`."""


class Revocations(Protocol):
    """Sessions ended before their access tokens expire, shared by every replica.

    An entry lives as long as an access token may (after that the token is refused anyway)."""

    async def revoke(self, session_ids: Sequence[str], ttl_s: float) -> None: ...

    async def revoked(self, session_ids: Sequence[str]) -> set[str]:
        """Which of these sessions are revoked."""


class BlobStore(Protocol):
    """File contents under random keys; `put` is durable when it returns.

    The caller spools an upload to a local file first (size, hash and type are known before
    anything is kept), so `put` gets a path and a length and never an unbounded stream.
    """

    async def start(self) -> None: ...

    async def close(self) -> None: ...

    async def put(
        self, key: str, source: Path, size: int, content_type: str, sha256: str | None = None
    ) -> None:
        """Store the file at `source` under `key`; the store may move `source` away. `sha256`
        (hex) is the file's, when the caller has it: a store that needs one need not read it."""

    async def size(self, key: str) -> int | None:
        """The stored length, or None when there is no such object."""

    def read(self, key: str, start: int = 0, length: int | None = None) -> AsyncIterator[bytes]:
        """The bytes from `start` (`length` of them, or to the end), in bounded chunks."""

    async def delete(self, key: str) -> None:
        """Remove the object; removing a missing one is not an error."""

    async def presign(
        self, key: str, ttl_s: int, content_type: str, disposition: str
    ) -> str | None:
        """A short-lived GET URL forcing these response headers, or None (we serve it ourselves)."""

    async def begin_parts(self, key: str) -> str:
        """Start an object written part by part (a resumable upload); returns its handle."""

    async def put_part(
        self,
        key: str,
        handle: str,
        number: int,
        offset: int,
        source: Path,
        size: int,
        crc32: int | None = None,
    ) -> str:
        """Store part `number` (1 to 10000, ascending with `offset`; numbers may be skipped),
        the bytes at `offset`, read from `source`; returns its tag. Every part but the last has
        at least `MIN_PART_BYTES`. Raises `NotFound` when the object was finished or aborted.
        `crc32` is the part's own (zlib's), for a store to check the bytes it got against."""

    async def finish_parts(
        self, key: str, handle: str, parts: Sequence[tuple[int, str]], size: int
    ) -> None:
        """The parts named (number, tag) become the object under `key`, durable when this
        returns; any other part is dropped. Finishing one already finished is not an error."""

    async def abort_parts(self, key: str, handle: str) -> None:
        """Drop an unfinished object with every part of it; a missing one is not an error."""


@dataclass(frozen=True, slots=True)
class Inspection:
    """What the bytes of an upload are, found from the bytes (the client's type is not trusted)."""

    content_type: str
    width: int | None = None
    height: int | None = None
    thumbnail: bytes | None = None  # webp, at most ~800 px on its longer side
    placeholder: str | None = None  # a data: URI of a ~24 px webp, painted before the thumbnail


MIN_PART_BYTES = 5 * 1024 * 1024  # S3's smallest part but the last; one rule for every store


class MediaInspector(Protocol):
    def decodes(self, head: bytes) -> bool:
        """Whether `inspect` reads the file past its head (a raster image it will decode)."""

    async def inspect(self, path: Path, head: bytes) -> Inspection:
        """Sniff the type; for raster images also measure and thumbnail, off the event loop.
        Raises `InvalidInput` (`image_too_large`) for an image over the pixel cap."""


class FileRepo(Protocol):
    async def create(self, file: StoredFile) -> None: ...

    async def get(self, file_id: str) -> StoredFile | None: ...

    async def claim(
        self, file_ids: Sequence[str], uploader_id: str, chat_id: str, claim: str
    ) -> list[StoredFile]:
        """Atomically claim unattached files of this uploader and chat for one send; returns
        the files claimed (a file claimed before by the same `claim` counts)."""

    async def attach(self, file_ids: Sequence[str], claim: str, seq: int) -> None: ...

    async def delete_for_message(self, chat_id: str, seq: int) -> list[StoredFile]:
        """Mark the files of a deleted message deleted; returns them (their blobs go next)."""

    async def used_bytes(self, uploader_id: str) -> int: ...

    async def stale(self, before: datetime, limit: int) -> list[StoredFile]:
        """Files never attached, uploaded before `before`, and deleted ones (blob cleanup)."""

    async def purge(self, file_ids: Sequence[str]) -> None: ...


class UploadRepo(Protocol):
    """Resumable upload sessions; `advance` is a compare-and-set so two PUTs of the same offset
    cannot both append."""

    async def create(self, upload: UploadSession) -> None: ...

    async def get(self, upload_id: str) -> UploadSession | None: ...

    async def advance(self, upload_id: str, offset: int, after: UploadSession) -> bool:
        """Record a chunk (`after` is the session with it) if the session still stands at
        `offset`: the tags, the hash state and the scan move together with `received`."""

    async def delete(self, upload_id: str, received: int) -> bool:
        """Delete the session if it still stands at `received` (no chunk recorded meanwhile)."""

    async def stale(self, before: datetime, limit: int) -> list[UploadSession]: ...

    async def open_for(self, uploader_id: str) -> tuple[int, int]:
        """How many sessions this user has open, and the bytes they announced."""


@dataclass(frozen=True, slots=True)
class SearchRequest:
    """A parsed query over `chat_ids` (the caller's chats, already checked), one page of it."""

    query: Query
    chat_ids: tuple[str, ...]
    sender_ids: tuple[str, ...] = ()
    relevance: bool = False  # else newest first
    offset: int = 0
    limit: int = 20


class MessageSearch(Protocol):
    """Full-text search over the messages a `MessageStore` holds.

    A port of its own so the services that search need nothing else, but implemented by each
    `MessageStore` adapter itself: the terms are written with the message (the same SQL
    transaction, the same Elasticsearch document), so an edit or deletion can never leave stale
    terms behind. Deleted messages are never hits. Near-real-time: a write is searchable within
    about a second.
    """

    async def search(self, request: SearchRequest) -> list[Message]:
        """Hits in order (newest first, or best first with ties newest first)."""
