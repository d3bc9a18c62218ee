"""`python -m bench faces` end to end, scaled down: 6 certificates at 1 s per call with
`--parallel 6`. What a user of each face would notice: every certificate Verified on its hub
with the same three writes, and the native face running more calls at once than the dynamic
host's 4. Wall times are printed by the bench and never judged here."""

from __future__ import annotations

import json
import sys
from typing import Any

import pytest

from bench.faces import DYNAMIC_HOST_CAP
from tests import processes
from tests.pulumi_cli import REPO

pytestmark = pytest.mark.engine

CERTIFICATES = 6
# The bench counts calls in flight from their answers' stamps, each call taken to span the
# latency before its stamp: 5 calls at once means 5 stamps within one latency. The native face
# starts its 6 creates together, yet a busy machine spreads them (150 ms on a shared 2-core one):
# at 200 ms a loaded run could miss; a whole second leaves several times that spread.
LATENCY_MS = 1000


def run_bench() -> tuple[str, dict[str, dict[str, Any]]]:
    result = processes.run(
        [
            sys.executable,
            "-m",
            "bench",
            "faces",
            "--certificates",
            str(CERTIFICATES),
            "--latency-ms",
            str(LATENCY_MS),
            "--parallel",
            "6",
            "--json",
        ],
        cwd=REPO,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    runs = [json.loads(line) for line in result.stdout.splitlines() if line.startswith("{")]
    return result.stdout, {run["face"]: run for run in runs}


def test_both_faces_verify_every_certificate_and_native_runs_more_calls_at_once() -> None:
    stdout, runs = run_bench()
    assert set(runs) == {"dynamic", "native"}, stdout
    for face, run in runs.items():
        assert run["exit_code"] == 0, stdout
        assert run["verified"] == CERTIFICATES, f"{face}: {stdout}"
        calls = run["arm_calls"]
        for operation in (
            "Certificates_CreateOrUpdate",
            "Certificates_GenerateVerificationCode",
            "Certificates_Verify",
        ):
            assert calls.get(operation) == CERTIFICATES, f"{face}: {calls}"
    assert runs["native"]["in_flight_max"] > DYNAMIC_HOST_CAP, stdout
    assert runs["native"]["in_flight_max"] > runs["dynamic"]["in_flight_max"], stdout
    # The table and the ratios are printed for people; their rows exist.
    assert any(line.startswith("| dynamic | 6 | 6 |") for line in stdout.splitlines()), stdout
    assert any(line.startswith("| native | 6 | 6 |") for line in stdout.splitlines()), stdout
    assert any(line.startswith("| wall s |") for line in stdout.splitlines()), stdout
