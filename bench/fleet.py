"""`python -m bench fleet`: N CAs trusted by proof of possession on H hubs under ARM's throttle,
through each face, against a raw script bound only by the throttle.

One emulator per contender (the floor, the dynamic face, the native face), seeded alike: H hubs
of at most 25 CAs each (IoT Hub's cap), `latency_ms` added to every ARM call, ARM's token-bucket
throttle on (`"documented"`: writes 200 at 10/s, deletes 200 at 10/s, reads 250 at 25/s per
principal). The CAs (distinct EC P-256 roots) go round-robin over the hubs.

- **floor** (`bench.fleet_floor_script`): 100 calls at once (ten times what the write bucket
  admits in a second of latency), each 429's `Retry-After` honoured with no cap on attempts:
  `create` (3 writes each), `list` (1 list per hub: what a no-change `up` must read), `delete`
  (1 list per hub, then 1 DELETE per certificate).
- **dynamic** / **native**: the `bench.faces` programs, in a project with `refresh: always` (as
  this repo's `Pulumi.yaml`): `pulumi up`, a no-change `pulumi up`, `pulumi destroy`, each with
  `--parallel P --skip-preview --yes`.

Before every timed command the latency is turned on and the throttle set again, so each command
starts with full buckets, as the floor's does; after it both are turned off while the hubs are
listed to check the result (every CA on its hub exactly once and Verified, no duplicates, no
certificate the stack does not name, none left after `destroy`). ARM calls and 429s come from
the emulator's request log of the command alone, read every few seconds while it runs (the log
keeps only its last 10,000 entries; see `bench.calls.RequestLogWatch`).
"""

from __future__ import annotations

import json
import math
import os
import time
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes

from azure_iot_emulator.ratelimit import ThrottleLimits
from azure_iot_emulator.testing import AdminClient, EmulatorInfo
from bench.calls import CallSummary, RequestLogWatch, summarize
from bench.environment import BenchCa, make_cas, start_emulator
from bench.faces import face_stack, timed
from bench.floor import run_script, write_spec
from bench.processes import ProcessWatch
from tests.pop_provider.engine import hub_certificates
from tests.pulumi_cli import PulumiStack

FACES = ("dynamic", "native", "python-sdk")
COMMANDS = ("up", "no-change up", "destroy")
# IoT Hub holds at most 25 CA certificates (Microsoft's IoT Hub quotas page).
IOTHUB_MAX_CAS = 25
WRITES_PER_PROOF = 3
# A fleet `up` of the dynamic face at 1 s per call takes ~15 minutes; room for a slow machine.
RUN_TIMEOUT_S = 3600.0
# The floor's calls at once: far above what the write bucket admits (see bench.fleet_floor_script).
FLOOR_WORKERS = 100
_FLOOR_ACTIONS = {"up": "create", "no-change up": "list", "destroy": "delete"}
_CLI_ARGS = {
    "up": ("up", "--yes", "--skip-preview"),
    "no-change up": ("up", "--yes", "--skip-preview"),
    "destroy": ("destroy", "--yes", "--skip-preview"),
}


@dataclass(frozen=True)
class Fleet:
    """What one fleet run trusts, where, and under which limits."""

    certificates: int
    hubs: int
    latency_ms: int
    parallel: int
    throttle: dict[str, Any] | str = "documented"

    @property
    def limits(self) -> ThrottleLimits:
        """The buckets of one principal, as the emulator reads the seed's `arm_throttle`."""
        return ThrottleLimits.parse(self.throttle)

    def bound_s(self, command: str) -> float:
        """The least wall time ARM allows one principal for `command`: what exceeds a bucket
        waits for its refill, and nothing ends before one call's latency (three in a row for a
        proof). `up`: (3N - write bucket) / write refill, (3000 - 200) / 10 = 280 s for N = 1000
        at ARM's numbers."""
        latency = self.latency_ms / 1000
        reads = self.limits.reads
        listing = max((self.hubs - reads.bucket) / reads.refill_per_s, latency)
        if command == "up":
            writes = self.limits.writes
            total = WRITES_PER_PROOF * self.certificates
            return max((total - writes.bucket) / writes.refill_per_s, WRITES_PER_PROOF * latency)
        if command == "no-change up":
            return listing
        deletes = self.limits.deletes
        return listing + max((self.certificates - deletes.bucket) / deletes.refill_per_s, latency)


