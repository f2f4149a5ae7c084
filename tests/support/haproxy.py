"""HAProxy's runtime API, as the tests read it: one command per connection, the answer whole."""

from __future__ import annotations

import socket
from pathlib import Path

from tests.support.server import eventually


def command(admin_socket: Path | str, line: str) -> str:
    with socket.socket(socket.AF_UNIX) as s:
        s.settimeout(5)
        s.connect(str(admin_socket))
        s.sendall(line.encode() + b"\n")
        chunks = []
        while chunk := s.recv(65536):
            chunks.append(chunk)
    return b"".join(chunks).decode()


def stats(admin_socket: Path | str) -> list[dict[str, str]]:
    """`show stat` as rows keyed by its CSV header (pxname, svname, status, req_tot, …)."""
    header, *rows = command(admin_socket, "show stat").lstrip("# ").splitlines()
    names = header.split(",")
    return [dict(zip(names, r.split(","), strict=False)) for r in rows if r]


def requests(admin_socket: Path | str) -> dict[str, int]:
    """HTTP requests each backend has passed on so far (its `req_tot`; health checks are not)."""
    rows = stats(admin_socket)
    return {r["pxname"]: int(r["req_tot"] or 0) for r in rows if r["svname"] == "BACKEND"}


async def counted(
    admin_socket: Path | str, before: dict[str, int], expected: dict[str, int]
) -> dict[str, int]:
    """Requests per backend since `before`, read once at least `expected` have been counted:
    HAProxy counts a request when its stream ends, which can be after the client has the answer.
    The caller asserts the figures are exact (not more)."""

    def since() -> dict[str, int]:
        now = requests(admin_socket)
        return {name: now[name] - before[name] for name in expected}

    await eventually(
        lambda: all(since()[n] >= want for n, want in expected.items()),
        10,
        f"HAProxy to count {expected}",
    )
    return since()
