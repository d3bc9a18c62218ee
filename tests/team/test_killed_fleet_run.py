"""A fleet `up` killed half way, and what main.yml makes of it.

Twenty proof-mode CAs on two hubs, 2 s per ARM call: the run is killed (SIGKILL of every
process of its runner) once the emulator has accepted a few uploads, so creates are in flight.
Then the team's path: `pulumi cancel` (a person, once sure the run is dead: the lock has no
expiry), main.yml's `pulumi up`, and main.yml's step "Report and clear pending operations", its
script and `env:` run as written. The step must name the creates the dead run left pending and
clear them; the hubs must then hold every CA exactly once, Verified, nothing else.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from azure_iot_emulator.testing import AdminClient, EmulatorInfo
from bench.environment import make_cas, proof_entries
from bench.fleet import check_hubs, stack_names
from tests import processes
from tests.conftest import azure_environment, write_certificates_config
from tests.pulumi_cli import PULUMI, REPO, PulumiStack, program_project
from tests.team.runners import Runners, wait_until

pytestmark = pytest.mark.engine

MAIN_WORKFLOW = REPO / "examples" / "github-actions" / "main.yml"
CERTIFICATES = 20
UPLOADS_BEFORE_KILL = 4
# The run's --parallel, set here and not left to the CLI (4 x the machine's cores, which would
# start all twenty creates at once on five cores or more): at most this many creates are in
# flight when the run dies, so it is killed half way whatever the machine.
PARALLEL = 4
# Every ARM call of the killed run takes this long: the run needs 20 / 4 x 3 calls = 15 of them,
# 30 s, and is killed about one call after it starts, so the test process may stall for some 25 s
# (a loaded machine) and still kill it half way. Cleared once it is dead.
LATENCY_MS = 2000


def pending_step() -> dict[str, Any]:
    """main.yml's step that reports and clears pending operations."""
    (job,) = yaml.safe_load(MAIN_WORKFLOW.read_text())["jobs"].values()
    (step,) = [step for step in job["steps"] if step.get("id") == "pending"]
    assert isinstance(step, dict)
    return step


def run_pending_step(stack: PulumiStack, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    """The step's script with its `env:` (matrix.stack = the stack), run as GitHub runs a bash
    step, `pulumi` on PATH being this repo's pinned CLI; the backend and passphrase are the
    stack's, as the job's env and pulumi/actions' login provide them in CI."""
    step = pending_step()
    shim_dir = tmp_path / "shim"
    shim_dir.mkdir(exist_ok=True)
    shim = shim_dir / "pulumi"
    shim.write_text(f'#!/bin/sh\nexec "{PULUMI}" "$@"\n')
    shim.chmod(0o755)
    script = tmp_path / "pending-step.sh"
    script.write_text(step["run"])
    env = stack.env()
    for key, value in step["env"].items():
        env[key] = str(value).replace("${{ matrix.stack }}", stack.stack)
    assert "${{" not in "".join(env.values()), step["env"]
    env["PATH"] = f"{shim_dir}:{env['PATH']}"
    return processes.run(
        [shutil.which("bash") or "bash", "--noprofile", "--norc", "-eo", "pipefail", str(script)],
        cwd=stack.project_dir,
        env=env,
        timeout=300,
    )


def pending_operations(stack: PulumiStack) -> list[str]:
    """`<type> <urn>` of every operation pending in the stack's state."""
    operations = stack.export()["deployment"].get("pending_operations") or []
    return sorted(f"{op['type']} {op['resource']['urn']}" for op in operations)


def uploads(admin: AdminClient) -> int:
    """Certificate uploads the emulator has accepted."""
    return sum(
        1
        for call in admin.requests()
        if call["operation"] == "Certificates_CreateOrUpdate" and (call["status"] or 500) < 300
    )


def test_the_workflow_step_reports_and_clears_what_a_killed_fleet_run_left_pending(
    emulator: EmulatorInfo, admin: AdminClient, runners: Runners, tmp_path: Path
) -> None:
    if shutil.which("jq") is None:  # the step's script pipes `pulumi stack export` to jq
        pytest.fail(
            "jq is not installed: main.yml's step 'Report and clear pending operations' runs it "
            "(GitHub's runners have it); install it (Debian/Ubuntu: `apt-get install jq`, "
            "macOS: `brew install jq`) and run again",
            pytrace=False,
        )
    stack = PulumiStack(
        program_project(tmp_path / "project"),
        tmp_path / "pulumi",
        stack="hub-fleet",
        extra_env=azure_environment(emulator),
    ).init()
    cas = make_cas(tmp_path / "cas", CERTIFICATES, emulator)
    write_certificates_config(stack, proof_entries(emulator, cas))
    admin.set_faults(latency_ms=LATENCY_MS)
    admin.clear_requests()

    run = runners.start(
        stack, "up", "--yes", "--skip-preview", "--parallel", str(PARALLEL), name="killed"
    )
    wait_until(
        lambda: uploads(admin) >= UPLOADS_BEFORE_KILL,
        120,
        f"the emulator to accept {UPLOADS_BEFORE_KILL} certificate uploads",
    )
    run.kill_runner()  # the runner dies: no signal handler, no cleanup
    admin.clear_faults()
    left_pending = pending_operations(stack)
    assert left_pending, run.text()
    assert all(operation.startswith("creating ") for operation in left_pending)
    assert len(left_pending) <= PARALLEL  # killed half way: at most the creates in flight

    # The person on call: the run is dead, its lock goes. Then main.yml runs as on any push.
    stack.run("cancel", "--yes")
    stack.up()
    assert pending_operations(stack) == left_pending  # the update kept them, silently

    step = run_pending_step(stack, tmp_path)
    printed = step.stdout + step.stderr
    assert step.returncode == 0, printed
    count = len(left_pending)
    assert "Pending operations in hub-fleet, left by an interrupted run:" in step.stdout
    for operation in left_pending:
        assert f"  {operation}\n" in step.stdout, printed
    assert f"::warning title={count} pending operations in hub-fleet::" in step.stdout
    assert f"Cleared {count} pending operations from hub-fleet." in step.stdout
    assert pending_operations(stack) == []

    # Every CA on its hub exactly once, Verified; nothing the stack does not name.
    check = check_hubs(emulator, cas, stack_names(stack))
    assert (check.verified_once, check.duplicates, check.orphans) == (CERTIFICATES, 0, 0), check
    assert check.on_hubs == CERTIFICATES

    # The next push: nothing to change (the CLI fails the run otherwise), nothing pending.
    stack.up("--expect-no-changes")
    quiet = run_pending_step(stack, tmp_path)
    assert quiet.returncode == 0, quiet.stdout + quiet.stderr
    assert quiet.stdout == "No pending operations in hub-fleet.\n"
    check = check_hubs(emulator, cas, stack_names(stack))
    assert (check.verified_once, check.duplicates, check.orphans) == (CERTIFICATES, 0, 0), check