@dataclass(frozen=True)
class HubCheck:
    """What the hubs hold after a command, against what the contender should have left."""

    on_hubs: int
    verified_once: int
    duplicates: int
    orphans: int


@dataclass(frozen=True)
class Measured:
    """One command of one contender (floor, dynamic or native)."""

    face: str
    command: str
    wall_s: float
    calls: CallSummary
    exit_code: int
    check: HubCheck
    # False when the emulator's request log dropped entries before the bench read them.
    log_complete: bool = True
    # CPU seconds of each kind of process during the command (faces only; "emulator" included).
    cpu_s: dict[str, float] = field(default_factory=dict)

    @property
    def arm_calls(self) -> int:
        """ARM calls that did the work (answered, not refused with 429)."""
        return sum(self.calls.admitted.values())

    @property
    def throttled(self) -> int:
        """ARM calls refused with 429."""
        return sum(self.calls.throttled.values())

    @property
    def lists(self) -> int:
        """List calls admitted (one per hub is the target of a refresh)."""
        return self.calls.admitted["Certificates_ListByIotHub"]


def thumbprint(ca: BenchCa) -> str:
    """The CA's SHA-1 thumbprint as IoT Hub reports it (upper-case hex of the DER)."""
    certificate = x509.load_pem_x509_certificate(ca.certificate_file.read_bytes())
    return certificate.fingerprint(hashes.SHA1()).hex().upper()  # noqa: S303 - Azure's thumbprint


def check_hubs(info: EmulatorInfo, cas: list[BenchCa], named: set[tuple[str, str]]) -> HubCheck:
    """List every hub: each CA on its hub exactly once and Verified; certificates beyond the first
    with one CA's thumbprint (duplicates); certificates not in `named` (orphans: (hub, name) the
    contender accounts for; empty after a destroy)."""
    hubs = sorted({ca.hub for ca in cas} | set(info.iot_hubs))
    with ThreadPoolExecutor(min(len(hubs), 16)) as pool:
        listings = dict(
            zip(hubs, pool.map(lambda hub: hub_certificates(info, hub), hubs), strict=True)
        )
    held: Counter[str] = Counter()
    verified: set[tuple[str, str]] = set()
    orphans = 0
    for hub, certificates in listings.items():
        for name, certificate in certificates.items():
            properties = certificate.properties
            held[str(properties.thumbprint).upper()] += 1
            if properties.is_verified:
                verified.add((hub, str(properties.thumbprint).upper()))
            orphans += (hub, name) not in named
    prints = {ca.name: thumbprint(ca) for ca in cas}
    verified_once = sum(
        1 for ca in cas if held[prints[ca.name]] == 1 and (ca.hub, prints[ca.name]) in verified
    )
    duplicates = sum(count - 1 for print_, count in held.items() if count > 1)
    return HubCheck(sum(held.values()), verified_once, duplicates, orphans)


def stack_names(stack: PulumiStack) -> set[tuple[str, str]]:
    """(hub, certificate name) of every certificate the stack's state holds, from its `armId`
    (native) or `arm_id` (dynamic) output; read from the state, so a failed run counts too."""
    names = set()
    for resource in stack.export()["deployment"].get("resources") or []:
        outputs = resource.get("outputs") or {}
        arm_id = outputs.get("armId") or outputs.get("arm_id")
        if isinstance(arm_id, str) and "/IotHubs/" in arm_id:
            hub, _, name = arm_id.split("/IotHubs/", 1)[1].partition("/certificates/")
            names.add((hub, name))
    return names


@contextmanager
def measured_conditions(admin: AdminClient, fleet: Fleet) -> Iterator[None]:
    """Latency and the throttle on (every bucket full) for the command inside; both off after,
    so the checks neither wait nor spend the next command's tokens."""
    admin.set_faults(latency_ms=fleet.latency_ms)
    admin.set_throttle(fleet.throttle)
    try:
        yield
    finally:
        admin.clear_throttle()
        admin.clear_faults()


