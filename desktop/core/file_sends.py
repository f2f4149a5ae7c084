"""A message with files, from the first byte up to the send, surviving an app restart: no Qt.

`PendingSend` is one such message on its way: the tray uploads its files through it (each
upload told where to go on from) and then sends it under its `client_msg_id`. `resume` runs at
every start: it finishes what the last run left (desktop/core/upload_journal.py), uploads going
on from where the server says they stand, and sends each message under its original id.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path

import httpx

from desktop.core.files import FileTransfers
from desktop.core.rest import RestClient
from desktop.core.resumable import ResumableUpload, Resume
from desktop.core.upload_journal import PendingFile, PendingMessage, UploadJournal
from desktop.core.wire import JSON

log = logging.getLogger(__name__)

ABANDON_TIMEOUT = httpx.Timeout(5.0)  # a sign-out does not wait long for a server that is away
Send = Callable[[str, str, tuple[JSON, ...], str, int | None], Awaitable[str]]


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


async def resume(journal: UploadJournal, owner: str, rest: RestClient, send: Send) -> int:
    """Finish every message the last run left half-uploaded; returns how many were sent."""
    journal.keep_only(owner)
    sent = 0
    for message in journal.pending(owner):
        pending = PendingSend(journal, owner, message)
        try:
            files = await _upload_all(pending, rest)
        except Exception as exc:  # the file went away, or the server refused it: give up on it
            log.info("could not finish an interrupted upload: %s", type(exc).__name__)
            pending.done()
            continue
        await send(
            message.chat_id, message.text, files, message.client_msg_id, message.reply_to_seq
        )
        pending.done()
        sent += 1
    return sent


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
    return tuple(f.record for f in pending.message.files if f.record is not None)


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
