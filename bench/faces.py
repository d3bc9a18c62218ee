"""`python -m bench faces`: the same N proof-mode certificates through each face of the provider.

- **dynamic**: a program declaring N `pop_provider.VerifiedCaCertificate`, served by Pulumi's
  dynamic-provider host (`python -m pulumi.dynamic`), which serves at most 4 calls at once
  whatever `--parallel` says;
- **native**: a program declaring the same N as `pop:index:VerifiedCaCertificate` through
  `pulumi.CustomResource` (no SDK needed), served by the plugin `pulumi-resource-pop` that the
  editable install puts in `.venv/bin` (found on PATH, as the CLI looks for it).

Each face gets a fresh emulator (same seed, same CAs, same hubs, `latency_ms` added to every
call) and a fresh stack, and runs one `pulumi up --yes --skip-preview --parallel P`, timed. The
programs differ only in the declaration line; both read the CA files and mark the key secret.

Calls in flight come from the emulator's request log, which stamps each call once, when its
answer is ready, after the injected latency has been slept. So every call was in flight during
at least the `latency` before its stamp: the greatest overlap of those intervals is a lower
bound on the calls in flight at once (the true intervals also hold reading the request and the
handler's own few ms).
"""

from __future__ import annotations

import dataclasses
import json
import math
import os
import re
import subprocess
import time
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from azure_iot_emulator.testing import AdminClient, EmulatorInfo, stack_config
from bench.calls import CallSummary, summarize
from bench.environment import BenchCa, hub_limit, make_cas, start_emulator
from tests.pop_provider.engine import hub_certificates
from tests.pulumi_cli import REPO, PulumiStack, write_project

FACES = ("dynamic", "native")
# The native provider through the Python SDK of the release (`pulumi_pop`): a program that is
# Python, served by the plugin; bench/README.md, Fleet mode.
PYTHON_SDK = "python-sdk"
# Faces the plugin serves: Azure's config under `pop:`.
PLUGIN_FACES = frozenset({"native", PYTHON_SDK})
# Pulumi's dynamic-provider host serves this many calls at once, whatever `--parallel` says.
DYNAMIC_HOST_CAP = 4
# A proof is three writes one after the other: PUT the certificate, generateVerificationCode,
# verify.
WRITES_PER_PROOF = 3
RUN_TIMEOUT_S = 1200.0

_PROGRAM = '''"""{face} face: one proof-mode VerifiedCaCertificate per CA below (bench.faces)."""

import json

import pulumi
{imports}

CERTIFICATES = json.loads({certificates!r})


def read(path: str) -> str:
    with open(path) as file:
        return file.read()


arm_ids = {{}}
for entry in CERTIFICATES:
    certificate_pem = read(entry["certificateFile"])
    private_key_pem = pulumi.Output.secret(read(entry["privateKeyFile"]))
    resource = {declaration}
    arm_ids[entry["name"]] = resource.{arm_id}
pulumi.export("armIds", arm_ids)
'''

_DECLARATIONS = {
    "dynamic": dict(
        imports="from pop_provider import VerifiedCaCertificate, VerifiedCaCertificateArgs",
        declaration="""VerifiedCaCertificate(
        entry["name"],
        VerifiedCaCertificateArgs(
            certificate_pem=certificate_pem,
            resource_group_name=entry["resourceGroupName"],
            hub_name=entry["hubName"],
            mode="proof",
            private_key_pem=private_key_pem,
        ),
    )""",
        arm_id="arm_id",
    ),
    "native": dict(
        imports="",
        declaration="""pulumi.CustomResource(
        "pop:index:VerifiedCaCertificate",
        entry["name"],
        {
            "certificatePem": certificate_pem,
            "resourceGroupName": entry["resourceGroupName"],
            "hubName": entry["hubName"],
            "mode": "proof",
            "privateKeyPem": private_key_pem,
            "armId": None,
            "isVerified": None,
        },
    )""",
        arm_id="armId",
    ),
    PYTHON_SDK: dict(
        imports="import pulumi_pop as pop",
        declaration="""pop.VerifiedCaCertificate(
        entry["name"],
        certificate_pem=certificate_pem,
        resource_group_name=entry["resourceGroupName"],
        hub_name=entry["hubName"],
        mode="proof",
        private_key_pem=private_key_pem,
    )""",
        arm_id="arm_id",
    ),
}

_NOTEWORTHY = re.compile(r"\b(warning|error|panic):", re.IGNORECASE)


