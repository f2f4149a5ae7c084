"""The upload journal against a real server (the local store): a sign-out cancels what was going
up for good and leaves nothing of it on disk, another account on the same profile never finishes
the previous one's uploads, and a small file cut by a quit goes up again from zero at the next
start, its message arriving exactly once under its `client_msg_id`."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable
from pathlib import Path

import pytest

from desktop.core.app import Messenger
from desktop.core.files import FileTransfers
from desktop.core.resumable import CHUNK_BYTES
from desktop.core.session import FileStore, SessionStore
from desktop.core.upload_journal import UploadJournal
from tests.desktop.core.test_positions import Recorder
from tests.support.client import Api, User
from tests.support.server import ServerProcess, eventually

pytestmark = [pytest.mark.desktop]
MiB = 1024 * 1024


@pytest.fixture(scope="module")
def server(server_factory: Callable[..., ServerProcess]) -> ServerProcess:
    return server_factory("embedded")


def messenger(profile: Path) -> Messenger:
    return Messenger(SessionStore(profile, FileStore(profile / "credentials.json")), Recorder())


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


async def test_signing_out_mid_upload_drops_the_upload_and_wipes_the_journal(
    server: ServerProcess, tmp_path: Path
) -> None:
    api, profile = Api(server.url), tmp_path / "profile"
    alice, bob = await api.user(), await api.user()
    chat_id = await api.group(alice, bob)
    big = tmp_path / "big.bin"
    big.write_bytes(os.urandom(3 * CHUNK_BYTES))
    m = messenger(profile)
    try:
        await m.sign_in(server.url, alice.username, alice.password)
        upload_id = await cut_mid_upload(m, chat_id, big, "a secret caption")
        assert await upload_stands(api, alice, upload_id) == 200

        await m.sign_out()

        assert not (profile / "uploads.sqlite3").exists(), "nothing of it stays on disk"
        assert await upload_stands(api, alice, upload_id) == 404, "the server dropped it"
        await m.sign_in(server.url, alice.username, alice.password)
        assert await m.outbox.resume_uploads() == 0
        assert await texts(api, alice, chat_id) == []
    finally:
        await m.close()
        await api.close()


async def test_a_session_ended_elsewhere_wipes_the_journal_too(
    server: ServerProcess, tmp_path: Path
) -> None:
    api, profile = Api(server.url), tmp_path / "profile"
    alice, bob = await api.user(), await api.user()
    chat_id = await api.group(alice, bob)
    big = tmp_path / "big.bin"
    big.write_bytes(os.urandom(3 * CHUNK_BYTES))
    listener = Recorder()
    m = Messenger(SessionStore(profile, FileStore(profile / "credentials.json")), listener)
    try:
        await m.sign_in(server.url, alice.username, alice.password)
        await cut_mid_upload(m, chat_id, big, "a secret caption")
        r = await api.http.get("/me/sessions", headers=alice.auth)
        (app_session,) = [s for s in r.json()["sessions"] if not s["current"]]
        r = await api.http.delete(f"/me/sessions/{app_session['id']}", headers=alice.auth)
        assert r.status_code == 204, r.text

        await eventually(lambda: m.rest is None, 60, "the app signed out")
        await eventually(lambda: not (profile / "uploads.sqlite3").exists(), 10, "wiped")
        await m.sign_in(server.url, alice.username, alice.password)
        assert await m.outbox.resume_uploads() == 0
        assert await texts(api, alice, chat_id) == []
    finally:
        await m.close()
        await api.close()


async def test_another_account_on_the_profile_never_finishes_the_last_ones_uploads(
    server: ServerProcess, tmp_path: Path
) -> None:
    api, profile = Api(server.url), tmp_path / "profile"
    alice, bob = await api.user(), await api.user()
    chat_id = await api.group(alice, bob)
    big = tmp_path / "big.bin"
    big.write_bytes(os.urandom(3 * CHUNK_BYTES))
    m = messenger(profile)
    await m.sign_in(server.url, alice.username, alice.password)
    await cut_mid_upload(m, chat_id, big, "alice's words")
    await m.close()  # a quit, not a sign-out: the journal keeps it for alice
    assert b"alice's words" in (profile / "uploads.sqlite3").read_bytes()

    other = messenger(profile)
    try:
        await other.sign_in(server.url, bob.username, bob.password)
        assert await other.outbox.resume_uploads() == 0

        assert b"alice's words" not in (profile / "uploads.sqlite3").read_bytes()
        assert await texts(api, alice, chat_id) == []
    finally:
        await other.close()
        await api.close()


async def test_a_small_file_cut_by_a_quit_is_sent_once_after_the_restart(
    server: ServerProcess, tmp_path: Path
) -> None:
    api, profile = Api(server.url), tmp_path / "profile"
    alice, bob = await api.user(), await api.user()
    chat_id = await api.group(alice, bob)
    small = tmp_path / "small.bin"
    small.write_bytes(os.urandom(2 * MiB))  # under the resumable threshold: one plain POST
    m = messenger(profile)
    await m.sign_in(server.url, alice.username, alice.password)
    pending = m.outbox.begin_files(chat_id, "the small one", [small])
    assert pending is not None and m.rest is not None
    m.tasks.spawn(FileTransfers(m.rest).upload(chat_id, small), "upload")
    await m.close()  # the quit cancels the POST: no file record reached the journal

    again = messenger(profile)
    try:
        assert await again.restore()  # its own resume task runs too: still one message
        owner = again.outbox.owner
        await eventually(lambda: journal(profile).pending(owner) == [], 60, "resumed")
        await eventually(lambda: _has_message(api, bob, chat_id), 60, "the message")
        r = await api.history(bob, chat_id)
        (msg,) = r.json()["messages"]
        assert (msg["text"], msg["client_msg_id"]) == ("the small one", pending.client_msg_id)
        (f,) = msg["attachments"]
        assert f["sha256"] == hashlib.sha256(small.read_bytes()).hexdigest()
        got = await api.http.get(f"/files/{f['id']}", headers=bob.auth)
        assert got.status_code == 200 and got.content == small.read_bytes()
    finally:
        await again.close()
        await api.close()


async def _has_message(api: Api, user: User, chat_id: str) -> bool:
    return bool(await texts(api, user, chat_id))
