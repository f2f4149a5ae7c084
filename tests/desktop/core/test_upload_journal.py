"""The upload journal against a real server (the local store): a sign-out cancels what was going
up for good and leaves nothing of it on disk, another account on the same profile never finishes
the previous one's uploads, and a small file cut by a quit goes up again from zero at the next
start, its message arriving exactly once under its `client_msg_id`. A refused message (a file
the server's size limit turns away, a text it will not take) that the user discards is gone for
good: not shown, not resumed at the next start, nothing of it on the server."""

from __future__ import annotations

import hashlib
import os
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from desktop.core.app import Messenger
from desktop.core.files import FileTransfers
from desktop.core.resumable import CHUNK_BYTES
from desktop.core.session import FileStore, SessionStore
from desktop.core.timeline import Entry, SendState
from desktop.core.upload_journal import UploadJournal
from tests.desktop.core.test_positions import Recorder
from tests.support.client import Api, User
from tests.support.server import ServerProcess, eventually

pytestmark = [pytest.mark.desktop]
MiB = 1024 * 1024


@pytest.fixture(scope="module")
def server(server_factory: Callable[..., ServerProcess]) -> ServerProcess:
    return server_factory("embedded")


def messenger(profile: Path, listener: Recorder | None = None) -> Messenger:
    store = SessionStore(profile, FileStore(profile / "credentials.json"))
    return Messenger(store, listener or Recorder())


@dataclass
class Scene:
    """Alice and Bob in a group on `server`, a profile for Alice's app and a file to send."""

    server: ServerProcess
    api: Api
    profile: Path
    alice: User
    bob: User
    chat_id: str
    path: Path


async def scene(server: ServerProcess, tmp_path: Path, size: int = 3 * CHUNK_BYTES) -> Scene:
    api = Api(server.url)
    alice, bob = await api.user(), await api.user()
    chat_id = await api.group(alice, bob)
    path = tmp_path / "file.bin"
    path.write_bytes(os.urandom(size))
    return Scene(server, api, tmp_path / "profile", alice, bob, chat_id, path)


@pytest.fixture
async def big(server: ServerProcess, tmp_path: Path) -> AsyncIterator[Scene]:
    """A file of three resumable chunks, on the module's server."""
    s = await scene(server, tmp_path)
    yield s
    await s.api.close()


def journal(profile: Path) -> UploadJournal:
    return UploadJournal(profile / "uploads.sqlite3")


async def cut_mid_upload(m: Messenger, chat_id: str, path: Path, text: str) -> str:
    """Start sending `path` as the tray does and return once the server holds its first chunk
    (the upload still running); returns the server's upload session id."""
    pending = m.outbox.begin_files(chat_id, text, [path])
    assert pending is not None and m.rest is not None
    done = [0]
    upload = FileTransfers(m.rest).upload(
        chat_id, path, lambda d, _t: done.__setitem__(0, d), pending.resume(0, lambda: False)
    )
    m.tasks.spawn(upload, "upload")
    (owner,) = {m.outbox.owner}
    await eventually(lambda: done[0] > CHUNK_BYTES + MiB, 60, "the first chunk acknowledged")
    (entry,) = journal(m.sessions.config_dir).pending(owner)
    assert entry.files[0].upload_id
    return entry.files[0].upload_id


async def upload_stands(api: Api, user: User, upload_id: str) -> int:
    fresh = await api.login(user.username, user.password)  # a token that outlives the app's
    r = await api.http.get(f"/files/uploads/{upload_id}", headers=fresh.auth)
    return r.status_code


async def texts(api: Api, user: User, chat_id: str) -> list[tuple[str, str]]:
    r = await api.history(user, chat_id)
    assert r.status_code == 200, r.text
    return [(m["text"], m["client_msg_id"]) for m in r.json()["messages"]]


async def test_signing_out_mid_upload_drops_the_upload_and_wipes_the_journal(big: Scene) -> None:
    api, alice, profile = big.api, big.alice, big.profile
    m = messenger(profile)
    try:
        await m.sign_in(big.server.url, alice.username, alice.password)
        upload_id = await cut_mid_upload(m, big.chat_id, big.path, "a secret caption")
        assert await upload_stands(api, alice, upload_id) == 200

        await m.sign_out()

        assert not (profile / "uploads.sqlite3").exists(), "nothing of it stays on disk"
        assert await upload_stands(api, alice, upload_id) == 404, "the server dropped it"
        await m.sign_in(big.server.url, alice.username, alice.password)
        assert await m.outbox.resume_uploads() == 0
        assert await texts(api, alice, big.chat_id) == []
    finally:
        await m.close()


async def test_a_session_ended_elsewhere_wipes_the_journal_too(big: Scene) -> None:
    api, alice, profile = big.api, big.alice, big.profile
    m = messenger(profile)
    try:
        await m.sign_in(big.server.url, alice.username, alice.password)
        await cut_mid_upload(m, big.chat_id, big.path, "a secret caption")
        r = await api.http.get("/me/sessions", headers=alice.auth)
        (app_session,) = [s for s in r.json()["sessions"] if not s["current"]]
        r = await api.http.delete(f"/me/sessions/{app_session['id']}", headers=alice.auth)
        assert r.status_code == 204, r.text

        await eventually(lambda: m.rest is None, 60, "the app signed out")
        await eventually(lambda: not (profile / "uploads.sqlite3").exists(), 10, "wiped")
        await m.sign_in(big.server.url, alice.username, alice.password)
        assert await m.outbox.resume_uploads() == 0
        assert await texts(api, alice, big.chat_id) == []
    finally:
        await m.close()


