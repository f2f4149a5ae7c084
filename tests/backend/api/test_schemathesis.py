"""Schemathesis over /api/v1/openapi.json against a real embedded server, signed in: every
operation the document lists (whoever added it), a fixed seed, and no server error, no response
outside the documented statuses, content types and schemas.

The bounded run (100 examples per operation) is part of the test command; `make fuzz` runs the
same test with PARLEY_FUZZ_EXAMPLES=1000.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from tests.support.client import Api
from tests.support.server import ServerProcess

EXAMPLES = int(os.environ.get("PARLEY_FUZZ_EXAMPLES", "100"))
SEED = 20261201
CHECKS = ",".join(
    [
        "not_a_server_error",
        "status_code_conformance",
        "content_type_conformance",
        "response_schema_conformance",
    ]
)


def _summary(report: Path) -> tuple[Counter[str], list[str]]:
    """Cases per operation, and every failed check as `operation: check`."""
    cases: Counter[str] = Counter()
    failures: list[str] = []
    for line in report.read_text().splitlines():
        event = json.loads(line).get("ScenarioFinished")
        if event is None:
            continue
        recorder = event["recorder"]
        cases[recorder["label"]] += len(recorder.get("cases", ()))
        for checks in recorder.get("checks", {}).values():
            failures += [
                f"{recorder['label']}: {c['name']}" for c in checks if c["status"] == "failure"
            ]
    return cases, failures


@pytest.mark.slow
@pytest.mark.timeout(60 + EXAMPLES * 6)
async def test_fuzzing_the_openapi_document_finds_nothing(
    server_factory: Callable[..., ServerProcess], tmp_path: Path
) -> None:
    srv = server_factory("embedded", env={"PARLEY_LOGIN_PER_ACCOUNT": "100000"})
    api = Api(srv.url)
    try:
        u = await api.user()
    finally:
        await api.close()
    operations = {
        f"{method.upper()} {path}"
        for path, ops in httpx.get(f"{srv.url}/api/v1/openapi.json").json()["paths"].items()
        for method in ops
    }
    st = Path(sys.executable).with_name("st")
    done = subprocess.run(
        [
            str(st), "run", f"{srv.url}/api/v1/openapi.json",
            "--url", f"{srv.url}/api/v1",
            "-H", f"Authorization: Bearer {u.access_token}",
            "--max-examples", str(EXAMPLES),
            "--seed", str(SEED),
            "--phases", "examples,coverage,fuzzing",
            "--checks", CHECKS,
            "--continue-on-failure",
            "--workers", "2",
            "--no-color",
            "--report", "ndjson",
            "--report-ndjson-path", str(tmp_path / "run.ndjson"),
        ],
        capture_output=True,
        text=True,
        check=False,
        cwd=tmp_path,  # its example cache stays out of the repository
    )  # fmt: skip
    cases, failures = _summary(tmp_path / "run.ndjson")
    print(f"schemathesis cases per operation (max examples {EXAMPLES}):")
    for label in sorted(cases):
        print(f"  {cases[label]:6d}  {label}")
    assert failures == [], done.stdout[-6000:]
    assert done.returncode == 0, done.stdout[-6000:] + done.stderr[-2000:]
    assert set(cases) == operations  # every operation the document lists was exercised
    assert "Traceback" not in srv.log()
