"""`python -m bench profile`: where the CPU of each certificate goes, function by function.

One stack of N proof-mode certificates (file backend, as `stack_run`), run twice: plain, for
each process's CPU seconds (`ProcessWatch`), then with `bench/profile_hook` on PYTHONPATH, which
cProfiles every thread of the program and of the provider host by CPU time
(`time.thread_time`). The CLI (Go) and the language host are not profiled: neither runs our code.

A profile is read four ways, each in ms of CPU per certificate:
- self time by package (pop_provider, the program, Pulumi's SDK, cryptography, ...); time in a
  C function (`~` in pstats) counts for the package that called it most;
- ours: pop_provider and the program's own lines, with everything they call (the Azure SDK
  below a verb, Pulumi's SDK below the resource's constructor), entered from outside; and
  apart, what importing pop_provider costs;
- our functions with the most inclusive time, so a cut shows as a smaller number there;
- the functions with the most self time, whatever package they are in.
And a few counts: the Outputs the program's Pulumi SDK tracks per certificate (each one is
waited on again at every round of its end-of-program loop, `wait_for_rpcs`, whose rounds are
counted too), which is what the program's cost per certificate grows with.
cProfile's own bookkeeping inflates every number (more where calls are many and short), so
compare profiles with profiles and plain CPU seconds with plain CPU seconds.
"""

from __future__ import annotations

import os
import pstats
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from azure_iot_emulator.testing import AdminClient, EmulatorInfo
from bench.environment import BenchCa, proof_entries
from bench.stack_run import Phase, measure, write_certificates_file
from tests.conftest import azure_environment
from tests.pulumi_cli import REPO, PulumiStack, program_project

HOOK_DIR = REPO / "bench" / "profile_hook"
PROFILE_DIR_VARIABLE = "POP_BENCH_PROFILE_DIR"
OURS = "pop_provider"
PROGRAM = "program (__main__.py)"

# pstats' key: (file, line, function name).
_Key = tuple[str, int, str]
# What pstats keeps per function: calls, primitive calls, self s, inclusive s, callers.
_Entry = tuple[int, int, float, float, dict[_Key, tuple[int, int, float, float]]]


@dataclass(frozen=True)
class Cost:
    """One line of a profile table: what, and its CPU in ms per certificate."""

    what: str
    ms_per_cert: float


# Calls counted in a profile: (label, end of the file's path, function, per certificate?).
COUNTED = (
    ("Outputs tracked per certificate", "pulumi/output.py", "_track", True),
    ("rounds of the program's end-of-program wait", "asyncio/tasks.py", "_wait", False),
)


@dataclass(frozen=True)
class ProcessProfile:
    """One process's profile, per certificate."""

    role: str
    total_ms: float
    ours_ms: float
    imports_ms: float
    by_package: list[Cost]
    ours_top: list[Cost]
    top_self: list[Cost]
    counts: list[Cost]


@dataclass(frozen=True)
class ProfileRun:
    """Plain and profiled phases of one stack of `size` certificates."""

    size: int
    plain: list[Phase]
    profiled: dict[str, list[ProcessProfile]]


def package(filename: str) -> str:
    """The package a source file belongs to, as the tables name it."""
    path = filename.replace(os.sep, "/")
    if f"/{OURS}/" in path:
        return OURS
    if path.endswith("/__main__.py") and "/site-packages/" not in path and "/lib/" not in path:
        return PROGRAM
    if "/site-packages/" in path:
        top = path.split("/site-packages/", 1)[1].split("/", 1)[0]
        return {"google": "protobuf", "_cffi_backend": "cryptography"}.get(top, top)
    if filename.startswith("<frozen") or "/lib/python3" in path:
        return "stdlib"
    return "other"


def _label(key: _Key) -> str:
    filename, line, name = key
    if filename == "~":
        return name
    path = filename.replace(os.sep, "/")
    for marker in ("/site-packages/", f"/{OURS}/"):
        if marker in path:
            tail = path.split(marker, 1)[1]
            path = f"{OURS}/{tail}" if marker == f"/{OURS}/" else tail
            break
    else:
        path = Path(path).name
    return f"{path}:{line}({name})"


def _is_ours(key: _Key) -> bool:
    return package(key[0]) in (OURS, PROGRAM)


