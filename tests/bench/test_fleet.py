"""`python -m bench fleet` end to end, scaled down: 15 certificates on 3 hubs at 100 ms per call,
under a throttle so small (writes and deletes: 5 tokens, 10 a second) that both faces and the
floor meet 429s. What a fleet owner would check: no run failed, every CA Verified on its hub
exactly once, nothing left over, the no-change `up` reading one list per hub, and the 429s
survived. Wall times and ratios are printed by the bench and never judged here."""

from __future__ import annotations

import json
import sys
from typing import Any

import pytest

from tests import processes
from tests.pulumi_cli import REPO

pytestmark = pytest.mark.engine

CERTIFICATES = 15
HUBS = 3
THROTTLE = {
    "writes": {"bucket": 5, "refill_per_s": 10},
    "deletes": {"bucket": 5, "refill_per_s": 10},
}
COMMANDS = ("up", "no-change up", "destroy")


def run_bench() -> tuple[str, dict[tuple[str, str], dict[str, Any]]]:
    result = processes.run(
        [
            sys.executable,
            "-m",
            "bench",
            "fleet",
            "--certificates",
            str(CERTIFICATES),
            "--hubs",
            str(HUBS),
            "--latency-ms",
            "100",
            # Few enough in flight that a 429 rarely meets the next one: the provider's 10
            # retries per call are never at risk (see bench/README.md, "Fleet mode").
            "--parallel",
            "6",
            "--throttle",
            json.dumps(THROTTLE),
            "--json",
            # The python-sdk face needs the release's SDK: measured by hand (bench/README.md).
            "--faces",
            "dynamic,native",
        ],
        cwd=REPO,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr
    runs = [json.loads(line) for line in result.stdout.splitlines() if line.startswith("{")]
    return result.stdout, {(run["face"], run["command"]): run for run in runs}


def test_a_throttled_fleet_is_trusted_read_and_destroyed_by_both_faces_without_a_failure() -> None:
    stdout, runs = run_bench()
    assert set(runs) == {(face, command) for face in ("dynamic", "native") for command in COMMANDS}
    for (face, command), run in runs.items():
        where = f"{face} {command}: {stdout}"
        assert run["exit_code"] == 0, where
        assert (run["certificates"], run["targets"]) == (CERTIFICATES, HUBS), where
        if command == "destroy":
            assert run["on_hubs"] == 0, where  # nothing left behind
            assert run["arm_calls_by_operation"] == {
                "Certificates_ListByIotHub": HUBS,
                "Certificates_Delete": CERTIFICATES,
            }, where
        else:
            assert run["verified_once"] == CERTIFICATES, where
            assert (run["duplicates"], run["orphans"]) == (0, 0), where
    for face in ("dynamic", "native"):
        up, unchanged = runs[face, "up"], runs[face, "no-change up"]
        for operation in (
            "Certificates_CreateOrUpdate",
            "Certificates_GenerateVerificationCode",
            "Certificates_Verify",
        ):
            assert up["arm_calls_by_operation"][operation] == CERTIFICATES, up
        # The refresh of a no-change `up`: one list per hub, and nothing else.
        assert unchanged["arm_calls"] == unchanged["lists"] == HUBS, unchanged
        met = sum(runs[face, command]["throttled"] for command in COMMANDS)
        assert met > 0, f"{face} met no 429: {stdout}"
    assert "| floor | up |" in stdout  # the floor's own row, beside the faces'
