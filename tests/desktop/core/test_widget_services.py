"""Widgets receive the narrow service they use (STYLE.md rule 12), never the whole `Messenger`:
only the composition root (desktop/ui/app.py) may name it."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
COMPOSITION = {"desktop/ui/app.py"}


def names_messenger(path: Path) -> bool:
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module == "desktop.core.app":
            return True
        if isinstance(node, ast.Import) and any(a.name == "desktop.core.app" for a in node.names):
            return True
    return False


def test_only_the_composition_names_the_messenger() -> None:
    widgets = sorted((ROOT / "desktop/ui").rglob("*.py"))
    assert widgets
    offenders = [
        str(path.relative_to(ROOT))
        for path in widgets
        if str(path.relative_to(ROOT)) not in COMPOSITION and names_messenger(path)
    ]
    assert offenders == []
