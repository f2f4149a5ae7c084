"""A message with files, from the first byte up to the send, surviving an app restart: no Qt.

`PendingSend` is one such message on its way: the tray uploads its files through it (each
upload told where to go on from) and then sends it under its `client_msg_id`. `resume` runs at
every start: it finishes what the last run left (desktop/core/upload_journal.py), uploads going
on from where the server says they stand, and sends each message under its original id.

A server that is away or failing (5xx, 429, a timeout) is waited for with backoff, as a queued
text waits, or as long as its Retry-After says (capped; desktop/core/backoff.py): `upload_file`
is that one loop, for the tray's sends and the resumed ones alike. A refusal that trying again
would not change (413, 422, a file gone from disk) is shown: the message appears as failed with
the reason, and stays in the journal, text and all, until the user's Retry sends it (`finish`
again) or Discard drops it (`discard`); the next start shows it again until then.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import uuid
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import replace
from pathlib import Path
from typing import Any

import httpx

from desktop.core.backoff import Backoff, retry_delay
from desktop.core.errors import (
    ApiError,
    ClientError,
    ServerUnreachableError,
    SessionExpiredError,
    describe,
)
from desktop.core.files import FileTransfers, RemoteFile
from desktop.core.rest import RestClient
from desktop.core.resumable import Progress, ResumableUpload, Resume
from desktop.core.signed_in import read_limits
from desktop.core.upload_journal import PendingFile, PendingMessage, UploadJournal
from desktop.core.wire import JSON

log = logging.getLogger(__name__)

ABANDON_TIMEOUT = httpx.Timeout(5.0)  # a sign-out does not wait long for a server that is away
Send = Callable[[str, str, tuple[JSON, ...], str, int | None], Awaitable[str]]
# A message the server refused: shown failed, with the files that did go up and the reason.
Refused = Callable[[PendingMessage, tuple[JSON, ...], str], None]
# The server failed and the upload waits to try again (the reason), or goes on ("").
Waiting = Callable[[str], None]
RETRY_BASE_S, RETRY_CAP_S = 1.0, 60.0
CANCEL_PATIENCE_S = 600.0  # how long a cancel keeps asking a failing server to drop a session


class PendingSend:
    def __init__(self, journal: UploadJournal, owner: str, message: PendingMessage) -> None:
        self._journal, self._owner, self.message = journal, owner, message
        journal.add(owner, message)

    @property
    def client_msg_id(self) -> str:
        return self.message.client_msg_id

    def resume(self, index: int, abandon: Callable[[], bool]) -> Resume:
        """For file `index`'s upload: its session is remembered once the server opens it."""

        def started(upload_id: str) -> None:
            self.message.files[index].upload_id = upload_id  # a retry goes on with it
            self._journal.started(self._owner, self.client_msg_id, index, upload_id)

        return Resume(self.message.files[index].upload_id, started, abandon)

    def uploaded(self, index: int, record: JSON) -> None:
        self.message.files[index].record = record
        self._journal.uploaded(self._owner, self.client_msg_id, index, record)

    def done(self) -> None:
        """Sent (the outbox has it now), cancelled or failed: nothing left to resume."""
        self._journal.remove(self.client_msg_id)

    def cancelled(self, rest: RestClient) -> Coroutine[Any, Any, None]:
        """The user's cancel: nothing is resumed, and each session still going up is recorded
        (at once, before the app might quit) to be dropped by the returned coroutine, which
        waits out a failing server; whatever it leaves, the next start asks again."""
        ids = [f.upload_id for f in self.message.files if f.upload_id and f.record is None]
        self._journal.cancel_later(self._owner, ids)
        self.done()
        return cancel(self._journal, self._owner, rest, ids)


def begin(
    journal: UploadJournal,
    owner: str,
    chat_id: str,
    text: str,
    paths: list[Path],
    reply_to_seq: int | None = None,
) -> PendingSend:
    files = [PendingFile(str(p)) for p in paths]
    message = PendingMessage(uuid.uuid4().hex, chat_id, text, files, reply_to_seq)
    return PendingSend(journal, owner, message)


async def resume(
    journal: UploadJournal, owner: str, rest: RestClient, send: Send, refused: Refused
) -> int:
    """Finish every message the last run left half-uploaded; returns how many were sent. One
    refused before is shown failed again and left for the user's Retry."""
    journal.keep_only(owner)
    sent = 0
    for message in journal.pending(owner):
        if message.error:
            refused(message, _records(message), message.error)
        elif await finish(journal, owner, rest, send, refused, message):
            sent += 1
    return sent


async def finish(
    journal: UploadJournal,
    owner: str,
    rest: RestClient,
    send: Send,
    refused: Refused,
    message: PendingMessage,
) -> bool:
    """Upload what is left of `message` and send it; False when it was refused (then shown
    failed and kept). Waits out a server that is away or failing; cancel the task to stop."""
    pending = PendingSend(journal, owner, replace(message, error=""))
    try:
        files = await _upload_all(pending, rest)
    except SessionExpiredError:
        raise  # the app signs out, which wipes the journal
    except Exception as exc:
        reason = describe(exc)
        log.info("an interrupted upload was refused: %s", type(exc).__name__)
        journal.refused(owner, pending.message, reason)
        refused(pending.message, _records(pending.message), reason)
        return False
    await send(message.chat_id, message.text, files, message.client_msg_id, message.reply_to_seq)
    pending.done()
    return True