def run_floor(
    workdir: Path,
    info: EmulatorInfo,
    cas: list[BenchCa],
    fleet: Fleet,
    progress: Callable[[str], None],
) -> list[Measured]:
    """The floor script's create, list and delete, each timed from spawn to exit."""
    admin = AdminClient(info)
    spec = write_spec(workdir, info, cas)
    spec.write_text(json.dumps({**json.loads(spec.read_text()), "workers": FLOOR_WORKERS}))
    floor_names = {(ca.hub, f"floor-{ca.name}") for ca in cas}
    runs = []
    for command in COMMANDS:
        action = _FLOOR_ACTIONS[command]
        progress(f"floor: {action}, {len(cas)} certificates on {fleet.hubs} hubs")
        with measured_conditions(admin, fleet), RequestLogWatch(admin) as log:
            started_at = time.time()
            phase = run_script(workdir, action, spec, admin, module="bench.fleet_floor_script")
        named = set() if command == "destroy" else floor_names
        run = Measured(
            "floor",
            command,
            phase.wall_s,
            summarize(log.entries, started_at),
            0,
            check_hubs(info, cas, named),
            not log.lost,
        )
        progress(_progress_line(run))
        runs.append(run)
    return runs


def run_face(
    face: str,
    workdir: Path,
    info: EmulatorInfo,
    cas: list[BenchCa],
    fleet: Fleet,
    progress: Callable[[str], None],
) -> list[Measured]:
    """`up`, a no-change `up` and `destroy` of one stack declaring every CA through `face`."""
    admin = AdminClient(info)
    stack = face_stack(face, workdir, info, cas, refresh_always=True)
    runs = []
    for command in COMMANDS:
        progress(f"{face}: pulumi {command} --parallel {fleet.parallel}")
        args = (*_CLI_ARGS[command], "--parallel", str(fleet.parallel))
        with (
            measured_conditions(admin, fleet),
            RequestLogWatch(admin) as log,
            ProcessWatch(os.getpid(), interval_s=0.5) as watch,
        ):
            done = timed(stack, admin, *args, timeout=RUN_TIMEOUT_S)
        output = workdir / f"{command.replace(' ', '-')}.log"
        output.write_text(done.result.stdout + done.result.stderr)
        named = set() if command == "destroy" else stack_names(stack)
        run = Measured(
            face,
            command,
            done.wall_s,
            summarize(log.entries, done.started_at),
            done.result.returncode,
            check_hubs(info, cas, named),
            not log.lost,
            cpu_by_kind(watch.cpu_by_role()),
        )
        progress(_progress_line(run))
        runs.append(run)
    return runs


CPU_KINDS = ("CLI", "language host", "program", "provider host", "emulator")


def cpu_by_kind(by_role: dict[str, float]) -> dict[str, float]:
    """`ProcessWatch`'s roles as the CPU table shows them: the emulator (the one process already
    running below the bench), the four of a Pulumi run, and the rest (shell wrappers) as other."""
    kinds: dict[str, float] = {}
    for role, seconds in by_role.items():
        kind = "emulator" if role == "already running" else role
        kind = kind if kind in CPU_KINDS else "other"
        kinds[kind] = kinds.get(kind, 0.0) + seconds
    return kinds


def cpu_table(runs: list[Measured]) -> str:
    """CPU seconds per kind of process for each face's commands (sampled every 0.5 s)."""
    kinds = (*CPU_KINDS, "other")
    lines = [
        "| face | command | wall s | " + " | ".join(kinds) + " | total CPU s |",
        "|---|---|---|" + "---|" * (len(kinds) + 1),
    ]
    for run in runs:
        if run.face == "floor":
            continue
        cells = " | ".join(f"{run.cpu_s.get(kind, 0.0):.1f}" for kind in kinds)
        lines.append(
            f"| {run.face} | {run.command} | {run.wall_s:.1f} | {cells} | "
            f"{sum(run.cpu_s.values()):.1f} |"
        )
    return "\n".join(lines)


def _progress_line(run: Measured) -> str:
    return (
        f"{run.face} {run.command}: {run.wall_s:.1f} s, {run.arm_calls} ARM calls, "
        f"{run.throttled} 429s, {run.check.verified_once} Verified once, exit {run.exit_code}"
        + ("" if run.log_complete else " (the request log lost entries: counts are short)")
    )