async def test_another_account_on_the_profile_never_finishes_the_last_ones_uploads(
    big: Scene,
) -> None:
    api, alice, bob, profile = big.api, big.alice, big.bob, big.profile
    m = messenger(profile)
    await m.sign_in(big.server.url, alice.username, alice.password)
    await cut_mid_upload(m, big.chat_id, big.path, "alice's words")
    await m.close()  # a quit, not a sign-out: the journal keeps it for alice
    assert b"alice's words" in (profile / "uploads.sqlite3").read_bytes()

    other = messenger(profile)
    try:
        await other.sign_in(big.server.url, bob.username, bob.password)
        assert await other.outbox.resume_uploads() == 0

        assert b"alice's words" not in (profile / "uploads.sqlite3").read_bytes()
        assert await texts(api, alice, big.chat_id) == []
    finally:
        await other.close()


async def test_a_small_file_cut_by_a_quit_is_sent_once_after_the_restart(
    server: ServerProcess, tmp_path: Path
) -> None:
    # under the resumable threshold: one plain POST, which starts again from zero
    sc = await scene(server, tmp_path, 2 * MiB)
    small, chat_id = sc.path, sc.chat_id
    m = messenger(sc.profile)
    await m.sign_in(server.url, sc.alice.username, sc.alice.password)
    pending = m.outbox.begin_files(chat_id, "the small one", [small])
    assert pending is not None and m.rest is not None
    m.tasks.spawn(FileTransfers(m.rest).upload(chat_id, small), "upload")
    await m.close()  # the quit cancels the POST: no file record reached the journal

    again = messenger(sc.profile)
    try:
        assert await again.restore()  # its own resume task runs too: still one message
        await eventually(lambda: journal(sc.profile).pending(again.outbox.owner) == [], 60, "sent")
        await sent_once(sc, pending.client_msg_id, "the small one", small.read_bytes())
    finally:
        await again.close()
        await sc.api.close()


async def test_a_file_gone_from_disk_shows_the_message_failed_until_retried(
    server: ServerProcess, tmp_path: Path
) -> None:
    sc = await scene(server, tmp_path, MiB)
    data = sc.path.read_bytes()
    cid = await quit_before_upload(sc, "words to keep")
    sc.path.unlink()
    listener = Recorder()
    again = messenger(sc.profile, listener)
    try:
        assert await again.restore()
        entry = await shown_failed(again, sc.chat_id, cid)
        assert entry.text == "words to keep"
        assert entry.error == "The file file.bin is no longer on this computer."
        assert entry.error in listener.errors, "the user is told, not only the row"
        (kept,) = journal(sc.profile).pending(again.outbox.owner)
        assert (kept.text, kept.error) == ("words to keep", entry.error)
        assert await texts(sc.api, sc.alice, sc.chat_id) == []

        sc.path.write_bytes(data)  # the user put it back
        await again.outbox.retry(sc.chat_id, cid)
        await sent_once(sc, cid, "words to keep", data)
        assert journal(sc.profile).pending(again.outbox.owner) == []
    finally:
        await again.close()
        await sc.api.close()


@pytest.fixture(scope="module")
def small_limit(server_factory: Callable[..., ServerProcess]) -> ServerProcess:
    """A server that refuses (413) any file over 1 MiB."""
    return server_factory("embedded", {"PARLEY_MAX_UPLOAD_BYTES": str(MiB)})


async def test_a_file_the_server_refuses_stays_failed_across_restarts(
    small_limit: ServerProcess, tmp_path: Path
) -> None:
    sc = await scene(small_limit, tmp_path, 2 * MiB)
    cid = await quit_before_upload(sc, "too big, but the words stay")
    try:
        for _ in range(2):  # the refusal, then the next start showing it again
            again = messenger(sc.profile)
            try:
                assert await again.restore()
                entry = await shown_failed(again, sc.chat_id, cid)
                assert entry.text == "too big, but the words stay"
                assert entry.error == "That file is too large: this server takes at most 1.0 MB."
                (kept,) = journal(sc.profile).pending(again.outbox.owner)
                assert kept.error == entry.error
            finally:
                await again.close()
        assert await texts(sc.api, sc.alice, sc.chat_id) == []
    finally:
        await sc.api.close()


