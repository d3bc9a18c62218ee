"""Runs the floor script (`bench.floor_script`) against the bench's emulator and measures it.

Each action runs as its own process so its wall time, like `pulumi up`'s, includes interpreter
start, imports and the token request; its peak RSS comes from `wait4`.
"""

from __future__ import annotations

import dataclasses
import json
import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from azure_iot_emulator.testing import AdminClient, EmulatorInfo
from bench.calls import CallSummary, summarize
from bench.environment import BenchCa
from bench.processes import cpu_seconds
from tests.pulumi_cli import REPO


@dataclass(frozen=True)
class FloorPhase:
    """One run of the floor script."""

    name: str
    wall_s: float
    calls_s: float
    calls: CallSummary
    peak_kib: int
    cpu_s: float
    emulator_cpu_s: float


def run_floor(workdir: Path, info: EmulatorInfo, cas: list[BenchCa]) -> list[FloorPhase]:
    """The floor script's `create`, then its `delete`, each timed from spawn to exit."""
    spec = write_spec(workdir, info, cas)
    admin = AdminClient(info)
    return [run_script(workdir, action, spec, admin) for action in ("create", "delete")]


def write_spec(workdir: Path, info: EmulatorInfo, cas: list[BenchCa]) -> Path:
    """The floor scripts' SPEC: the emulator and the certificates (each named `floor-<CA>`)."""
    workdir.mkdir(parents=True, exist_ok=True)
    spec = workdir / "floor-spec.json"
    spec.write_text(
        json.dumps(
            {
                "info": dataclasses.asdict(info),
                "certificates": [
                    {
                        "name": f"floor-{ca.name}",
                        "hub": ca.hub,
                        "certificate_file": str(ca.certificate_file),
                        "key_file": str(ca.key_file),
                    }
                    for ca in cas
                ],
            }
        )
    )
    return spec


def run_script(
    workdir: Path,
    action: str,
    spec: Path,
    admin: AdminClient,
    module: str = "bench.floor_script",
) -> FloorPhase:
    """`python -m <module> <action> SPEC RESULT`, timed from spawn to exit; the request log is
    cleared first and summarized after."""
    result = workdir / f"floor-{action}.json"
    stderr_path = workdir / f"floor-{action}.stderr"
    admin.clear_requests()
    emulator_before = cpu_seconds(admin.info.pid) or 0.0
    started_at = time.time()
    start = time.perf_counter()
    with stderr_path.open("wb") as stderr:
        process = subprocess.Popen(
            [sys.executable, "-m", module, action, str(spec), str(result)],
            cwd=REPO,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=stderr,
        )
        # wait4 rather than wait: it also hands back the child's own rusage (peak RSS).
        _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - start
    emulator_cpu = (cpu_seconds(admin.info.pid) or 0.0) - emulator_before
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        raise RuntimeError(
            f"floor {action} exited {process.returncode}:\n{stderr_path.read_text()[-4000:]}"
        )
    calls_s = float(json.loads(result.read_text())["calls_s"])
    return FloorPhase(
        action,
        wall,
        calls_s,
        summarize(admin.requests(), started_at),
        usage.ru_maxrss,
        usage.ru_utime + usage.ru_stime,
        emulator_cpu,
    )
