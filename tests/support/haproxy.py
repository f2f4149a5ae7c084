"""HAProxy's runtime API, as the tests read it: one command per connection, the answer whole."""

from __future__ import annotations

import socket
from pathlib import Path


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