async def test_a_refused_file_discarded_is_gone_for_good(
    small_limit: ServerProcess, tmp_path: Path
) -> None:
    sc = await scene(small_limit, tmp_path, 2 * MiB)
    cid = await quit_before_upload(sc, "too big, and not wanted after all")
    again = messenger(sc.profile)
    try:
        assert await again.restore()
        await shown_failed(again, sc.chat_id, cid)

        await again.outbox.discard(sc.chat_id, cid)

        assert again.timeline(sc.chat_id).entry(cid) is None, "the row left the chat"
        assert journal(sc.profile).pending(again.outbox.owner) == []
        await again.outbox.retry(sc.chat_id, cid)  # a stale click on the gone row sends nothing
    finally:
        await again.close()
    last = messenger(sc.profile)
    try:
        assert await last.restore()
        assert await last.outbox.resume_uploads() == 0
        assert last.timeline(sc.chat_id).entry(cid) is None, "not back after a restart"
        assert await texts(sc.api, sc.alice, sc.chat_id) == []
        stored = [f for f in (small_limit.data_dir / "blobs").rglob("*") if f.is_file()]
        assert stored == [], "nothing of it is kept on the server"
    finally:
        await last.close()
        await sc.api.close()


async def test_a_refused_text_discarded_leaves_the_chat_and_the_queue(
    server: ServerProcess, tmp_path: Path
) -> None:
    sc = await scene(server, tmp_path, 1)
    not_mine = await sc.api.group(sc.bob, title="bob's own")  # the server refuses alice's send
    m = messenger(sc.profile)
    try:
        await m.sign_in(server.url, sc.alice.username, sc.alice.password)
        await eventually(lambda: m.realtime is not None and m.realtime.online, 30, "online")
        cid = await m.outbox.send(not_mine, "to the wrong room")
        await shown_failed(m, not_mine, cid)

        await m.outbox.discard(not_mine, cid)

        assert m.timeline(not_mine).entry(cid) is None
        assert m.realtime is not None and m.realtime.queued == []
        await m.outbox.retry(not_mine, cid)
        assert m.timeline(not_mine).entry(cid) is None, "nothing comes back"
        assert await texts(sc.api, sc.bob, not_mine) == []
    finally:
        await m.close()
        await sc.api.close()


async def test_a_failing_server_is_waited_for_and_the_message_sent_once(
    server_factory: Callable[..., ServerProcess], tmp_path: Path
) -> None:
    srv = server_factory("embedded")
    sc = await scene(srv, tmp_path, MiB)
    cid = await quit_before_upload(sc, "after the outage")
    break_blobs(srv)
    before = failures(srv)
    listener = Recorder()
    again = messenger(sc.profile, listener)
    try:
        assert await again.restore()
        await eventually(lambda: failures(srv) >= before + 2, 60, "two refused tries")
        tl = again.timeline(sc.chat_id)
        assert tl.entry(cid) is None, "nothing shown failed while it only waits"
        assert listener.errors == []
        mend_blobs(srv)
        await eventually(lambda: journal(sc.profile).pending(again.outbox.owner) == [], 60, "sent")
        await sent_once(sc, cid, "after the outage", sc.path.read_bytes())
    finally:
        await again.close()
        await sc.api.close()


def break_blobs(srv: ServerProcess) -> None:
    """The store's folder becomes a file: every upload fails with a real 500 until mended."""
    blobs = srv.data_dir / "blobs"
    blobs.mkdir(exist_ok=True)
    blobs.rename(srv.data_dir / "blobs.away")
    blobs.write_bytes(b"")


def mend_blobs(srv: ServerProcess) -> None:
    blobs = srv.data_dir / "blobs"
    blobs.unlink()
    (srv.data_dir / "blobs.away").rename(blobs)


def failures(srv: ServerProcess) -> int:
    """Uploads the server failed with a 500 (it logs each one)."""
    assert srv.log_path is not None
    return srv.log_path.read_bytes().count(b"unhandled error on POST /api/v1/files")


async def quit_before_upload(sc: Scene, text: str) -> str:
    """Alice's app journals a message with the file and quits before a byte goes up."""
    m = messenger(sc.profile)
    await m.sign_in(sc.server.url, sc.alice.username, sc.alice.password)
    pending = m.outbox.begin_files(sc.chat_id, text, [sc.path])
    assert pending is not None
    await m.close()
    return pending.client_msg_id


async def shown_failed(m: Messenger, chat_id: str, cid: str) -> Entry:
    tl = m.timeline(chat_id)
    await eventually(
        lambda: (e := tl.entry(cid)) is not None and e.state is SendState.FAILED, 60, "failed"
    )
    entry = tl.entry(cid)
    assert entry is not None
    return entry


async def sent_once(sc: Scene, cid: str, text: str, data: bytes) -> None:
    """Bob sees the message once, under its client_msg_id, with the same bytes attached."""
    await eventually(lambda: _has_message(sc.api, sc.bob, sc.chat_id), 60, "the message")
    r = await sc.api.history(sc.bob, sc.chat_id)
    (msg,) = r.json()["messages"]
    assert (msg["text"], msg["client_msg_id"]) == (text, cid)
    (f,) = msg["attachments"]
    assert f["sha256"] == hashlib.sha256(data).hexdigest()
    got = await sc.api.http.get(f"/files/{f['id']}", headers=sc.bob.auth)
    assert got.status_code == 200 and got.content == data


async def _has_message(api: Api, user: User, chat_id: str) -> bool:
    return bool(await texts(api, user, chat_id))
