"""Message search for the desktop, without Qt: query the server, shape hits into snippets, and
bring a hit's chat history into memory around it so the UI can open the chat at that message."""

from __future__ import annotations

from dataclasses import dataclass

from desktop.core.services import Searchable
from desktop.core.wire import JSON, Message

SNIPPET_CHARS = 120  # of context around the first match
MAX_PAGES_BACK = 20  # older pages fetched at most to reach a hit (100 messages each)


@dataclass(frozen=True, slots=True)
class SearchHit:
    chat_id: str
    seq: int
    message: Message
    highlights: tuple[tuple[int, int], ...]  # [start, end) code points of message.text

    @classmethod
    def from_json(cls, data: JSON) -> SearchHit:
        spans = tuple((int(a), int(b)) for a, b in data.get("highlights") or ())
        return cls(
            str(data["chat_id"]), int(data["seq"]), Message.from_json(data["message"]), spans
        )


@dataclass(frozen=True, slots=True)
class Snippet:
    """A piece of the text to show and the spans of it to mark (offsets into `text`)."""

    text: str
    marks: tuple[tuple[int, int], ...]


def snippet(
    text: str, highlights: tuple[tuple[int, int], ...], width: int = SNIPPET_CHARS
) -> Snippet:
    """At most `width` characters of one line around the first match, with "…" where cut."""
    flat = text.replace("\n", " ")
    first = highlights[0][0] if highlights else 0
    start = max(0, min(first - width // 3, len(flat) - width))
    end = min(len(flat), start + width)
    lead = "…" if start > 0 else ""
    tail = "…" if end < len(flat) else ""
    shift = len(lead) - start
    marks = tuple(
        (max(a, start) + shift, min(b, end) + shift) for a, b in highlights if a < end and b > start
    )
    return Snippet(lead + flat[start:end] + tail, marks)


class Search:
    """The search use cases of one signed-in messenger."""

    def __init__(self, messenger: Searchable) -> None:
        self._messenger = messenger

    async def find(self, q: str, chat_id: str | None = None, limit: int = 30) -> list[SearchHit]:
        rest = self._messenger.rest
        if rest is None or not q.strip():
            return []
        params: JSON = {"q": q, "limit": limit}
        if chat_id is not None:
            params["chat_id"] = chat_id
        data = await rest.call("GET", "/search", params=params)
        return [SearchHit.from_json(h) for h in data.get("hits", [])]

    def sender_label(self, hit: SearchHit) -> str:
        return self._messenger.users.label(hit.message.sender_id)

    def chat_label(self, hit: SearchHit) -> str:
        chat = self._messenger.chats.get(hit.chat_id)
        return self._messenger.chat_title(chat) if chat is not None else "A chat"

    async def load_around(self, chat_id: str, seq: int) -> bool:
        """Open the chat and load history back to `seq`; False if it could not be reached."""
        tl = await self._messenger.open_chat(chat_id)
        for _ in range(MAX_PAGES_BACK):
            if tl.row_of_seq(seq) is not None:
                return True
            if not await self._messenger.load_older(chat_id):
                break
        return tl.row_of_seq(seq) is not None
