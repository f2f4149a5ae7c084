"""Upload replicas: HAProxy sends every `/api/v1/files…` request to `parley_files` while one is up.

One replica and one upload replica behind HAProxy (`cluster.sh up 1 1`). A file uploaded through
the balancer in one piece and one in chunks, attached by the uploader and downloaded by another
member, reach the upload replica alone, and the chat and the messages the other one, as HAProxy's
own request counters show. With the upload replica removed, the remaining replica serves the same
files (every replica shares the store): behind HAProxy the route is a placement, never a
dependency (a K3S Ingress path has no such fallback; see deploy/k3s/files.yaml).
"""

from __future__ import annotations

import hashlib
import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from backend.domain.ports import MIN_PART_BYTES
from tests.cluster.harness import Cluster
from tests.support import haproxy
from tests.support.client import Api
from tests.support.files import fetch, send_with, uploaded, uploaded_in_chunks

pytestmark = [pytest.mark.cluster, pytest.mark.slow]


@pytest.fixture
def cluster(tmp_path: Path) -> Iterator[Cluster]:
    c = Cluster(tmp_path / "cluster")
    try:
        c.up(1, files=1)
        yield c
    finally:
        if (c.dir / "lb.env").exists():
            c.down()


async def test_files_go_to_the_upload_replica_and_messages_do_not(cluster: Cluster) -> None:
    api = Api(cluster.lb_url)
    try:
        a, b = await api.user(), await api.user()
        chat = await api.group(a, b)
        small, big = os.urandom(300_000), os.urandom(MIN_PART_BYTES + 123_456)
        before = haproxy.requests(cluster.lb_socket)
        one = (await uploaded(api, a, chat, small, "small.bin"))["id"]
        chunked = (await uploaded_in_chunks(api, a, chat, big, "big.bin"))["id"]  # 4 requests
        sent = await send_with(api, a, chat, [one, chunked], uuid.uuid4().hex)
        assert sent.status_code == 201, sent.text
        for file_id, data in ((one, small), (chunked, big)):
            got = await fetch(api, b, f"/files/{file_id}")
            assert got.final.status_code == 200
            assert hashlib.sha256(got.final.content).digest() == hashlib.sha256(data).digest()
        # 1 + 4 + 2 file requests (plain, chunked, two downloads); the send alone elsewhere
        expected = {"parley_files": 1 + 4 + 2, "parley": 1}
        assert await haproxy.counted(cluster.lb_socket, before, expected) == expected

        cluster.remove("f1")
        before = haproxy.requests(cluster.lb_socket)
        again = await fetch(api, b, f"/files/{chunked}")
        assert again.final.status_code == 200
        assert hashlib.sha256(again.final.content).digest() == hashlib.sha256(big).digest()
        expected = {"parley_files": 0, "parley": 1}
        assert await haproxy.counted(cluster.lb_socket, before, expected) == expected
    finally:
        await api.close()
