"""The wire contract byte for byte: every REST body and socket frame of one scripted conversation
(wire_scenario.py) equals the golden text captured from main before the serialisers moved.

Only what changes from run to run is replaced, and only inside the raw text: timestamps become
`"<ts>"`, ids and tokens `"<idN>"` numbered by first appearance (so an id that reappears, such as
a chat's id in its messages, must reappear in the same places). Key order, spacing, nulls and
numbers stay exactly as the server wrote them. To capture afresh (only for a deliberate contract
change, and say so in the commit), run this test with `PARLEY_GOLDEN=write` on main's code, never
on a branch that changes a serialiser.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx

from tests.backend.api.wire_scenario import Script
from tests.support.server import ServerProcess

GOLDEN = Path(__file__).parent / "golden"
TIMESTAMP = re.compile(r'"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)"')
POSITIONS = re.compile(r'"chats":\[([^\]]*)\]')
# Fields whose string values differ on every run (ids, tokens, secrets derived from them).
VOLATILE = {"access_token", "refresh_token", "token", "participants", "started_by", "member_ids"}


def volatile(key: str) -> bool:
    """`client_msg_id` is the script's own ("c1", …), so it stays as written."""
    return key == "id" or (key.endswith("_id") and key != "client_msg_id") or key in VOLATILE


class Normaliser:
    """Numbers every volatile string the first time it is seen, across all shapes of a run."""

    def __init__(self) -> None:
        self.names: dict[str, str] = {}

    def _collect(self, value: Any, key: str = "") -> None:
        if isinstance(value, dict):
            for k, v in value.items():
                self._collect(v, k)
        elif isinstance(value, list):
            for v in value:
                self._collect(v, key)
        elif isinstance(value, str) and volatile(key) and value not in self.names:
            self.names[value] = f"<id{len(self.names) + 1}>"

    def __call__(self, raw: str) -> str:
        if raw:
            self._collect(json.loads(raw))
        out = TIMESTAMP.sub('"<ts>"', raw)
        for value, name in self.names.items():
            out = out.replace(json.dumps(value), json.dumps(name))
        return unordered_positions(out)


def unordered_positions(text: str) -> str:
    """A `ready` frame lists its chats in no promised order (it varied between runs): its items
    are compared byte for byte, sorted."""
    found = POSITIONS.search(text) if text.startswith('{"type":"ready"') else None
    if found is None:
        return text
    items = sorted(re.findall(r"\{[^{}]*\}", found.group(1)))
    return f"{text[: found.start(1)]}{','.join(items)}{text[found.end(1) :]}"


async def conversation(srv: ServerProcess) -> dict[str, str]:
    async with httpx.AsyncClient(base_url=f"{srv.url}/api/v1", timeout=30) as http:
        script = Script(http, srv.ws_url)
        await script.run()
    normalise = Normaliser()
    return {name: normalise(raw) for name, raw in script.shapes.items()}


async def test_every_shape_matches_its_golden_text(
    server_factory: Callable[..., ServerProcess],
) -> None:
    shapes = await conversation(server_factory("embedded"))
    if os.environ.get("PARLEY_GOLDEN") == "write":
        GOLDEN.mkdir(exist_ok=True)
        for name, text in shapes.items():
            (GOLDEN / f"{name}.json").write_text(text)
    golden = {p.stem: p.read_text() for p in sorted(GOLDEN.glob("*.json"))}
    assert sorted(shapes) == sorted(golden), "a shape was added or lost"
    different = [name for name in shapes if shapes[name] != golden[name]]
    for name in different:
        print(f"--- {name}\nwant {golden[name]}\ngot  {shapes[name]}")
    assert different == []