def read_profile(role: str, files: list[Path], size: int, top: int = 15) -> ProcessProfile:
    """The merged profiles of one role (one file per process), per certificate."""
    stats = pstats.Stats(*(str(f) for f in files))
    table: dict[_Key, _Entry] = stats.stats  # type: ignore[attr-defined]
    per_cert = 1000.0 / size

    def group(key: _Key) -> str:
        if key[0] != "~":
            return package(key[0])
        callers = table[key][4]
        if not callers:
            return "other"
        heaviest = max(callers, key=lambda caller: callers[caller][3])
        return "other" if heaviest[0] == "~" else package(heaviest[0])

    packages: dict[str, float] = defaultdict(float)
    for key, (_, _, self_s, _, _) in table.items():
        packages[group(key)] += self_s
    entered, imports = 0.0, 0.0
    for key, (_, _, _, inclusive, callers) in table.items():
        if not _is_ours(key):
            continue
        outside = [edge[3] for caller, edge in callers.items() if not _is_ours(caller)]
        seconds = sum(outside) if callers else inclusive
        entered += seconds
        if key[2] == "<module>" and package(key[0]) == OURS:
            imports += seconds
    ours = {
        _label(key): value[3]
        for key, value in table.items()
        if _is_ours(key) and key[2] != "<module>"
    }
    selfs = sorted(table.items(), key=lambda item: item[1][2], reverse=True)[:top]
    counts = []
    for label, path_end, function, per_certificate in COUNTED:
        calls = sum(
            value[0]
            for key, value in table.items()
            if key[2] == function and key[0].replace(os.sep, "/").endswith(path_end)
        )
        counts.append(Cost(label, calls / size if per_certificate else calls))
    return ProcessProfile(
        role=role,
        total_ms=sum(packages.values()) * per_cert,
        ours_ms=entered * per_cert,
        imports_ms=imports * per_cert,
        by_package=_costs(packages, per_cert),
        ours_top=_costs(ours, per_cert)[:top],
        top_self=[Cost(_label(key), value[2] * per_cert) for key, value in selfs],
        counts=counts,
    )


def _costs(seconds: dict[str, float], per_cert: float) -> list[Cost]:
    ranked = sorted(seconds.items(), key=lambda item: item[1], reverse=True)
    return [Cost(what, value * per_cert) for what, value in ranked]


def profile_env(directory: Path) -> dict[str, str]:
    """The environment that turns the hook on for one command, writing into `directory`."""
    directory.mkdir(parents=True, exist_ok=True)
    existing = os.environ.get("PYTHONPATH")
    path = str(HOOK_DIR) + (os.pathsep + existing if existing else "")
    return {"PYTHONPATH": path, PROFILE_DIR_VARIABLE: str(directory)}


def _profiles(directory: Path, size: int, top: int) -> list[ProcessProfile]:
    found = []
    for role in ("program", "provider-host"):
        files = sorted(directory.glob(f"{role}-*.prof"))
        if files:
            found.append(read_profile(role, files, size, top))
    return found


def run_profile(
    workdir: Path,
    info: EmulatorInfo,
    cas: list[BenchCa],
    top: int = 15,
    progress: Callable[[str], None] = lambda _: None,
) -> ProfileRun:
    """`up`, no-change `up` and `destroy` plain, then `up` and no-change `up` profiled."""
    admin = AdminClient(info)
    stack = PulumiStack(
        program_project(workdir / "project"),
        workdir / "pulumi",
        stack="profile",
        extra_env=azure_environment(info),
    ).init()
    write_certificates_file(stack, proof_entries(info, cas))
    base_env = dict(stack.extra_env)
    progress(f"N={len(cas)}: plain up, no-change up, destroy")
    plain = [
        measure("up", stack.up, admin),
        measure("no-change up", stack.up, admin),
        measure("destroy", stack.destroy, admin),
    ]
    profiled: dict[str, list[ProcessProfile]] = {}
    for phase in ("up", "no-change up"):
        progress(f"N={len(cas)}: {phase} under cProfile")
        directory = workdir / "profiles" / phase.replace(" ", "-")
        stack.extra_env = {**base_env, **profile_env(directory)}
        stack.up()
        profiled[phase] = _profiles(directory, len(cas), top)
    stack.extra_env = base_env
    stack.destroy()
    stack.run("stack", "rm", "--yes", "--stack", stack.stack)
    return ProfileRun(len(cas), plain, profiled)
