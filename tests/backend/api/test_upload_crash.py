"""A resumable upload survives the server dying mid-way: every chunk it acknowledged is on disk
(on the embedded default in a SQLite file of the sessions' own), so the client goes on from where
the restarted server says it stands and the file comes out exact."""

from __future__ import annotations

import hashlib
import os
import sqlite3
from collections.abc import Callable
from pathlib import Path

from backend.domain.ports import MIN_PART_BYTES
from tests.backend.api.test_uploads import begin, put
from tests.support.client import Api, User
from tests.support.server import ServerProcess

PART = MIN_PART_BYTES
Factory = Callable[..., ServerProcess]


async def _started(api: Api, data: bytes) -> tuple[User, str]:
    """A user, and their session of `data` with its first chunk in."""
    a = await api.user()
    chat = await api.group(a)
    up = (await begin(api, a, chat, len(data), "crash.bin")).json()["upload"]
    first = await put(api, a, up["id"], 0, data[:PART])
    assert first.status_code == 200, first.text
    return a, str(up["id"])


async def _finish(api: Api, a: User, upload_id: str, data: bytes) -> None:
    """Go on from where the server stands, then complete: the file is the bytes sent."""
    stands = await api.http.get(f"/files/uploads/{upload_id}", headers=a.auth)
    assert stands.status_code == 200, stands.text
    offset = stands.json()["upload"]["offset"]
    assert offset == PART
    for start in range(offset, len(data), PART):
        r = await put(api, a, upload_id, start, data[start : start + PART])
        assert r.status_code == 200, r.text
    done = await api.http.post(f"/files/uploads/{upload_id}/complete", headers=a.auth)
    assert done.status_code == 201, done.text
    f = done.json()["file"]
    assert (f["size"], f["sha256"]) == (len(data), hashlib.sha256(data).hexdigest())


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