def run_fleet(
    workdir: Path,
    fleet: Fleet,
    progress: Callable[[str], None] = lambda _: None,
    faces: tuple[str, ...] = FACES,
) -> list[Measured]:
    """The floor, then each face (the plugin's first: the fastest next to the floor), each on a
    fresh emulator of the same seed (same hubs, every bucket full), over the same CAs."""
    runs: list[Measured] = []
    cas: list[BenchCa] | None = None
    for contender in ("floor", *reversed([face for face in FACES if face in faces])):
        process, info = start_emulator(
            workdir / contender / "emulator",
            fleet.certificates,
            hubs=fleet.hubs,
            per_hub=IOTHUB_MAX_CAS,
        )
        try:
            if cas is None:
                progress(f"{fleet.certificates} CAs (EC P-256) over {len(info.iot_hubs)} hubs")
                cas = make_cas(workdir / "cas", fleet.certificates, info)
            if contender == "floor":
                runs += run_floor(workdir / contender, info, cas, fleet, progress)
            else:
                runs += run_face(contender, workdir / contender, info, cas, fleet, progress)
        finally:
            process.stop()
    return runs


def _floor(runs: list[Measured], command: str) -> Measured:
    return next(run for run in runs if run.face == "floor" and run.command == command)


def _ratio(wall: float, floor: float) -> float | None:
    return wall / floor if floor > 0 else None


def _shown(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}"


def _operations(counter: Counter[str]) -> str:
    short = {
        "Certificates_CreateOrUpdate": "PUT",
        "Certificates_GenerateVerificationCode": "gvc",
        "Certificates_Verify": "verify",
        "Certificates_ListByIotHub": "list",
        "Certificates_Get": "GET",
        "Certificates_Delete": "DELETE",
    }
    return ", ".join(f"{short.get(op, op)} {n}" for op, n in sorted(counter.items())) or "none"