@dataclass(frozen=True)
class FaceRun:
    """One face's `up`: what it cost and what it left on the hubs."""

    face: str
    certificates: int
    parallel: int
    latency_ms: int
    wall_s: float
    calls: CallSummary
    in_flight_max: int | None
    call_window_s: float | None
    verified: int
    exit_code: int
    noteworthy: list[str]

    @property
    def slots(self) -> int:
        """Certificates the face can have in progress at once, by design."""
        cap = DYNAMIC_HOST_CAP if self.face == "dynamic" else self.parallel
        return min(self.certificates, self.parallel, cap)

    @property
    def ideal_window_s(self) -> float:
        """The calls' time if every slot were always busy: waves of `slots` certificates, each
        wave three writes, each write one latency."""
        waves = math.ceil(self.certificates / self.slots)
        return waves * WRITES_PER_PROOF * self.latency_ms / 1000

    def as_json(self) -> dict[str, Any]:
        """One line of `--json`."""
        return {
            "face": self.face,
            "certificates": self.certificates,
            "parallel": self.parallel,
            "latency_ms": self.latency_ms,
            "wall_s": round(self.wall_s, 3),
            "arm_calls": dict(self.calls.arm),
            "in_flight_max": self.in_flight_max,
            "in_flight_ideal": self.slots,
            "call_window_s": _rounded(self.call_window_s),
            "call_window_ideal_s": self.ideal_window_s,
            "first_answer_s": _rounded(self.calls.first_answer_s),
            "last_answer_s": _rounded(self.calls.last_answer_s),
            "verified": self.verified,
            "exit_code": self.exit_code,
        }


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(value, 3)


def _stamp(entry: dict[str, Any]) -> float:
    return datetime.fromisoformat(entry["time"]).timestamp()


