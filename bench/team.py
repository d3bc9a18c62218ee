"""`python -m bench team`: K stacks `up` at once on shared azblob:// state, versus one stack.

How a team runs at scale (one stack per fleet slice, a CI job each, state in Azure Blob Storage)
against the alternative of one big stack: the same K × N proof-mode certificates, the same
emulator and the same kind of state (Pulumi's DIY azblob:// backend on Azurite, over verified
HTTPS, from `tests.azurite`).

- **team**: K stacks of one project, each with its own `Pulumi.<stack>.yaml` listing its N CAs
  and its own PULUMI_HOME (a runner's), all `pulumi up` started together as separate processes,
  each leading its own session as a CI runner's would; timed until the last one exits.
- **single**: one stack listing all K × N CAs, one `pulumi up`.

Each `up` is followed by a `destroy` (timed the same way), so both start on empty hubs. CAs are
spread round-robin over the emulator's hubs, whose CA cap the seed raises to fit them
(`bench.environment.hub_limit`). After each `up`, every certificate is looked up on its hub
through Microsoft's client and counted as Verified or not.

Total CPU is exact: the growth of this process's RUSAGE_CHILDREN, which holds every process a
command started once it is reaped (the CLI waits for its plugins, the plugins for their
interpreters). The split by role is `ProcessWatch`'s sampling (to its last 100 ms sample); the
emulator and Azurite, already running, are counted apart as the services.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import resource
import signal
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from azure_iot_emulator.testing import AdminClient, EmulatorInfo
from bench.calls import CallSummary, summarize
from bench.environment import BenchCa, proof_entries
from bench.processes import ProcessWatch
from bench.stack_run import write_certificates_file
from tests.azurite import AzuriteProcess
from tests.conftest import azure_environment
from tests.pop_provider.engine import hub_certificates
from tests.pulumi_cli import PULUMI, PulumiStack, program_project

# Generous: ten stacks of twenty take 20-30 s on two cores.
RUN_TIMEOUT_S = 1800.0


@dataclass(frozen=True)
class TeamPhase:
    """One command run by every stack of a layout at once, measured as a whole."""

    layout: str
    command: str
    stacks: int
    certificates: int
    wall_s: float
    cpu_s: float
    cpu_by_role: dict[str, float]
    calls: CallSummary
    exit_codes: list[int]
    verified: int | None = None

    @property
    def services_cpu_s(self) -> float:
        """What the emulator and Azurite used meanwhile."""
        return self.cpu_by_role.get("already running", 0.0)

    @property
    def failed(self) -> int:
        """Stacks whose command did not exit 0."""
        return sum(code != 0 for code in self.exit_codes)


def azblob_stack(
    project: Path, name: str, azurite: AzuriteProcess, info: EmulatorInfo, home: Path
) -> PulumiStack:
    """A stack of `project` with its state in Azurite's container, its own PULUMI_HOME (a
    runner's), and the AZURE_* variables pointing at the emulator, as a pipeline sets them."""
    return PulumiStack(
        project,
        None,
        stack=name,
        extra_env={
            **azure_environment(info),
            **azurite.cli_env(),
            "PULUMI_BACKEND_URL": azurite.backend_url,
            "PULUMI_HOME": str(home),
        },
    )


