"""Schemathesis over /api/v1/openapi.json against a real embedded server, signed in: every
operation the document lists (whoever added it), a fixed seed, and no server error, no response
outside the documented statuses, content types and schemas.

The bounded run (at least 100 cases per operation, asserted) is part of the test command;
`make fuzz` runs the same test with PARLEY_FUZZ_EXAMPLES=1000. Every operation documents the
optional `X-Request-ID` header the server accepts everywhere, so even an operation without
parameters has inputs to vary (without it, GET /me had 10 distinct cases and Hypothesis
stopped there).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections import Counter
from collections.abc import Callable, Sequence
from pathlib import Path

import httpx
import pytest

from tests.support.client import Api
from tests.support.server import ServerProcess

EXAMPLES = int(os.environ.get("PARLEY_FUZZ_EXAMPLES", "100"))
SEED = 20261201
# Extra runs over the operations still short of EXAMPLES cases (see the test's docstring).
TOP_UPS = 3
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


def _fuzz(srv: ServerProcess, token: str, report: Path, seed: int, only: Sequence[str] = ()) -> str:
    """One schemathesis run (over `only`, or every operation); its output when it failed."""
    st = Path(sys.executable).with_name("st")
    done = subprocess.run(
        [
            str(st), "run", f"{srv.url}/api/v1/openapi.json",
            "--url", f"{srv.url}/api/v1",
            "-H", f"Authorization: Bearer {token}",
            "--max-examples", str(EXAMPLES),
            "--seed", str(seed),
            "--phases", "examples,coverage,fuzzing",
            "--checks", CHECKS,
            "--continue-on-failure",
            # One worker: two run in threads, and CPython 3.11's ast.parse (Hypothesis describing a
            # filter) then fails now and then with "AST constructor recursion depth mismatch"
            # (python/cpython#106905).
            "--workers", "1",
            "--no-color",
            "--report", "ndjson",
            "--report-ndjson-path", str(report),
            *(arg for name in only for arg in ("--include-name", name)),
        ],
        capture_output=True,
        text=True,
        check=False,
        cwd=report.parent,  # its example cache stays out of the repository
    )  # fmt: skip
    return "" if done.returncode == 0 else done.stdout[-6000:] + done.stderr[-2000:]


async def _token(srv: ServerProcess) -> str:
    """A fresh signed-in user per run: an earlier run may have signed the last one out."""
    api = Api(srv.url)
    try:
        return (await api.user()).access_token
    finally:
        await api.close()


@pytest.mark.slow
@pytest.mark.timeout(120 + EXAMPLES * 8)
async def test_fuzzing_the_openapi_document_finds_nothing(
    server_factory: Callable[..., ServerProcess], tmp_path: Path
) -> None:
    """Every operation gets at least EXAMPLES cases. In a run over the whole document,
    schemathesis ends the fuzzing of some operations early (Hypothesis stops drawing after a few
    dozen cases: which ones varies from run to run, same seed or not), so the operations left
    short run again on their own, with the next seed, until each has its share."""
    srv = server_factory("embedded", env={"PARLEY_LOGIN_PER_ACCOUNT": "100000"})
    operations = {
        f"{method.upper()} {path}"
        for path, ops in httpx.get(f"{srv.url}/api/v1/openapi.json").json()["paths"].items()
        for method in ops
    }
    cases: Counter[str] = Counter()
    failures: list[str] = []
    short: list[str] = []
    for run in range(1 + TOP_UPS):
        report = tmp_path / f"run{run}.ndjson"
        output = _fuzz(srv, await _token(srv), report, SEED + run, short)
        found, failed = _summary(report)
        cases.update(found)
        failures += failed
        assert failed == [], output
        assert output == "", output
        short = sorted(op for op in operations if cases[op] < EXAMPLES)
        if not short:
            break
        print(f"run {run}: topping up {len(short)} operations: {short}")
    print(f"schemathesis cases per operation (at least {EXAMPLES} each):")
    for label in sorted(cases):
        print(f"  {cases[label]:6d}  {label}")
    assert set(cases) == operations  # every operation the document lists was exercised
    assert {op: cases[op] for op in short} == {}  # and each got its share
    assert "Traceback" not in srv.log()