def certificate_calls(entries: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The ARM calls on one certificate (not lists, not the token service)."""
    return [
        entry
        for entry in entries
        if str(entry["path"]).lower().startswith("/subscriptions") and entry["certificate_name"]
    ]


def in_flight(entries: list[dict[str, Any]], latency_ms: int) -> tuple[int | None, float | None]:
    """The most certificate calls in flight at once (a lower bound, see the module docstring),
    and the window from the first call's start to the last answer; (None, None) without latency
    to derive starts from, or without calls."""
    stamps = sorted(_stamp(entry) for entry in certificate_calls(entries))
    if latency_ms <= 0 or not stamps:
        return None, None
    latency_s = latency_ms / 1000
    # Half-open [answer - latency, answer): at a tie, an answer leaves before a start comes in.
    events = sorted([(s - latency_s, 1) for s in stamps] + [(s, -1) for s in stamps])
    current = peak = 0
    for _, delta in events:
        current += delta
        peak = max(peak, current)
    return peak, stamps[-1] - (stamps[0] - latency_s)


def spread_over_hubs(cas: list[BenchCa], hubs: list[str], per_hub: int) -> list[BenchCa]:
    """`cas` on as few hubs as hold them: the first hub until its cap, then the next."""
    if len(cas) > per_hub * len(hubs):
        raise ValueError(f"{len(cas)} certificates do not fit on {len(hubs)} hubs of {per_hub}")
    return [dataclasses.replace(ca, hub=hubs[i // per_hub]) for i, ca in enumerate(cas)]


def write_program(
    directory: Path,
    face: str,
    info: EmulatorInfo,
    cas: list[BenchCa],
    *,
    refresh_always: bool = False,
) -> Path:
    """A project whose program declares one certificate per CA through `face`; with
    `refresh_always`, its Pulumi.yaml sets `options: refresh: always`, as this repo's does."""
    certificates = [
        {
            "name": ca.name,
            "resourceGroupName": info.resource_group,
            "hubName": ca.hub,
            "certificateFile": str(ca.certificate_file),
            "privateKeyFile": str(ca.key_file),
        }
        for ca in cas
    ]
    program = _PROGRAM.format(
        face=face, certificates=json.dumps(certificates), **_DECLARATIONS[face]
    )
    write_project(directory, f"bench-faces-{face}", program)
    if refresh_always:
        with (directory / "Pulumi.yaml").open("a") as project:
            project.write("options:\n  refresh: always\n")
    return directory


def configure(stack: PulumiStack, face: str, info: EmulatorInfo) -> None:
    """The emulator's stack config, in one CLI call; the native face reads Azure's under `pop:`
    where the dynamic face reads `azure-native:`."""
    plain, secret = stack_config(info)
    flags: list[str] = []
    for values, flag in ((plain, "--plaintext"), (secret, "--secret")):
        for key, value in values.items():
            if face in PLUGIN_FACES:
                key = key.replace("azure-native:", "pop:")
            flags += [flag, f"{key}={value}"]
    stack.run("config", "set-all", "--stack", stack.stack, *flags)


def count_verified(stack: PulumiStack, info: EmulatorInfo) -> int:
    """Certificates of the stack's outputs that their hub reports Verified."""
    arm_ids: dict[str, str] = stack.outputs().get("armIds", {})
    on_hubs = {hub: hub_certificates(info, hub) for hub in info.iot_hubs}
    verified = 0
    for arm_id in arm_ids.values():
        hub, _, name = str(arm_id).split("/IotHubs/", 1)[1].partition("/certificates/")
        remote = on_hubs.get(hub, {}).get(name)
        verified += bool(remote is not None and remote.properties.is_verified)
    return verified


def noteworthy(output: str) -> list[str]:
    """The distinct warnings and errors in the CLI's output, in order (each once, though the CLI
    prints one in its progress line and again in its diagnostics)."""
    seen: dict[str, None] = {}
    for line in output.splitlines():
        found = _NOTEWORTHY.search(line)
        if found:
            seen.setdefault(line[found.start() :].strip(), None)
    return list(seen)


def face_stack(
    face: str,
    workdir: Path,
    info: EmulatorInfo,
    cas: list[BenchCa],
    *,
    refresh_always: bool = False,
) -> PulumiStack:
    """A fresh stack (file backend under `workdir`) of a project declaring every CA through
    `face`, configured for the emulator of `info`."""
    project = write_program(workdir / "project", face, info, cas, refresh_always=refresh_always)
    # The CLI finds `pulumi-resource-pop` on PATH; the same PATH for every face.
    path = f"{REPO / '.venv' / 'bin'}{os.pathsep}{os.environ.get('PATH', '')}"
    env = {"PATH": path}
    if face == PYTHON_SDK:
        env["PYTHONPATH"] = str(python_sdk(workdir / "python-sdk"))
    stack = PulumiStack(project, workdir / "pulumi", stack="bench", extra_env=env)
    stack.init()
    configure(stack, face, info)
    return stack


def python_sdk_wheel() -> Path:
    """The release's Python SDK wheel (`make release` writes it)."""
    wheels = sorted((REPO / "dist" / "release").glob("v*/pulumi_pop-*-py3-none-any.whl"))
    if not wheels:
        raise SystemExit("bench: the python-sdk face needs the release's SDK: run `make release`")
    return wheels[-1]


def python_sdk(into: Path) -> Path:
    """The release's Python SDK wheel, unpacked for the program's PYTHONPATH (it is pure
    Python): what `pip install pulumi-pop` would put in the project's virtualenv."""
    with zipfile.ZipFile(python_sdk_wheel()) as wheel:
        wheel.extractall(into)
    return into


@dataclass(frozen=True)
class TimedRun:
    """One CLI command, timed from spawn to exit, and the emulator's log of its calls."""

    wall_s: float
    started_at: float
    result: subprocess.CompletedProcess[str]
    entries: list[dict[str, Any]]


def timed(
    stack: PulumiStack, admin: AdminClient, *args: str, timeout: float = RUN_TIMEOUT_S
) -> TimedRun:
    """`pulumi <args>` on `stack`, timed; the request log is cleared first and read after."""
    admin.clear_requests()
    started_at = time.time()
    start = time.perf_counter()
    result = stack.run(*args, check=False, timeout=timeout)
    wall = time.perf_counter() - start
    return TimedRun(wall, started_at, result, admin.requests())


def run_face(
    face: str,
    workdir: Path,
    info: EmulatorInfo,
    cas: list[BenchCa],
    latency_ms: int,
    parallel: int,
    progress: Callable[[str], None] = lambda _: None,
) -> FaceRun:
    """A fresh stack on the emulator of `info`, then one timed `pulumi up` of every CA through
    `face`."""
    admin = AdminClient(info)
    admin.set_faults(latency_ms=latency_ms)
    stack = face_stack(face, workdir, info, cas)
    progress(f"{face}: pulumi up --parallel {parallel}, {len(cas)} certificates")
    run = timed(stack, admin, "up", "--yes", "--skip-preview", "--parallel", str(parallel))
    wall, started_at, result, entries = run.wall_s, run.started_at, run.result, run.entries
    (workdir / "up.log").write_text(result.stdout + result.stderr)
    (workdir / "requests.json").write_text(json.dumps(entries, indent=1))
    peak, window = in_flight(entries, latency_ms)
    verified = count_verified(stack, info) if result.returncode == 0 else 0
    progress(f"{face}: {wall:.2f} s, {verified}/{len(cas)} Verified, {peak} in flight at most")
    return FaceRun(
        face=face,
        certificates=len(cas),
        parallel=parallel,
        latency_ms=latency_ms,
        wall_s=wall,
        calls=summarize(entries, started_at),
        in_flight_max=peak,
        call_window_s=window,
        verified=verified,
        exit_code=result.returncode,
        noteworthy=noteworthy(result.stdout + result.stderr),
    )


def run_faces(
    workdir: Path,
    certificates: int,
    latency_ms: int,
    parallel: int,
    progress: Callable[[str], None] = lambda _: None,
) -> list[FaceRun]:
    """The same CAs through the dynamic face, then the native one, each on a fresh emulator
    (same seed, so the same hubs), so neither finds the other's certificates or budget spent."""
    runs: list[FaceRun] = []
    cas: list[BenchCa] | None = None
    for face in FACES:
        process, info = start_emulator(workdir / face / "emulator", certificates)
        try:
            if cas is None:
                made = make_cas(workdir / "cas", certificates, info)
                cas = spread_over_hubs(made, info.iot_hubs, hub_limit(certificates))
            runs.append(run_face(face, workdir / face, info, cas, latency_ms, parallel, progress))
        finally:
            process.stop()
    return runs


def _calls(summary: CallSummary) -> str:
    return ", ".join(f"{op} {n}" for op, n in sorted(summary.arm.items())) or "none"


def _seconds(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}"


def faces_table(runs: list[FaceRun]) -> str:
    """One row per face: wall time, ARM calls, in flight and the calls' window against ideal."""
    lines = [
        "| face | certificates | --parallel | wall s | ARM calls | in flight, max "
        "(ideal) | calls' window s (ideal) | Verified | exit |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for run in runs:
        peak = "-" if run.in_flight_max is None else str(run.in_flight_max)
        lines.append(
            f"| {run.face} | {run.certificates} | {run.parallel} | {run.wall_s:.2f} | "
            f"{_calls(run.calls)} | {peak} ({run.slots}) | {_seconds(run.call_window_s)} "
            f"({run.ideal_window_s:.2f}) | {run.verified}/{run.certificates} | {run.exit_code} |"
        )
    return "\n".join(lines)


def _ratio(native: float | None, dynamic: float | None) -> str:
    if native is None or not dynamic:
        return "-"
    return f"{native / dynamic:.2f}"


def ratio_table(runs: list[FaceRun]) -> str:
    """Native over dynamic, for the wall time, the calls' window and the calls in flight."""
    by_face = {run.face: run for run in runs}
    dynamic, native = by_face["dynamic"], by_face["native"]
    rows = [
        ("wall s", dynamic.wall_s, native.wall_s),
        ("calls' window s", dynamic.call_window_s, native.call_window_s),
        ("in flight, max", dynamic.in_flight_max, native.in_flight_max),
    ]
    lines = ["| | dynamic | native | native / dynamic |", "|---|---|---|---|"]
    for name, left, right in rows:
        shown = [
            ("-" if v is None else f"{v:.2f}" if isinstance(v, float) else str(v))
            for v in (left, right)
        ]
        lines.append(f"| {name} | {shown[0]} | {shown[1]} | {_ratio(right, left)} |")
    return "\n".join(lines)


def verdicts(runs: list[FaceRun]) -> list[str]:
    """The targets, each met or missed: every certificate Verified; the native face's calls in
    flight above the dynamic host's cap and up to its slots."""
    lines = []
    for run in runs:
        state = "met" if run.exit_code == 0 and run.verified == run.certificates else "**missed**"
        lines.append(
            f"{run.face}: {run.verified} of {run.certificates} certificates Verified on their "
            f"hubs, `up` exited {run.exit_code}: {state}"
        )
    native = next(run for run in runs if run.face == "native")
    peak = native.in_flight_max or 0
    above = "met" if peak > DYNAMIC_HOST_CAP else "**missed**"
    full = "met" if peak >= native.slots else "**missed**"
    lines.append(
        f"native: more than {DYNAMIC_HOST_CAP} certificate calls in flight (the dynamic host's "
        f"cap): {above} ({peak})"
    )
    lines.append(
        f"native: {native.slots} in flight (min of certificates and --parallel): {full} ({peak})"
    )
    return lines
