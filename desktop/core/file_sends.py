"""A message with files, from the first byte up to the send, surviving an app restart: no Qt.

`PendingSend` is one such message on its way: the tray uploads its files through it (each
upload told where to go on from) and then sends it under its `client_msg_id`. `resume` runs at
every start: it finishes what the last run left (desktop/core/upload_journal.py), uploads going
on from where the server says they stand, and sends each message under its original id.

A server that is away or failing (5xx, 429) is waited for with backoff, as a queued text waits.
A refusal that trying again would not change (413, 422, a file gone from disk) is shown: the
message appears as failed with the reason, and stays in the journal, text and all, until the
user's Retry sends it (`finish` again) or the next start shows it again.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import replace
from pathlib import Path

import httpx

from desktop.core.backoff import Backoff
from desktop.core.errors import ApiError, ServerUnreachableError, SessionExpiredError, describe
from desktop.core.files import FileTransfers
from desktop.core.rest import RestClient
from desktop.core.resumable import ResumableUpload, Resume
from desktop.core.upload_journal import PendingFile, PendingMessage, UploadJournal
from desktop.core.wire import JSON

log = logging.getLogger(__name__)

ABANDON_TIMEOUT = httpx.Timeout(5.0)  # a sign-out does not wait long for a server that is away
Send = Callable[[str, str, tuple[JSON, ...], str, int | None], Awaitable[str]]
# A message the server refused: shown failed, with the files that did go up and the reason.
Refused = Callable[[PendingMessage, tuple[JSON, ...], str], None]
RETRY_BASE_S, RETRY_CAP_S = 1.0, 60.0


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
            self._journal.started(self._owner, self.client_msg_id, index, upload_id)

        return Resume(self.message.files[index].upload_id, started, abandon)

    def uploaded(self, index: int, record: JSON) -> None:
        self.message.files[index].record = record
        self._journal.uploaded(self._owner, self.client_msg_id, index, record)

    def done(self) -> None:
        """Sent (the outbox has it now), cancelled or failed: nothing left to resume."""
        self._journal.remove(self.client_msg_id)


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
    delays = Backoff(base=RETRY_BASE_S, cap=RETRY_CAP_S)
    while True:
        try:
            files = await _upload_all(pending, rest)
            break
        except SessionExpiredError:
            raise  # the app signs out, which wipes the journal
        except Exception as exc:
            if not _passing(exc):
                reason = describe(exc)
                log.info("an interrupted upload was refused: %s", type(exc).__name__)
                journal.refused(owner, pending.message, reason)
                refused(pending.message, _records(pending.message), reason)
                return False
            log.info("an interrupted upload waits for the server: %s", type(exc).__name__)
            await asyncio.sleep(delays.next())
    await send(message.chat_id, message.text, files, message.client_msg_id, message.reply_to_seq)
    pending.done()
    return True


def _passing(exc: Exception) -> bool:
    """A failure that goes away by itself: the server away, failing or asking us to slow down."""
    if isinstance(exc, ServerUnreachableError | TimeoutError | httpx.TransportError):
        return True
    return isinstance(exc, ApiError) and (exc.status >= 500 or exc.status == 429)


def _records(message: PendingMessage) -> tuple[JSON, ...]:
    return tuple(f.record for f in message.files if f.record is not None)


async def _upload_all(pending: PendingSend, rest: RestClient) -> tuple[JSON, ...]:
    transfers = FileTransfers(rest)
    for index, f in enumerate(pending.message.files):
        if f.record is None:
            got = await transfers.upload(
                pending.message.chat_id,
                Path(f.path),
                resume=pending.resume(index, lambda: False),
            )
            pending.uploaded(index, got.record())
    return _records(pending.message)


async def forget(journal: UploadJournal, owner: str, rest: RestClient | None) -> None:
    """Sign-out: drop every half-done upload's server session (when the server can still be
    told) and wipe the journal, so nothing is resumed for anyone at the next sign-in."""
    sessions = [
        f.upload_id
        for m in journal.pending(owner)
        for f in m.files
        if f.upload_id and f.record is None
    ]
    journal.clear()
    if rest is not None and sessions:
        uploads = ResumableUpload(rest, ABANDON_TIMEOUT)
        await asyncio.gather(*(uploads.abandon(s) for s in sessions))
