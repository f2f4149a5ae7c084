"""Writing to chats, without Qt: sending (with uploaded files), retrying or discarding a failed
message, editing, deleting, and the typing notice.

`Outbox` is the composer's one service. It shows a message as pending at once and hands it to
the realtime client's outbox, which keeps it until the server acknowledges it; edits and deletes
go over REST and are shown from the answer, before their event comes back over the socket.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from pathlib import Path
from typing import Protocol

from desktop.core import file_sends
from desktop.core.errors import check_text
from desktop.core.file_sends import PendingSend
from desktop.core.listener import AppListener
from desktop.core.realtime import RealtimeClient
from desktop.core.rest import RestClient
from desktop.core.session import SessionStore
from desktop.core.timeline import SendState, Timeline
from desktop.core.upload_journal import PendingMessage, UploadJournal
from desktop.core.wire import JSON, Chat, Message, User

TYPING_SEND_EVERY_S = 1.5  # the server passes one a second per chat and drops the rest


class Session(Protocol):
    """What the outbox needs of the signed-in session (`desktop.core.app.Messenger`)."""

    @property
    def me(self) -> User | None: ...

    @property
    def rest(self) -> RestClient | None: ...

    @property
    def realtime(self) -> RealtimeClient | None: ...

    @property
    def listener(self) -> AppListener: ...

    @property
    def sessions(self) -> SessionStore: ...

    @property
    def chats(self) -> dict[str, Chat]: ...

    @property
    def timelines(self) -> dict[str, Timeline]: ...

    def timeline(self, chat_id: str) -> Timeline: ...


class Outbox:
    """Sending, retrying, editing and deleting my messages; typing notices, throttled."""

    def __init__(self, session: Session) -> None:
        self._session = session
        self._last_typing_sent: dict[str, float] = {}

    @property
    def rest(self) -> RestClient | None:
        """None while offline: the composer says so instead of queueing behind a dead client."""
        return self._session.rest

    async def send(
        self,
        chat_id: str,
        text: str,
        files: tuple[JSON, ...] = (),
        client_msg_id: str = "",
        reply_to_seq: int | None = None,
    ) -> str:
        """Show the message as pending at once and hand it to the outbox; returns its id.
        `files` are uploaded `file` records to attach (desktop.core.files); `reply_to_seq`
        the message it answers."""
        me, realtime = self._session.me, self._session.realtime
        assert me is not None and realtime is not None
        text = text.strip("\n")
        if not text.strip() and not files:
            return ""
        check_text(text)
        client_msg_id = client_msg_id or uuid.uuid4().hex
        tl = self._session.timeline(chat_id)
        tl.add_pending(client_msg_id, me.id, text, files, reply_to_seq)
        ids = tuple(str(f["id"]) for f in files)
        await realtime.send_message(chat_id, client_msg_id, text, ids, reply_to_seq)
        return client_msg_id

    @property
    def journal(self) -> UploadJournal:
        """The profile's half-sent messages with files (desktop/core/upload_journal.py)."""
        return UploadJournal(self._session.sessions.config_dir / "uploads.sqlite3")

    @property
    def owner(self) -> str:
        """Whose journal entries are this session's: one account on one server ("" signed out)."""
        me, rest = self._session.me, self._session.rest
        return f"{rest.server_url}|{me.id}" if me is not None and rest is not None else ""

    def _journal(self) -> tuple[UploadJournal, str] | None:
        owner = self.owner
        return (self.journal, owner) if owner else None

    async def forget_uploads(self, owner: str, rest: RestClient | None) -> None:
        """Sign-out (or the session ended): cancel what was still going up, for good."""
        await file_sends.forget(self.journal, owner, rest)

    def begin_files(
        self, chat_id: str, text: str, paths: list[Path], reply_to_seq: int | None = None
    ) -> PendingSend | None:
        """A message whose files are about to go up, remembered (with the message it answers)
        until it is sent (None while offline)."""
        found = self._journal()
        return file_sends.begin(*found, chat_id, text, paths, reply_to_seq) if found else None

    async def resume_uploads(self) -> int:
        """At start: send what the last run was still uploading, under the same ids."""
        found, rest = self._journal(), self._session.rest
        if found is None or rest is None:
            return 0
        _, sent = await asyncio.gather(
            file_sends.resume_cancels(*found, rest),  # beside the sends: it may wait long
            file_sends.resume(*found, rest, self._send_resumed, self._show_refused),
        )
        return sent

    async def _send_resumed(
        self,
        chat_id: str,
        text: str,
        files: tuple[JSON, ...],
        client_msg_id: str,
        reply_to_seq: int | None,
    ) -> str:
        """A journal's message is up: send it, in the row that showed it failed if there is one."""
        tl = self._session.timeline(chat_id)
        entry = tl.entry(client_msg_id)
        if entry is None or entry.seq is not None:
            return await self.send(chat_id, text, files, client_msg_id, reply_to_seq)
        realtime = self._session.realtime
        assert realtime is not None
        entry.attachments = files
        tl.set_state(client_msg_id, SendState.PENDING)
        ids = tuple(str(f["id"]) for f in files)
        await realtime.send_message(chat_id, client_msg_id, text, ids, reply_to_seq)
        return client_msg_id

    def _show_refused(self, message: PendingMessage, files: tuple[JSON, ...], reason: str) -> None:
        """A journal's message the server refused: a failed row keeps its text, with Retry."""
        me = self._session.me
        if me is None:
            return
        tl = self._session.timeline(message.chat_id)
        if tl.entry(message.client_msg_id) is None:
            tl.add_pending(message.client_msg_id, me.id, message.text, files, message.reply_to_seq)
        tl.set_state(message.client_msg_id, SendState.FAILED, reason)
        self._session.listener.error(reason)

    def _refused_upload(self, client_msg_id: str) -> PendingMessage | None:
        found = self._journal()
        if found is None:
            return None
        journal, owner = found
        return next(
            (m for m in journal.pending(owner) if m.client_msg_id == client_msg_id and m.error),
            None,
        )

    async def retry(self, chat_id: str, client_msg_id: str) -> None:
        """Send a failed message again with the same `client_msg_id` (never a duplicate); one
        whose upload was refused goes up again first."""
        realtime = self._session.realtime
        assert realtime is not None
        tl = self._session.timeline(chat_id)
        entry = tl.entry(client_msg_id)
        if entry is None or entry.seq is not None:
            return
        tl.set_state(client_msg_id, SendState.PENDING)
        refused, found, rest = self._refused_upload(client_msg_id), self._journal(), self.rest
        if refused is not None and found is not None and rest is not None:
            await file_sends.finish(*found, rest, self._send_resumed, self._show_refused, refused)
            return
        ids = tuple(str(f["id"]) for f in entry.attachments)
        await realtime.send_message(chat_id, client_msg_id, entry.text, ids, entry.reply_to_seq)

    async def discard(self, chat_id: str, client_msg_id: str) -> None:
        """Drop a failed message for good: out of the chat, the send queue and the upload
        journal (so no later start shows or resumes it); nothing of it is sent."""
        tl = self._session.timeline(chat_id)
        entry = tl.entry(client_msg_id)
        if entry is None or entry.seq is not None or entry.state is not SendState.FAILED:
            return
        realtime = self._session.realtime
        if realtime is not None:
            realtime.forget(client_msg_id)
        tl.discard(client_msg_id)
        found = self._journal()
        if found is not None:
            await file_sends.discard(*found, client_msg_id, self.rest)

    async def edit_message(self, chat_id: str, seq: int, text: str) -> None:
        """Replace the text of one of my messages; everyone sees it by `message.updated`."""
        rest = self._session.rest
        assert rest is not None
        text = text.strip("\n")
        if not text.strip():
            return
        check_text(text)
        self._apply_own_change(await rest.edit_message(chat_id, seq, text))

    async def delete_message(self, chat_id: str, seq: int) -> None:
        """Delete one of my messages; a tombstone stays (`message.deleted` for everyone)."""
        rest = self._session.rest
        assert rest is not None
        self._apply_own_change(await rest.delete_message(chat_id, seq))

    async def react(self, chat_id: str, seq: int, emoji: str, on: bool) -> None:
        """Put my reaction on a message or take it off; shown from the answer at once (the
        `reaction.*` event that follows changes nothing more)."""
        rest = self._session.rest
        assert rest is not None
        self._apply_own_change(await rest.react(chat_id, seq, emoji, on))

    def _apply_own_change(self, m: Message) -> None:
        # The event follows over the socket; showing the answer now saves the reader a round
        # trip, and applying the same message twice changes nothing.
        tl = self._session.timelines.get(m.chat_id)
        if tl is not None and tl.loaded:
            tl.upsert(m)
        chat = self._session.chats.get(m.chat_id)
        if chat is not None and chat.last_message is not None and chat.last_message.seq == m.seq:
            chat.last_message = m
            self._session.listener.chat_changed(m.chat_id)

    async def typed(self, chat_id: str) -> None:
        """The composer changed; tell the chat, at most every few seconds."""
        realtime = self._session.realtime
        now = time.monotonic()
        last = self._last_typing_sent.get(chat_id, 0)
        if realtime is None or now - last < TYPING_SEND_EVERY_S:
            return
        self._last_typing_sent[chat_id] = now
        await realtime.typing(chat_id)
