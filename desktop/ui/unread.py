"""Opening a chat at its first unread message, under a "New messages" line.

A chat with unread messages opens where the reader left off, not at the bottom, and counts as
read only as far as the reader has actually scrolled (the messenger's `read_limit`). Older pages
are fetched until the first unread message is loaded (at most `MAX_PAGES` of them; beyond that
the chat opens at the oldest page fetched, still under the marker).
"""

from __future__ import annotations

from desktop.core.services import Timelines
from desktop.core.timeline import Timeline
from desktop.core.wire import Chat

PAGE = 100
MAX_PAGES = 60  # 6,000 messages: a long weekend in a busy chat


def prepare(messenger: Timelines, chat: Chat | None) -> int | None:
    """Before opening: the last seq the reader has read if there is anything unread after it."""
    if chat is None or chat.unread <= 0:
        return None
    messenger.read_limit[chat.id] = chat.last_read_seq
    return chat.last_read_seq


async def load_until(messenger: Timelines, chat_id: str, last_read: int) -> None:
    """Fetch older pages until the message after `last_read` is in the timeline."""
    tl = messenger.timeline(chat_id)
    for _ in range(MAX_PAGES):
        oldest = tl.oldest_seq
        if oldest is None or oldest <= last_read + 1 or not tl.has_more_before:
            return
        if await messenger.load_older(chat_id, PAGE) == 0:
            return


def first_unread_row(messenger: Timelines, tl: Timeline, last_read: int) -> int | None:
    """The timeline row of the first message after `last_read` written by someone else."""
    for i in range(len(tl)):
        entry = tl.row(i)
        if (
            entry.seq is not None
            and entry.seq > last_read
            and not messenger.is_mine(entry.sender_id)
        ):
            return i
    return None
