"""Retry-After is honoured against a real server that really throttles: an upload refused with
429 and a queued text deferred as `rate_limited` each go out again only once the server's window
has opened, never earlier (where the app's own 0.5-1 s first delay would have come back), and
then get through on that one next attempt."""

from __future__ import annotations

import asyncio
import os
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from desktop.core.backoff import RETRY_AFTER_CAP_S, retry_delay
from desktop.core.file_sends import PendingSend, begin, upload_file
from desktop.core.files import FileTransfers, RemoteFile
from desktop.core.realtime import RealtimeClient
from desktop.core.rest import RestClient
from desktop.core.resumable import Progress, Resume
from desktop.core.upload_journal import UploadJournal
from desktop.core.wire import JSON
from tests.desktop.conftest import unique
from tests.desktop.core.test_realtime import Handler
from tests.support.server import ServerProcess, eventually

pytestmark = [pytest.mark.desktop]
PASSWORD = "correct horse 1"
UPLOAD_WINDOW_S = 3.0  # the server lets one upload begin per this long


def test_the_servers_word_wins_up_to_the_cap() -> None:
    assert retry_delay(None, 0.7) == 0.7
    assert retry_delay(2.5, 0.7) == 2.5
    assert retry_delay(86_400, 0.7) == RETRY_AFTER_CAP_S


class Timed(FileTransfers):
    """The app's uploads, each attempt's start time noted."""

    def __init__(self, rest: RestClient) -> None:
        super().__init__(rest)
        self.attempts: list[float] = []

    async def upload(
        self,
        chat_id: str,
        path: Path,
        on_progress: Progress | None = None,
        resume: Resume | None = None,
    ) -> RemoteFile:
        self.attempts.append(time.monotonic())
        return await super().upload(chat_id, path, on_progress, resume)


async def signed_in(srv: ServerProcess) -> RestClient:
    rest = RestClient(srv.url)
    name = unique("ra")
    await rest.register(name, f"{name}@example.org", PASSWORD, "")
    await rest.login(name, PASSWORD)
    return rest


async def test_an_upload_refused_429_waits_as_long_as_the_server_said(
    server_factory: Callable[..., ServerProcess], tmp_path: Path
) -> None:
    srv = server_factory(
        "embedded",
        {"PARLEY_UPLOADS_PER_USER": "1", "PARLEY_UPLOADS_WINDOW": str(UPLOAD_WINDOW_S)},
    )
    rest = await signed_in(srv)
    try:
        chat = await rest.create_chat("throttled", [])
        paths = [tmp_path / "a.bin", tmp_path / "b.bin"]
        for p in paths:
            p.write_bytes(os.urandom(4096))
        pending: PendingSend = begin(
            UploadJournal(tmp_path / "uploads.sqlite3"), "me", chat.id, "", paths
        )
        transfers, reasons = Timed(rest), list[str]()
        await upload_file(transfers, pending, 0)
        await upload_file(transfers, pending, 1, waiting=reasons.append)
        first, refused, through = transfers.attempts
        assert through - first >= UPLOAD_WINDOW_S, "tried again before the server's window"
        assert reasons[0] and reasons[-1] == "", "the wait was shown, then cleared"
        assert all(f.record is not None for f in pending.message.files)
        assert refused - first < UPLOAD_WINDOW_S
    finally:
        await rest.aclose()


class TimedSocket(RealtimeClient):
    """The app's socket, each `message.send` frame's write time noted per client_msg_id."""

    def __init__(self, *args: Any, **kw: Any) -> None:
        super().__init__(*args, **kw)
        self.writes: dict[str, list[float]] = {}

    async def _write(self, frame: JSON) -> bool:
        if frame.get("type") == "message.send":
            self.writes.setdefault(str(frame["client_msg_id"]), []).append(time.monotonic())
        return await super()._write(frame)


async def test_a_text_deferred_rate_limited_goes_again_only_when_the_server_said(
    server_factory: Callable[..., ServerProcess],
) -> None:
    srv = server_factory("embedded", {"PARLEY_SENDS_PER_USER": "1"})  # one a second
    rest = await signed_in(srv)
    handler = Handler()

    async def token(_fresh: bool) -> str:
        return await rest.access_token()

    client = TimedSocket(srv.url, token, handler)
    runner = asyncio.create_task(client.run())
    try:
        chat = await rest.create_chat("throttled", [])
        await eventually(lambda: client.online, 20, "the socket ready")
        one, two = uuid.uuid4().hex, uuid.uuid4().hex
        await client.send_message(chat.id, one, "one")
        await client.send_message(chat.id, two, "two")
        await eventually(lambda: len(handler.acks) == 2, 20, "both acknowledged")
        assert handler.failed == []
        (sent_first,) = client.writes[one]
        refused, through = client.writes[two]  # one refusal, then straight through
        assert through - sent_first >= 1.0, "written again inside the server's window"
        assert refused - sent_first < 1.0
    finally:
        await client.stop()
        await asyncio.wait_for(runner, 10)
        await rest.aclose()
