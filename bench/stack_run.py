"""Ours: this repo's program under the real CLI, `up`, a no-change `up`, then `destroy`.

The program runs from a scratch project (as the engine tests do) with its own backend, configured
through the stack config exactly as a user would: one proof-mode entry per CA.
"""

from __future__ import annotations

import json
import os
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from azure_iot_emulator.testing import AdminClient, EmulatorInfo
from bench.calls import CallSummary, summarize
from bench.environment import BenchCa, proof_entries
from bench.processes import ProcessWatch, Started
from tests.conftest import azure_environment
from tests.pulumi_cli import REPO, PulumiStack, program_project


@dataclass(frozen=True)
class Phase:
    """One measured command."""

    name: str
    wall_s: float
    calls: CallSummary
    provider_peak_kib: int | None
    processes: list[Started]
    cpu_s: dict[str, float]

    def first_start_s(self, role: str) -> float | None:
        """When the first process of `role` started, in seconds after the command's first process.

        Both from the kernel's start times, so the coarse boot time they are counted from cancels.
        """
        times = [p.started_at for p in self.processes if p.role == role]
        if not times:
            return None
        return min(times) - min(p.started_at for p in self.processes)


def write_certificates_file(stack: PulumiStack, certificates: list[dict[str, object]]) -> None:
    """The program's `certificates` list, written into the stack's settings file.

    Not `pulumi config set-all --json` (tests.conftest.write_certificates_config): that passes the
    list as one argument, and Linux caps one argument at 128 KiB, which ~150 entries exceed.
    YAML reads JSON, so the list goes in as one JSON line.
    """
    settings = stack.project_dir / f"Pulumi.{stack.stack}.yaml"
    config = {"config": {"pop-provider:certificates": certificates}}
    existing = settings.read_text() if settings.exists() else ""
    if "config:" in existing:
        raise RuntimeError(f"{settings} already has a config section")
    settings.write_text(existing + json.dumps(config)[1:-1] + "\n")


def measure(name: str, command: Callable[[], object], admin: AdminClient) -> Phase:
    """Run `command`, timing it, watching the processes it starts, reading the emulator's log."""
    admin.clear_requests()
    started_at = time.time()
    start = time.perf_counter()
    with ProcessWatch(os.getpid()) as watch:
        command()
    wall = time.perf_counter() - start
    calls = summarize(admin.requests(), started_at)
    return Phase(
        name, wall, calls, watch.peak_kib, list(watch.started.values()), watch.cpu_by_role()
    )


def run_stack(workdir: Path, info: EmulatorInfo, cas: list[BenchCa]) -> list[Phase]:
    """`up` creating one proof-mode certificate per CA, a no-change `up`, then `destroy`."""
    admin = AdminClient(info)
    stack = PulumiStack(
        program_project(workdir / "project"),
        workdir / "pulumi",
        stack="bench",
        extra_env=azure_environment(info),
    ).init()
    write_certificates_file(stack, proof_entries(info, cas))
    phases = [
        measure("up", stack.up, admin),
        measure("no-change up", stack.up, admin),
        measure("destroy", stack.destroy, admin),
    ]
    stack.run("stack", "rm", "--yes", "--stack", stack.stack)
    return phases


def cli_start_s() -> float:
    """Wall time of `tools/pulumi version`: the wrapper, its build check and the CLI's start."""
    start = time.perf_counter()
    subprocess.run(
        [str(REPO / "tools" / "pulumi"), "version"], check=True, capture_output=True, text=True
    )
    return time.perf_counter() - start
