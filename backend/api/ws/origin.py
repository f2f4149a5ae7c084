"""The socket's Origin check: a browser page of another site must not open a signed-in socket.

Native clients (the desktop app, k6, tests) send no Origin and are allowed; a browser always
sends one, so it is allowed only when listed in `PARLEY_WS_ORIGINS`.
"""

from __future__ import annotations

from sanic import Request

CLOSE_ORIGIN = 4403


def origin_allowed(request: Request, allowed: tuple[str, ...]) -> bool:
    try:
        origin = request.headers.get("origin")
    except UnicodeDecodeError:
        return False
    if origin is None:
        return True
    return origin.rstrip("/") in {a.rstrip("/") for a in allowed}
