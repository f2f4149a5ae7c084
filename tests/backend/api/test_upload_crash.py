"""A resumable upload survives the server dying mid-way: every chunk it acknowledged is on disk
(on the embedded default in a SQLite file of the sessions' own), so the client goes on from where
the restarted server says it stands and the file comes out exact. A power loss may take that
file's last chunk commits (it does not sync them): the session then stands at an earlier chunk
than the client was told, and going on from there still gives the exact file."""

from __future__ import annotations

import hashlib
import os
import secrets
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from backend.domain.ports import MIN_PART_BYTES
from tests.backend.api.test_uploads import leftovers
from tests.support.client import Api, User
from tests.support.engines import drop_bucket, s3_env, unique
from tests.support.files import begin_upload, fetch, put_part
from tests.support.server import ServerProcess

PART = MIN_PART_BYTES
Factory = Callable[..., ServerProcess]


async def _started(api: Api, data: bytes) -> tuple[User, str]:
    """A user, and their session of `data` with its first chunk in."""
    a = await api.user()
    chat = await api.group(a)
    up = (await begin_upload(api, a, chat, len(data), "crash.bin")).json()["upload"]
    first = await put_part(api, a, up["id"], 0, data[:PART])
    assert first.status_code == 200, first.text
    return a, str(up["id"])


async def _finish(api: Api, a: User, upload_id: str, data: bytes) -> Any:
    """Go on from where the server stands, then complete: the file is the bytes sent."""
    stands = await api.http.get(f"/files/uploads/{upload_id}", headers=a.auth)
    assert stands.status_code == 200, stands.text
    offset = stands.json()["upload"]["offset"]
    assert offset == PART
    for start in range(offset, len(data), PART):
        r = await put_part(api, a, upload_id, start, data[start : start + PART])
        assert r.status_code == 200, r.text
    done = await api.http.post(f"/files/uploads/{upload_id}/complete", headers=a.auth)
    assert done.status_code == 201, done.text
    f = done.json()["file"]
    assert (f["size"], f["sha256"]) == (len(data), hashlib.sha256(data).hexdigest())
    return f


async def _resume_after(srv: ServerProcess, server_factory: Factory, move: bool = False) -> None:
    data = os.urandom(2 * PART + 4321)
    api = Api(srv.url)
    try:
        a, upload_id = await _started(api, data)
    finally:
        await api.close()
    srv.kill()  # SIGKILL: no drain, no close
    if move:
        _as_an_older_release_kept_it(srv.data_dir)
    again = server_factory(env=srv.env, data_dir=srv.data_dir)
    api = Api(again.url)
    try:
        await _finish(api, a, upload_id, data)
    finally:
        await api.close()
        again.stop()


def _as_an_older_release_kept_it(data_dir: Path) -> None:
    """Put the sessions back in the main file, and remove their own file, as before the split."""
    own = data_dir / "uploads.sqlite3"
    main = sqlite3.connect(data_dir / "parley.sqlite3")
    try:
        main.execute("ATTACH DATABASE ? AS own", [str(own)])
        main.execute("INSERT INTO main.uploads SELECT * FROM own.uploads")
        main.commit()
        main.execute("DETACH DATABASE own")
    finally:
        main.close()
    for suffix in ("", "-wal", "-shm"):
        Path(f"{own}{suffix}").unlink(missing_ok=True)


async def test_an_upload_resumes_exactly_after_the_server_is_killed(
    mode: str, server_factory: Factory
) -> None:
    await _resume_after(server_factory(mode), server_factory)


async def test_an_upload_begun_before_the_sessions_had_their_own_file_resumes(
    server_factory: Factory, tmp_path: Path
) -> None:
    await _resume_after(server_factory("embedded", data_dir=tmp_path / "srv"), server_factory, True)


SESSION = ("received", "tags", "hash_state", "markup", "tail")


def _session(data_dir: Path, upload_id: str) -> tuple[object, ...]:
    """The session's row as the sessions' own file holds it now."""
    db = sqlite3.connect(data_dir / "uploads.sqlite3")
    try:
        query = f"SELECT {', '.join(SESSION)} FROM uploads WHERE id = ?"  # noqa: S608
        row: tuple[object, ...] = db.execute(query, [upload_id]).fetchone()
        return row
    finally:
        db.close()


def _lose_commits_since(data_dir: Path, upload_id: str, kept: tuple[object, ...]) -> None:
    """What a power loss does to commits that were not synced: the row is back as it was."""
    db = sqlite3.connect(data_dir / "uploads.sqlite3")
    try:
        assigns = ", ".join(f"{c} = ?" for c in SESSION)
        db.execute(f"UPDATE uploads SET {assigns} WHERE id = ?", [*kept, upload_id])  # noqa: S608
        db.commit()
    finally:
        db.close()


@pytest.mark.parametrize("store", ["local", pytest.param("s3", marks=pytest.mark.engines)])
async def test_an_upload_whose_last_chunk_commits_were_lost_resumes_exactly(
    store: str, server_factory: Factory, tmp_path: Path
) -> None:
    """The chunks after the one the row kept were stored (other bytes than the client sends
    again, so a stale part in the file would show), then their commits were lost."""
    env: dict[str, str] = {}
    if store == "s3":  # S3 beside SQLite, as the benchmark runs it
        env = {**s3_env(unique("lost")), "PARLEY_JWT_SECRET": secrets.token_hex(32)}
        env["PARLEY_JWT_KID"] = "t1"
    srv = server_factory("embedded", env=env, data_dir=tmp_path / "srv")
    data = os.urandom(3 * PART + 4321)
    api = Api(srv.url)
    try:
        a, upload_id = await _started(api, data)
        kept = _session(srv.data_dir, upload_id)
        for start in (PART, 2 * PART):
            r = await put_part(api, a, upload_id, start, os.urandom(PART))
            assert r.status_code == 200, r.text
    finally:
        await api.close()
    srv.kill()
    _lose_commits_since(srv.data_dir, upload_id, kept)
    again = server_factory(env=srv.env, data_dir=srv.data_dir)
    api = Api(again.url)
    try:
        f = await _finish(api, a, upload_id, data)
        got = await fetch(api, a, f"/files/{f['id']}")
        assert got.final.status_code == 200 and got.final.content == data
        assert (await leftovers(again))[1] == []  # no multipart upload left open
    finally:
        await api.close()
        again.stop()
        if env:
            await drop_bucket(env)
