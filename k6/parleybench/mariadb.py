"""A private database on the test MariaDB, for one bench run or one test namespace.

The one copy, for the bench and the tests (pytest puts `k6/` on the path), so it imports nothing
of either, only `pymysql`.
"""

from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit


def execute(url: str, sql: str) -> None:
    """One statement on the test MariaDB as the URL's user."""
    import pymysql  # type: ignore[import-untyped]  # ships no type information

    parts = urlsplit(url)
    conn = pymysql.connect(
        host=parts.hostname or "127.0.0.1",
        port=parts.port or 3306,
        user=parts.username or "root",
        password=parts.password or "",
    )
    try:
        with conn.cursor() as cur:
            cur.execute(sql)
    finally:
        conn.close()


def create_database(base_url: str, name: str) -> str:
    """Create database `name` and return the URL that points at it."""
    execute(base_url, f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4 COLLATE utf8mb4_bin")
    return urlunsplit(urlsplit(base_url)._replace(path=f"/{name}"))


def drop_database(base_url: str, name: str) -> None:
    execute(base_url, f"DROP DATABASE IF EXISTS `{name}`")
