"""Dependencies point inward: the domain imports nothing of ours or any framework; services import
no adapter or framework; the desktop app never imports the backend."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
FRAMEWORKS = {
    "sanic",
    "tortoise",
    "aio_pika",
    "aiormq",
    "redis",
    "elasticsearch",
    "miniopy_async",
    "argon2",
    "jwt",
    "pydantic",
    "prometheus_client",
    "PySide6",
    "qasync",
    "httpx",
    "websockets",
}


def imports(folder: str) -> list[tuple[Path, str]]:
    found = []
    for path in (ROOT / folder).rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                found += [(path, alias.name) for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                found.append((path, node.module))
    return found


@pytest.mark.parametrize(
    ("folder", "forbidden"),
    [
        (
            "backend/domain",
            {
                "backend.services",
                "backend.adapters",
                "backend.api",
                "backend.bootstrap",
                "desktop",
                *FRAMEWORKS,
            },
        ),
        (
            "backend/services",
            {"backend.adapters", "backend.api", "backend.bootstrap", "desktop", *FRAMEWORKS},
        ),
        ("backend/adapters", {"backend.api", "backend.services.messages", "desktop", "sanic"}),
        ("desktop", {"backend"}),
        # The desktop core runs and is tested without a QApplication.
        ("desktop/core", {"PySide6", "shiboken6", "qasync"}),
        # Adapters translate their engine's errors: the API never sees a Tortoise exception.
        ("backend/api", {"tortoise"}),
    ],
)
def test_imports_point_inward(folder: str, forbidden: set[str]) -> None:
    wrong = [
        f"{path.relative_to(ROOT)} imports {name}"
        for path, name in imports(folder)
        if any(name == f or name.startswith(f + ".") for f in forbidden)
    ]
    assert wrong == []


# Tortoise lives in the relational adapters: adapters/db, and the SQL message store, which
# keeps its messages in the same database (and in its transactions).
TORTOISE_HOMES = ("backend/adapters/db/", "backend/adapters/messages/sql")


def test_only_the_sql_adapters_import_tortoise() -> None:
    wrong = [
        str(path.relative_to(ROOT))
        for path, name in imports("backend")
        if (name == "tortoise" or name.startswith("tortoise."))
        and not str(path.relative_to(ROOT)).startswith(TORTOISE_HOMES)
    ]
    assert wrong == []


def test_only_config_reads_the_environment() -> None:
    readers = [
        str(path.relative_to(ROOT))
        for path in (ROOT / "backend").rglob("*.py")
        if "os.environ" in path.read_text() or "getenv" in path.read_text()
    ]
    assert readers == ["backend/config.py"]
