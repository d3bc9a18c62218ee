"""Plain-text tables of one bench run (Markdown, so they paste into bench/README.md)."""

from __future__ import annotations

import os
import platform
import subprocess
import sys
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from bench.floor import FloorPhase
from bench.profiling import ProfileRun
from bench.proof_timing import TARGET_US, ProofTiming
from bench.stack_run import Phase
from bench.startup import ImportCost
from bench.team import TeamPhase
from tests.pulumi_cli import REPO

RATIO_TARGET = 1.3
OPERATION_ABBREVIATIONS = {
    "Certificates_CreateOrUpdate": "PUT",
    "Certificates_GenerateVerificationCode": "gvc",
    "Certificates_Verify": "verify",
    "Certificates_Get": "GET",
    "Certificates_Delete": "DELETE",
    "Certificates_ListByIotHub": "list",
}


@dataclass(frozen=True)
class SizeResult:
    """Everything measured for one N."""

    size: int
    ours: list[Phase]
    floor: list[FloorPhase]


def table(header: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    """A Markdown table."""
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    return "\n".join(lines)


def operations(calls: Counter[str]) -> str:
    """`PUT 10, gvc 10, verify 10`, in a stable order."""
    if not calls:
        return "none"
    order = list(OPERATION_ABBREVIATIONS)
    ranked = sorted(calls, key=lambda op: (order.index(op) if op in order else len(order), op))
    return ", ".join(f"{OPERATION_ABBREVIATIONS.get(op, op)} {calls[op]}" for op in ranked)


def _seconds(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}"


def _mib(kib: int | None) -> str:
    return "-" if kib is None else f"{kib / 1024:.0f}"


def phases_table(results: Sequence[SizeResult]) -> str:
    """Ours and the floor, per N and command: time, calls, and where in the time the calls sat."""
    rows: list[list[object]] = []
    for result in results:
        for phase in result.ours:
            calls = phase.calls
            rows.append(
                [
                    result.size,
                    f"ours: {phase.name}",
                    f"{phase.wall_s:.2f}",
                    operations(calls.arm),
                    f"{calls.total / result.size:.2f}",
                    calls.writes,
                    _seconds(calls.first_answer_s),
                    _seconds(calls.last_answer_s),
                    _mib(phase.provider_peak_kib),
                ]
            )
        for floor in result.floor:
            calls = floor.calls
            rows.append(
                [
                    result.size,
                    f"floor: {floor.name}",
                    f"{floor.wall_s:.2f}",
                    operations(calls.arm),
                    f"{calls.total / result.size:.2f}",
                    calls.writes,
                    _seconds(calls.first_answer_s),
                    _seconds(calls.last_answer_s),
                    _mib(floor.peak_kib),
                ]
            )
    return table(
        [
            "N",
            "command",
            "wall s",
            "ARM calls",
            "calls/cert",
            "writes",
            "1st answer s",
            "last answer s",
            "peak RSS MiB",
        ],
        rows,
    )


def timeline_table(results: Sequence[SizeResult]) -> str:
    """Where each of our commands spends its time: seconds after the command started."""
    rows: list[list[object]] = []
    for result in results:
        for phase in result.ours:
            rows.append(
                [
                    result.size,
                    phase.name,
                    _seconds(phase.first_start_s("language host")),
                    _seconds(phase.first_start_s("program")),
                    _seconds(phase.first_start_s("provider host")),
                    _seconds(phase.calls.first_answer_s),
                    _seconds(phase.calls.last_answer_s),
                    f"{phase.wall_s:.2f}",
                ]
            )
    return table(
        [
            "N",
            "command",
            "language host started",
            "program started",
            "provider host started",
            "1st ARM answer",
            "last ARM answer",
            "exit",
        ],
        rows,
    )


CPU_ROLES = ("CLI", "language host", "program", "provider host", "already running")


def cpu_table(results: Sequence[SizeResult]) -> str:
    """CPU seconds each process used (2 cores: at most 2 s of CPU per wall second).

    "emulator" is what was already running (the emulator, serving every ARM call); the floor
    script's own CPU is in the "provider host" column, its counterpart.
    """
    rows: list[list[object]] = []
    for result in results:
        for phase in result.ours:
            other = sum(v for k, v in phase.cpu_s.items() if k not in CPU_ROLES)
            rows.append(
                [result.size, f"ours: {phase.name}", f"{phase.wall_s:.2f}"]
                + [f"{phase.cpu_s.get(role, 0.0):.2f}" for role in CPU_ROLES]
                + [f"{other:.2f}", f"{sum(phase.cpu_s.values()):.2f}"]
            )
        for floor in result.floor:
            rows.append(
                [result.size, f"floor: {floor.name}", f"{floor.wall_s:.2f}", "-", "-", "-"]
                + [f"{floor.cpu_s:.2f}", f"{floor.emulator_cpu_s:.2f}", "0.00"]
                + [f"{floor.cpu_s + floor.emulator_cpu_s:.2f}"]
            )
    header = ["N", "command", "wall s", *CPU_ROLES[:-1], "emulator", "other", "total CPU s"]
    return table(header, rows)


def ratio_table(results: Sequence[SizeResult]) -> str:
    """Ours / floor for creating (`up` vs the script's create) and deleting (`destroy`)."""
    rows: list[list[object]] = []
    for result in results:
        ours = {phase.name: phase for phase in result.ours}
        floor = {phase.name: phase for phase in result.floor}
        for our_name, floor_name in (("up", "create"), ("destroy", "delete")):
            mine, theirs = ours[our_name], floor[floor_name]
            ratio = mine.wall_s / theirs.wall_s
            same_calls = mine.calls.arm == theirs.calls.arm
            rows.append(
                [
                    result.size,
                    our_name,
                    f"{mine.wall_s:.2f}",
                    f"{theirs.wall_s:.2f}",
                    f"{theirs.calls_s:.2f}",
                    f"{ratio:.2f}",
                    f"{mine.wall_s / theirs.calls_s:.2f}",
                    "yes" if same_calls else "NO",
                ]
            )
    return table(
        [
            "N",
            "ours",
            "ours s",
            "floor script s",
            "floor calls only s",
            f"ours/floor (target ≤ {RATIO_TARGET})",
            "ours/floor calls only",
            "same calls",
        ],
        rows,
    )


def proof_table(timings: Sequence[ProofTiming]) -> str:
    """Microseconds per proof certificate, per key type."""
    return table(
        ["key type", "median µs", "p95 µs", "min µs", "runs", f"< {TARGET_US:.0f} µs"],
        [
            [
                timing.key_type.value,
                f"{timing.median_us:.0f}",
                f"{timing.p95_us:.0f}",
                f"{timing.min_us:.0f}",
                timing.iterations,
                "met" if timing.median_us < TARGET_US else "MISSED",
            ]
            for timing in timings
        ],
    )


def import_table(costs: Sequence[ImportCost]) -> str:
    """Seconds each process spends importing, in a fresh interpreter."""
    return table(
        ["process", "imports", "seconds"],
        [[cost.process, f"`{cost.modules}`", f"{cost.seconds:.2f}"] for cost in costs],
    )


def machine() -> str:
    """What the numbers ran on: CPU, cores, memory, load, Python, Pulumi, OpenSSL."""
    from cryptography.hazmat.backends.openssl.backend import backend

    cpu = "unknown CPU"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    memory_kib = 0
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemTotal:"):
            memory_kib = int(line.split()[1])
    pulumi = subprocess.run(
        [str(REPO / "tools" / "pulumi"), "version"], capture_output=True, text=True, check=False
    ).stdout.strip()
    load = ", ".join(f"{value:.2f}" for value in os.getloadavg())
    return (
        f"{cpu}, {os.cpu_count()} cores, {memory_kib / 1024 / 1024:.0f} GiB, "
        f"{platform.system()} {platform.release()}; load average {load} at start; "
        f"Python {sys.version.split()[0]}, Pulumi CLI {pulumi}, "
        f"cryptography's {backend.openssl_version_text()}"
    )


TEAM_ROLES = ("CLI", "language host", "program", "provider host")


def team_table(phases: Sequence[TeamPhase]) -> str:
    """K stacks at once vs one stack: time, CPU (exact total, and per certificate), calls."""
    rows: list[list[object]] = []
    for phase in phases:
        calls = phase.calls
        verified = "-" if phase.verified is None else f"{phase.verified}/{phase.certificates}"
        rows.append(
            [
                phase.layout,
                phase.command,
                f"{phase.stacks} × {phase.certificates // phase.stacks}",
                f"{phase.wall_s:.2f}",
                f"{phase.cpu_s:.2f}",
                f"{1000 * phase.cpu_s / phase.certificates:.1f}",
                f"{phase.services_cpu_s:.2f}",
                operations(calls.arm),
                f"{calls.total / phase.certificates:.2f}",
                verified,
                f"{phase.failed}/{phase.stacks}",
            ]
        )
    return table(
        [
            "layout",
            "command",
            "stacks × certs",
            "wall s",
            "total CPU s",
            "CPU ms/cert",
            "emulator + Azurite CPU s",
            "ARM calls",
            "ARM calls/cert",
            "Verified on hubs",
            "failed stacks",
        ],
        rows,
    )


def team_role_table(phases: Sequence[TeamPhase]) -> str:
    """CPU ms per certificate of each kind of process (sampled: each process to its last
    100 ms sample, so the columns add up to a little less than the exact total)."""
    rows: list[list[str]] = []
    for phase in phases:
        roles = phase.cpu_by_role
        other = sum(v for k, v in roles.items() if k not in (*TEAM_ROLES, "already running"))
        per_cert = 1000 / phase.certificates
        rows.append(
            [
                phase.layout,
                phase.command,
                *(f"{roles.get(role, 0.0) * per_cert:.1f}" for role in TEAM_ROLES),
            ]
            + [f"{other * per_cert:.1f}", f"{1000 * phase.cpu_s / phase.certificates:.1f}"]
        )
    return table(["layout", "command", *TEAM_ROLES, "other", "exact total"], rows)


def team_ratio_table(phases: Sequence[TeamPhase]) -> str:
    """Team over single, per command: wall time and CPU per certificate."""
    by_key = {(phase.layout, phase.command): phase for phase in phases}
    rows: list[list[object]] = []
    for command in ("up", "destroy"):
        team, single = by_key.get(("team", command)), by_key.get(("single", command))
        if team is None or single is None:
            continue
        team_cpu = team.cpu_s / team.certificates
        single_cpu = single.cpu_s / single.certificates
        rows.append(
            [
                command,
                f"{team.wall_s:.2f}",
                f"{single.wall_s:.2f}",
                f"{team.wall_s / single.wall_s:.2f}",
                f"{team_cpu / single_cpu:.2f}",
            ]
        )
    return table(
        [
            "command",
            "team wall s",
            "single wall s",
            "team / single wall",
            "team / single CPU per cert",
        ],
        rows,
    )


def profile_phase_table(run: ProfileRun) -> str:
    """CPU ms per certificate of each process, plain (no profiler) and under cProfile."""
    rows: list[Sequence[object]] = []
    per_cert = 1000 / run.size
    for phase in run.plain:
        rows.append(
            [phase.name, "plain", f"{phase.wall_s:.2f}"]
            + [f"{phase.cpu_s.get(role, 0.0) * per_cert:.1f}" for role in TEAM_ROLES]
            + [f"{sum(phase.cpu_s.values()) * per_cert:.1f}"]
        )
    for name, profiles in run.profiled.items():
        by_role = {profile.role: profile for profile in profiles}
        program, host = by_role.get("program"), by_role.get("provider-host")
        rows.append(
            [name, "cProfile (ours)", "-", "-", "-"]
            + [f"{p.total_ms:.1f} ({p.ours_ms:.1f})" if p else "-" for p in (program, host)]
            + ["-"]
        )
    return table(["command", "run", "wall s", *TEAM_ROLES, "total"], rows)


def profile_tables(run: ProfileRun) -> str:
    """For each profiled command and process: packages, our entry points, top self time."""
    parts = []
    for name, profiles in run.profiled.items():
        for profile in profiles:
            title = (
                f"**{name}, {profile.role}**: {profile.total_ms:.1f} ms/cert under cProfile; "
                f"ours (pop_provider and the program, with what they call) "
                f"{profile.ours_ms:.1f}, of which importing pop_provider {profile.imports_ms:.1f}"
            )
            counts = "; ".join(
                f"{cost.what}: {cost.ms_per_cert:.1f}"
                for cost in profile.counts
                if cost.ms_per_cert
            )
            packages = table(
                ["package (self time)", "ms/cert"],
                [[cost.what, f"{cost.ms_per_cert:.2f}"] for cost in profile.by_package[:8]],
            )
            ours = table(
                ["our function (inclusive)", "ms/cert"],
                [[f"`{cost.what}`", f"{cost.ms_per_cert:.2f}"] for cost in profile.ours_top],
            )
            selfs = table(
                ["function (self time)", "ms/cert"],
                [[f"`{cost.what}`", f"{cost.ms_per_cert:.2f}"] for cost in profile.top_self],
            )
            parts.append("\n\n".join(p for p in [title, counts, packages, ours, selfs] if p))
    return "\n\n".join(parts)