def fleet_table(runs: list[Measured], fleet: Fleet) -> str:
    """One row per contender and command: wall time against the floor and the throttle's
    bound, the ARM calls that did the work, the 429s met, and what the hubs hold after."""
    lines = [
        "| face | command | wall s | floor s | bound s | ratio to floor | ratio to bound | "
        "ARM calls | calls/cert | 429s | 1st answer s | last answer s | Verified once | "
        "duplicates | orphans | exit |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for run in runs:
        floor = _floor(runs, run.command).wall_s
        bound = fleet.bound_s(run.command)
        lines.append(
            f"| {run.face} | {run.command} | {run.wall_s:.2f} | {floor:.2f} | {bound:.2f} | "
            f"{_shown(_ratio(run.wall_s, floor))} | {_shown(_ratio(run.wall_s, bound))} | "
            f"{_operations(run.calls.admitted)} | {run.arm_calls / fleet.certificates:.2f} | "
            f"{run.throttled} | {_shown(run.calls.first_answer_s)} | "
            f"{_shown(run.calls.last_answer_s)} | {run.check.verified_once}/{fleet.certificates}"
            f" | {run.check.duplicates} | {run.check.orphans} | {run.exit_code} |"
        )
    return "\n".join(lines)


def verdicts(runs: list[Measured], fleet: Fleet) -> list[str]:
    """The issue's acceptance, each met or missed."""

    def state(ok: bool) -> str:
        return "met" if ok else "**missed**"

    faces = [run for run in runs if run.face != "floor"]
    ups = [run for run in faces if run.command == "up"]
    fastest = min(ups, key=lambda run: run.wall_s)
    floor = _floor(runs, "up").wall_s
    ratio = fastest.wall_s / floor
    lines = [
        f"fastest face's `up` ({fastest.face}, {fastest.wall_s:.1f} s) within 1.25x of the "
        f"floor ({floor:.1f} s): {state(ratio <= 1.25)} ({ratio:.2f})"
    ]
    for run in faces:
        if run.command == "no-change up":
            reads = run.arm_calls
            lines.append(
                f"{run.face}: no-change `up` reads at most 1 list per target: "
                f"{state(reads <= fleet.hubs and reads == run.lists)} "
                f"({run.lists} lists, {reads} ARM calls, {fleet.hubs} targets)"
            )
    failed = [f"{run.face} {run.command}" for run in faces if run.exit_code != 0]
    lines.append(
        f"0 failed runs: {state(not failed)}" + (f" ({', '.join(failed)})" if failed else "")
    )
    for run in runs:
        if run.command == "destroy":
            continue
        complete = run.check.verified_once == fleet.certificates
        lines.append(
            f"{run.face} {run.command}: every certificate Verified exactly once, 0 duplicates, "
            f"0 orphans: {state(complete and not run.check.duplicates and not run.check.orphans)}"
            f" ({run.check.verified_once}, {run.check.duplicates}, {run.check.orphans})"
        )
    left = {f"{run.face}": run.check.on_hubs for run in runs if run.command == "destroy"}
    lines.append(
        f"nothing left on the hubs after destroy: {state(not any(left.values()))} "
        f"({', '.join(f'{face} {n}' for face, n in left.items())})"
    )
    short = [f"{run.face} {run.command}" for run in runs if not run.log_complete]
    lines.append(
        f"every ARM call counted (the request log lost none): {state(not short)}"
        + (f" ({', '.join(short)})" if short else "")
    )
    met_429 = {run.face: sum(r.throttled for r in runs if r.face == run.face) for run in runs}
    lines.append("429s met and survived: " + ", ".join(f"{f} {n}" for f, n in met_429.items()))
    return lines


def as_json(run: Measured, runs: list[Measured], fleet: Fleet) -> dict[str, Any]:
    """One line of `--json`."""
    floor = _floor(runs, run.command).wall_s
    bound = fleet.bound_s(run.command)
    ratio = _ratio(run.wall_s, floor)
    to_bound = _ratio(run.wall_s, bound)
    return {
        "face": run.face,
        "command": run.command,
        "certificates": fleet.certificates,
        "targets": fleet.hubs,
        "wall_s": round(run.wall_s, 3),
        "floor_s": round(floor, 3),
        "ratio": None if ratio is None else round(ratio, 3),
        "arm_calls": run.arm_calls,
        "throttled": run.throttled,
        "bound_s": round(bound, 3),
        "ratio_to_bound": None if to_bound is None else round(to_bound, 3),
        "arm_calls_by_operation": dict(run.calls.admitted),
        "throttled_by_operation": dict(run.calls.throttled),
        "lists": run.lists,
        "first_answer_s": _rounded(run.calls.first_answer_s),
        "last_answer_s": _rounded(run.calls.last_answer_s),
        "parallel": fleet.parallel,
        "latency_ms": fleet.latency_ms,
        "on_hubs": run.check.on_hubs,
        "verified_once": run.check.verified_once,
        "duplicates": run.check.duplicates,
        "orphans": run.check.orphans,
        "exit_code": run.exit_code,
        "log_complete": run.log_complete,
        "cpu_s": {kind: round(seconds, 2) for kind, seconds in run.cpu_s.items()},
    }


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(value, 3)


def describe(fleet: Fleet) -> str:
    """The setup, in one paragraph."""
    limits = fleet.limits
    buckets = ", ".join(
        f"{kind} {size.bucket} at {size.refill_per_s:g}/s"
        for kind, size in (
            ("writes", limits.writes),
            ("deletes", limits.deletes),
            ("reads", limits.reads),
        )
    )
    per_hub = math.ceil(fleet.certificates / fleet.hubs)
    return (
        f"{fleet.certificates} proof-mode CAs (EC P-256) on {fleet.hubs} hubs ({per_hub} per hub "
        f"at most, of IoT Hub's {IOTHUB_MAX_CAS}); {fleet.latency_ms} ms added to every ARM call; "
        f"ARM's throttle on ({buckets} per principal), every bucket full before each command; "
        f"faces: `--parallel {fleet.parallel} --skip-preview`, `refresh: always`, file backend; "
        f"floor: {FLOOR_WORKERS} calls at once, Retry-After honoured, no cap on retries."
    )


def json_lines(runs: list[Measured], fleet: Fleet) -> list[str]:
    """`--json`: one object per face and command (the floor's figures are in each)."""
    return [json.dumps(as_json(run, runs, fleet)) for run in runs if run.face != "floor"]