async def upload_file(
    transfers: FileTransfers,
    pending: PendingSend,
    index: int,
    on_progress: Progress | None = None,
    abandon: Callable[[], bool] = lambda: False,
    waiting: Waiting = lambda _reason: None,
) -> RemoteFile:
    """Upload file `index` of `pending`, waiting out (1-60 s backoff, or the server's
    Retry-After) a server that is away or failing; a refusal raises. Cancel the task to stop
    (`abandon`: the user's cancel)."""
    delays = Backoff(base=RETRY_BASE_S, cap=RETRY_CAP_S)
    path = Path(pending.message.files[index].path)
    while True:
        try:
            got = await transfers.upload(
                pending.message.chat_id, path, on_progress, pending.resume(index, abandon)
            )
        except SessionExpiredError:
            raise
        except Exception as exc:
            if not passing(exc):
                raise
            log.info("an upload waits for the server: %s", type(exc).__name__)
            waiting(describe(exc))
            await asyncio.sleep(retry_delay(_retry_after(exc), delays.next()))
            waiting("")
            continue
        pending.uploaded(index, got.record())
        with contextlib.suppress(ClientError):  # kept: the old figure; the server still decides
            await read_limits(transfers.rest)  # what the quota has left now
        return got


def passing(exc: Exception) -> bool:
    """A failure that goes away by itself: the server away, failing or asking us to slow down."""
    if isinstance(exc, ServerUnreachableError | TimeoutError | httpx.TransportError):
        return True
    return isinstance(exc, ApiError) and (exc.status >= 500 or exc.status == 429)


def _retry_after(exc: Exception) -> float | None:
    return exc.retry_after if isinstance(exc, ApiError) else None


def _records(message: PendingMessage) -> tuple[JSON, ...]:
    return tuple(f.record for f in message.files if f.record is not None)


async def _upload_all(pending: PendingSend, rest: RestClient) -> tuple[JSON, ...]:
    transfers = FileTransfers(rest)
    for index, f in enumerate(pending.message.files):
        if f.record is None:
            await upload_file(transfers, pending, index)
    return _records(pending.message)


async def discard(
    journal: UploadJournal, owner: str, client_msg_id: str, rest: RestClient | None
) -> None:
    """The user dropped a refused message: it leaves the journal (never resumed, never sent)
    and the server forgets its half-done upload sessions (files already up but never attached
    are removed by the server after a while)."""
    found = next((m for m in journal.pending(owner) if m.client_msg_id == client_msg_id), None)
    journal.remove(client_msg_id)
    if found is not None:
        await abandon(rest, found)


async def abandon(rest: RestClient | None, message: PendingMessage) -> None:
    """Drop the server's sessions of `message`'s files still going up (best effort)."""
    await _abandon(rest, [f.upload_id for f in message.files if f.upload_id and f.record is None])


async def cancel(journal: UploadJournal, owner: str, rest: RestClient, ids: list[str]) -> None:
    """Drop the cancelled sessions `ids` (the journal's `cancels`), waiting out a server that
    is away or failing (as an upload would) for up to CANCEL_PATIENCE_S; each leaves the
    journal once the server has answered for good (204, 404). What is left when the app quits
    or the patience ends is asked again at the next start (`resume_cancels`). Run it in the
    background."""
    uploads = ResumableUpload(rest, ABANDON_TIMEOUT)
    await asyncio.gather(*(_drop(uploads, upload_id, journal) for upload_id in ids))


async def resume_cancels(journal: UploadJournal, owner: str, rest: RestClient) -> None:
    """At start: the cancels the last run could not get through."""
    await cancel(journal, owner, rest, journal.cancels(owner))


async def _drop(uploads: ResumableUpload, upload_id: str, journal: UploadJournal) -> None:
    delays = Backoff(base=RETRY_BASE_S, cap=RETRY_CAP_S)
    deadline = time.monotonic() + CANCEL_PATIENCE_S
    while True:
        try:
            await uploads.drop(upload_id)
        except SessionExpiredError:
            return  # signed out: the sign-out forgets what it can, the sweep the rest
        except Exception as exc:
            if passing(exc):
                if time.monotonic() > deadline:
                    return  # kept in the journal: the next start asks again
                log.info("a cancelled upload waits for the server: %s", type(exc).__name__)
                await asyncio.sleep(retry_delay(_retry_after(exc), delays.next()))
                continue
        journal.cancelled(upload_id)  # dropped (204), gone already (404) or refused for good
        return


async def forget(journal: UploadJournal, owner: str, rest: RestClient | None) -> None:
    """Sign-out: drop every half-done upload's server session (when the server can still be
    told) and wipe the journal, so nothing is resumed for anyone at the next sign-in."""
    sessions = [
        f.upload_id
        for m in journal.pending(owner)
        for f in m.files
        if f.upload_id and f.record is None
    ] + journal.cancels(owner)
    journal.clear()
    await _abandon(rest, sessions)


async def _abandon(rest: RestClient | None, sessions: list[str]) -> None:
    if rest is not None and sessions:
        uploads = ResumableUpload(rest, ABANDON_TIMEOUT)
        await asyncio.gather(*(uploads.abandon(s) for s in sessions))