def start(stack: PulumiStack, command: str, output: Path) -> subprocess.Popen[bytes]:
    """`pulumi <command> --yes --skip-preview` of `stack`, not waited on, output to a file.

    It leads a new session, so everything it starts can be killed at once if the bench stops
    half way; `tools/pulumi` execs the CLI, so the process is the CLI."""
    flags = ["--cwd", str(stack.project_dir), "--non-interactive", "--color", "never"]
    with output.open("wb") as sink:
        return subprocess.Popen(
            [str(PULUMI), command, "--yes", "--skip-preview", *flags, "--stack", stack.stack],
            env=stack.env(),
            stdin=subprocess.DEVNULL,
            stdout=sink,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


def _kill_sessions(runs: list[subprocess.Popen[bytes]]) -> None:
    for run in runs:
        if run.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(run.pid, signal.SIGKILL)
            run.wait()


def _children_cpu_s() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run_at_once(
    layout: str,
    command: str,
    stacks: list[PulumiStack],
    certificates: int,
    admin: AdminClient,
    logs: Path,
) -> TeamPhase:
    """`pulumi <command> --yes --skip-preview` of every stack, started together, all awaited."""
    logs.mkdir(parents=True, exist_ok=True)
    admin.clear_requests()
    started_at = time.time()
    cpu_before = _children_cpu_s()
    start_time = time.perf_counter()
    runs: list[subprocess.Popen[bytes]] = []
    with ProcessWatch(os.getpid()) as watch:
        try:
            for stack in stacks:
                runs.append(start(stack, command, logs / f"{stack.stack}-{command}.log"))
            codes = [run.wait(RUN_TIMEOUT_S) for run in runs]
        finally:
            _kill_sessions(runs)  # only runs still alive: an interrupted or timed-out bench
    wall = time.perf_counter() - start_time
    cpu = _children_cpu_s() - cpu_before
    return TeamPhase(
        layout=layout,
        command=command,
        stacks=len(stacks),
        certificates=certificates,
        wall_s=wall,
        cpu_s=cpu,
        cpu_by_role=watch.cpu_by_role(),
        calls=summarize(admin.requests(), started_at),
        exit_codes=codes,
    )


def count_verified(stacks: list[PulumiStack], info: EmulatorInfo) -> int:
    """Certificates of these stacks that their hub reports Verified (stack outputs name them)."""
    on_hubs = {hub: hub_certificates(info, hub) for hub in info.iot_hubs}
    verified = 0
    for stack in stacks:
        outputs = stack.outputs().get("certificates", {})
        for out in outputs.values():
            hub = str(out["arm_id"]).split("/IotHubs/", 1)[1].split("/", 1)[0]
            remote = on_hubs.get(hub, {}).get(out["certificate_name"])
            verified += bool(remote is not None and remote.properties.is_verified)
    return verified


def run_layout(
    layout: str,
    workdir: Path,
    info: EmulatorInfo,
    azurite: AzuriteProcess,
    groups: list[list[BenchCa]],
    progress: Callable[[str], None] = lambda _: None,
) -> list[TeamPhase]:
    """One stack per group of CAs, all in one project: `up` at once, count, `destroy` at once."""
    project = program_project(workdir / "project")
    stacks = []
    for index, cas in enumerate(groups):
        name = f"{layout}-{index:02d}" if len(groups) > 1 else layout
        stack = azblob_stack(project, name, azurite, info, workdir / "homes" / name).init()
        write_certificates_file(stack, proof_entries(info, cas))
        stacks.append(stack)
    admin = AdminClient(info)
    total = sum(len(cas) for cas in groups)
    progress(f"{layout}: {len(stacks)} stack(s) x {total // len(stacks)}: pulumi up at once")
    up = run_at_once(layout, "up", stacks, total, admin, workdir / "logs")
    up = dataclasses.replace(up, verified=count_verified(stacks, info))
    progress(f"{layout}: {up.verified}/{total} Verified; destroy at once")
    destroy = run_at_once(layout, "destroy", stacks, total, admin, workdir / "logs")
    return [up, destroy]


def run_team(
    workdir: Path,
    info: EmulatorInfo,
    azurite: AzuriteProcess,
    cas: list[BenchCa],
    stacks: int,
    progress: Callable[[str], None] = lambda _: None,
) -> list[TeamPhase]:
    """The team layout (`stacks` stacks sharing `cas` in order), then the single stack of all."""
    per_stack = len(cas) // stacks
    groups = [cas[i * per_stack : (i + 1) * per_stack] for i in range(stacks)]
    team = run_layout("team", workdir / "team", info, azurite, groups, progress)
    single = run_layout("single", workdir / "single", info, azurite, [cas], progress)
    return team + single
