"""The messages of one chat as the app shows them: confirmed ones by `seq`, then pending ones.

A `Timeline` merges history pages, live events, resumed events and send acknowledgements into one
ordered list, each message once (de-duplicated by `seq`, and own messages also by `client_msg_id`).
An observer (the Qt list model) is told before and after every structural change, the way
`QAbstractItemModel` needs it; the timeline itself knows nothing of Qt.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import Protocol

from desktop.core.wire import JSON, Message


class SendState(StrEnum):
    SENT = "sent"
    PENDING = "pending"
    FAILED = "failed"


@dataclass(slots=True)
class Entry:
    """One row: a stored message, or one of ours not yet acknowledged."""

    chat_id: str
    seq: int | None
    sender_id: str
    text: str
    created_at: datetime
    client_msg_id: str | None = None
    edited: bool = False
    deleted: bool = False
    state: SendState = SendState.SENT
    error: str = ""
    attachments: tuple[JSON, ...] = ()  # `file` records; pending ones carry only their ids
    reply_to_seq: int | None = None
    reactions: dict[str, list[str]] = field(default_factory=dict)  # emoji -> user ids, in order

    @classmethod
    def of(cls, m: Message) -> Entry:
        return cls(
            chat_id=m.chat_id,
            seq=m.seq,
            sender_id=m.sender_id,
            text=m.text,
            created_at=m.created_at,
            client_msg_id=m.client_msg_id,
            edited=m.edited_at is not None,
            deleted=m.deleted,
            attachments=m.attachments,
            reply_to_seq=m.reply_to_seq,
            reactions={e: list(u) for e, u in (m.reactions or {}).items()},
        )

    def absorb(self, m: Message) -> None:
        self.seq = m.seq
        self.text = "" if m.deleted else m.text
        self.edited = m.edited_at is not None
        self.deleted = m.deleted
        self.created_at = m.created_at
        self.state = SendState.SENT
        self.error = ""
        if m.reply_to_seq is not None:
            self.reply_to_seq = m.reply_to_seq
        if m.deleted:
            self.reactions = {}
        elif m.reactions is not None:
            self.reactions = {e: list(u) for e, u in m.reactions.items()}

    def react(self, emoji: str, user_id: str, on: bool) -> bool:
        """Apply one `reaction.*` event; False when it changed nothing (a replayed one)."""
        users = self.reactions.get(emoji, [])
        if on == (user_id in users) or self.deleted:
            return False
        if on:
            self.reactions[emoji] = [*users, user_id]
        elif len(users) > 1:
            self.reactions[emoji] = [u for u in users if u != user_id]
        else:
            del self.reactions[emoji]
        return True


class TimelineObserver(Protocol):
    def begin_insert(self, first: int, last: int) -> None: ...
    def end_insert(self) -> None: ...
    def begin_remove(self, first: int, last: int) -> None: ...
    def end_remove(self) -> None: ...
    def row_changed(self, row: int) -> None: ...
    def begin_reset(self) -> None: ...
    def end_reset(self) -> None: ...


class NoObserver:
    """A timeline nobody watches (not on screen, or its view went away)."""

    def begin_insert(self, first: int, last: int) -> None: ...
    def end_insert(self) -> None: ...
    def begin_remove(self, first: int, last: int) -> None: ...
    def end_remove(self) -> None: ...
    def row_changed(self, row: int) -> None: ...
    def begin_reset(self) -> None: ...
    def end_reset(self) -> None: ...


class Timeline:
    """Rows `0 .. len(confirmed)-1` are stored messages by seq; the rest are pending, in order."""

    def __init__(self, chat_id: str) -> None:
        self.chat_id = chat_id
        self._confirmed: list[Entry] = []
        self._seqs: list[int] = []  # parallel to _confirmed, for bisect
        self._pending: list[Entry] = []
        self._by_seq: dict[int, Entry] = {}
        self._by_cid: dict[str, Entry] = {}
        self.has_more_before = True
        self.loaded = False
        # Live messages that arrive while the first page is on its way: the page may have been
        # read before they were stored, so they are applied on top of it once it lands.
        self.early: list[Message] = []
        self._early_reactions: list[tuple[int, str, str, bool]] = []
        self.observer: TimelineObserver = NoObserver()

    # -- reading ----------------------------------------------------------------------------

    def __len__(self) -> int:
        return len(self._confirmed) + len(self._pending)

    def row(self, index: int) -> Entry:
        n = len(self._confirmed)
        return self._confirmed[index] if index < n else self._pending[index - n]

    def row_of_seq(self, seq: int) -> int | None:
        i = bisect.bisect_left(self._seqs, seq)
        return i if i < len(self._seqs) and self._seqs[i] == seq else None

    @property
    def oldest_seq(self) -> int | None:
        return self._seqs[0] if self._seqs else None

    @property
    def newest_seq(self) -> int:
        return self._seqs[-1] if self._seqs else 0

    def entry(self, client_msg_id: str) -> Entry | None:
        return self._by_cid.get(client_msg_id)

    def by_seq(self, seq: int) -> Entry | None:
        return self._by_seq.get(seq)

    def react(self, message_seq: int, emoji: str, user_id: str, on: bool) -> None:
        """A `reaction.added`/`removed` event for a message this timeline holds (one it does
        not hold yet comes with its reactions in the page that brings it)."""
        if not self.loaded:
            self._early_reactions.append((message_seq, emoji, user_id, on))
            return
        entry = self._by_seq.get(message_seq)
        if entry is not None and entry.react(emoji, user_id, on):
            row = self.row_of_seq(message_seq)
            if row is not None:
                self.observer.row_changed(row)

    # -- merging stored messages ------------------------------------------------------------

    def replace(self, messages: list[Message], has_more_before: bool) -> None:
        """Start over from a page (first load, or `resync`); pending rows are kept."""
        self.observer.begin_reset()
        self._confirmed, self._seqs, self._by_seq = [], [], {}
        self._by_cid = {e.client_msg_id: e for e in self._pending if e.client_msg_id}
        for m in sorted(messages, key=lambda m: m.seq):
            self._put_confirmed(len(self._confirmed), self._adopt(m))
        self._pending = [e for e in self._pending if e.seq is None]
        self.has_more_before = has_more_before
        self.loaded = True
        self.observer.end_reset()
        early, self.early = self.early, []
        for m in sorted(early, key=lambda m: m.seq):
            self.upsert(m)
        # In event order on top of the page: each (emoji, user) ends as its last event says.
        reactions, self._early_reactions = self._early_reactions, []
        for change in reactions:
            self.react(*change)

    def merge(self, messages: list[Message]) -> None:
        """Add or update stored messages; a block older than everything is inserted at once."""
        fresh = [m for m in messages if m.seq not in self._by_seq]
        old = [m for m in messages if m.seq in self._by_seq]
        if (
            fresh
            and self._seqs
            and max(m.seq for m in fresh) < self._seqs[0]
            and not any(m.client_msg_id and m.client_msg_id in self._by_cid for m in fresh)
        ):
            block = [Entry.of(m) for m in sorted(fresh, key=lambda m: m.seq)]
            self.observer.begin_insert(0, len(block) - 1)
            self._confirmed[0:0] = block
            self._seqs[0:0] = [e.seq for e in block if e.seq is not None]
            for e in block:
                self._index(e)
            self.observer.end_insert()
        else:
            for m in sorted(fresh, key=lambda m: m.seq):
                self.upsert(m)
        for m in old:
            self.upsert(m)

    def upsert(self, m: Message) -> None:
        """One stored message: update it in place, confirm our pending copy, or insert it."""
        known = self._by_seq.get(m.seq)
        if known is not None:
            known.absorb(m)
            row = self.row_of_seq(m.seq)
            if row is not None:
                self.observer.row_changed(row)
            return
        mine = self._by_cid.get(m.client_msg_id) if m.client_msg_id else None
        if mine is not None and mine.seq is None:
            self._confirm(mine, m)
            return
        entry = Entry.of(m)
        self._insert_confirmed(entry)

    # -- our own sends ----------------------------------------------------------------------

    def add_pending(
        self,
        client_msg_id: str,
        sender_id: str,
        text: str,
        attachments: tuple[JSON, ...] = (),
        reply_to_seq: int | None = None,
    ) -> Entry:
        entry = Entry(
            chat_id=self.chat_id,
            seq=None,
            sender_id=sender_id,
            text=text,
            created_at=datetime.now(UTC),
            client_msg_id=client_msg_id,
            state=SendState.PENDING,
            attachments=attachments,
            reply_to_seq=reply_to_seq,
        )
        row = len(self)
        self.observer.begin_insert(row, row)
        self._pending.append(entry)
        self._by_cid[client_msg_id] = entry
        self.observer.end_insert()
        return entry

    def acknowledge(self, client_msg_id: str, seq: int, message_id: str) -> None:
        entry = self._by_cid.get(client_msg_id)
        if entry is None or entry.seq is not None:
            return
        if seq in self._by_seq:  # the event overtook the ack: drop the pending copy
            self._remove_pending(entry)
            self._by_cid[client_msg_id] = self._by_seq[seq]
            return
        stored = Message(
            id=message_id,
            chat_id=self.chat_id,
            seq=seq,
            sender_id=entry.sender_id,
            text=entry.text,
            created_at=entry.created_at,
            client_msg_id=client_msg_id,
        )
        self._confirm(entry, stored)

    def discard(self, client_msg_id: str) -> None:
        """Take one of my unsent messages out (the user dropped it after a failure)."""
        entry = self._by_cid.get(client_msg_id)
        if entry is None or entry.seq is not None:
            return
        self._remove_pending(entry)
        del self._by_cid[client_msg_id]

    def set_state(self, client_msg_id: str, state: SendState, error: str = "") -> None:
        entry = self._by_cid.get(client_msg_id)
        if entry is None or entry.seq is not None:
            return
        entry.state, entry.error = state, error
        self.observer.row_changed(len(self._confirmed) + self._pending.index(entry))

    # -- internals --------------------------------------------------------------------------

    def _adopt(self, m: Message) -> Entry:
        """A page row; reuses our pending entry when the page already holds our message."""
        mine = self._by_cid.get(m.client_msg_id) if m.client_msg_id else None
        if mine is not None and mine.seq is None:
            mine.absorb(m)
            return mine
        return Entry.of(m)

    def _index(self, e: Entry) -> None:
        assert e.seq is not None
        self._by_seq[e.seq] = e
        if e.client_msg_id:
            self._by_cid[e.client_msg_id] = e

    def _put_confirmed(self, index: int, e: Entry) -> None:
        assert e.seq is not None
        self._confirmed.insert(index, e)
        self._seqs.insert(index, e.seq)
        self._index(e)

    def _insert_confirmed(self, e: Entry) -> None:
        assert e.seq is not None
        index = bisect.bisect_left(self._seqs, e.seq)
        self.observer.begin_insert(index, index)
        self._put_confirmed(index, e)
        self.observer.end_insert()

    def _remove_pending(self, e: Entry) -> None:
        row = len(self._confirmed) + self._pending.index(e)
        self.observer.begin_remove(row, row)
        self._pending.remove(e)
        self.observer.end_remove()

    def _confirm(self, entry: Entry, m: Message) -> None:
        self._remove_pending(entry)
        entry.absorb(m)
        self._insert_confirmed(entry)
