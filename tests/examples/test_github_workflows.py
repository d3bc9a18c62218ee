"""examples/github-actions: the workflows users copy, linted as GitHub would read them, and the
drift job's own command run with the real CLI against the emulator.

Nothing here reaches GitHub or Azure: actionlint knows the inputs of `pulumi/actions@v6` and
`azure/login@v2` offline, and the drift command is read out of drift.yml, so the workflow and
what is tested cannot drift apart.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import yaml

from azure_iot_emulator.testing import EmulatorInfo
from tests import processes
from tests.caches import cached
from tests.conftest import write_certificates_config
from tests.pki import make_ca
from tests.pop_provider.engine import entry, hub_certificates, hub_client
from tests.pulumi_cli import PULUMI, REPO, PulumiStack

WORKFLOWS_DIR = REPO / "examples" / "github-actions"
WORKFLOWS = ("pull-request.yml", "main.yml", "drift.yml")
CONCURRENCY_GROUP = "pulumi-${{ matrix.stack }}"
EXPRESSION = re.compile(r"\$\{\{\s*(.*?)\s*\}\}")
# Ways a storage key or a client secret gets into a workflow; OIDC needs none of them.
FORBIDDEN = (
    "secrets.",
    "AZURE_STORAGE_KEY",
    "AZURE_STORAGE_SAS_TOKEN",
    "AZURE_STORAGE_CONNECTION_STRING",
    "AccountKey",
    "CLIENT_SECRET",
    "client-secret",
    "clientSecret",
    "creds:",
)
DRIFT = 7  # the CLI's exit code for "changes were proposed" under --expect-no-changes


@pytest.fixture(scope="module")
def actionlint() -> Path:
    """The pinned actionlint, built into the cache by `make bootstrap` (tools/actionlint.sh)."""
    return cached("actionlint.sh")


def lint(actionlint: Path, *files: Path) -> subprocess.CompletedProcess[str]:
    """actionlint on `files`; shellcheck and pyflakes off, so the verdict is the same on every
    machine whether or not they happen to be installed."""
    return processes.run(
        [str(actionlint), "-no-color", "-oneline", "-shellcheck=", "-pyflakes=", *map(str, files)],
        timeout=120,
    )


@cache
def workflow(name: str) -> dict[Any, Any]:
    loaded = yaml.safe_load((WORKFLOWS_DIR / name).read_text())
    assert isinstance(loaded, dict), name
    return loaded


def triggers(doc: dict[Any, Any]) -> dict[str, Any]:
    """The `on:` mapping; YAML 1.1 (PyYAML) reads the bare key `on` as True."""
    on = doc["on"] if "on" in doc else doc[True]
    return {on: None} if isinstance(on, str) else dict(on)


def steps_using(job: dict[str, Any], action: str) -> list[dict[str, Any]]:
    return [step for step in job["steps"] if str(step.get("uses", "")).startswith(f"{action}@")]


def only_job(name: str) -> dict[str, Any]:
    (job,) = workflow(name)["jobs"].values()
    assert isinstance(job, dict)
    return job


def test_actionlint_passes_the_three_workflows_with_nothing_to_say(actionlint: Path) -> None:
    result = lint(actionlint, *(WORKFLOWS_DIR / name for name in WORKFLOWS))
    assert (result.returncode, result.stdout, result.stderr) == (0, "", "")


@pytest.mark.parametrize(
    ("name", "correct", "typo", "message"),
    [
        (
            "pull-request.yml",
            "comment-on-pr: true",
            "comment-on-prs: true",
            'input "comment-on-prs" is not defined in action "pulumi/actions@v6"',
        ),
        (
            "main.yml",
            "client-id: ${{ vars.AZURE_CLIENT_ID }}",
            "clientid: ${{ vars.AZURE_CLIENT_ID }}",
            'input "clientid" is not defined in action "azure/login@v2"',
        ),
        (
            "drift.yml",
            "group: pulumi-${{ matrix.stack }}",
            "group: pulumi-${{ matrix.stak }}",
            'property "stak" is not defined in object type {stack: string}',
        ),
    ],
)
def test_actionlint_catches_a_typo_seeded_into_a_copy(
    actionlint: Path, tmp_path: Path, name: str, correct: str, typo: str, message: str
) -> None:
    """The lint is real: the same file with one typo fails, naming the typo."""
    text = (WORKFLOWS_DIR / name).read_text()
    assert correct in text
    seeded = tmp_path / name
    seeded.write_text(text.replace(correct, typo, 1))
    result = lint(actionlint, seeded)
    assert result.returncode == 1
    assert message in result.stdout


@pytest.mark.parametrize("name", WORKFLOWS)
def test_every_job_signs_in_by_oidc_in_its_stacks_own_concurrency_group(name: str) -> None:
    doc = workflow(name)
    for job_name, job in doc["jobs"].items():
        permissions = {**doc.get("permissions", {}), **job.get("permissions", {})}
        assert permissions.get("id-token") == "write", job_name
        assert job["concurrency"] == {"group": CONCURRENCY_GROUP, "cancel-in-progress": False}
        assert job["strategy"]["fail-fast"] is False, job_name
        env = job["env"]
        assert env["ARM_USE_OIDC"] == "true", job_name
        for variable, setting in [
            ("ARM_CLIENT_ID", "AZURE_CLIENT_ID"),
            ("ARM_TENANT_ID", "AZURE_TENANT_ID"),
            ("ARM_SUBSCRIPTION_ID", "AZURE_SUBSCRIPTION_ID"),
            ("AZURE_STORAGE_ACCOUNT", "AZURE_STORAGE_ACCOUNT"),
        ]:
            assert env[variable] == f"${{{{ vars.{setting} }}}}", (job_name, variable)
        (login,) = steps_using(job, "azure/login")
        assert login["uses"] == "azure/login@v2"
        assert login["with"] == {
            "client-id": "${{ vars.AZURE_CLIENT_ID }}",
            "tenant-id": "${{ vars.AZURE_TENANT_ID }}",
            "subscription-id": "${{ vars.AZURE_SUBSCRIPTION_ID }}",
        }
        # The project's virtualenv, made before Pulumi runs the program in it.
        (install,) = [step for step in job["steps"] if "python -m venv venv" in step.get("run", "")]
        assert job["steps"].index(install) < job["steps"].index(
            steps_using(job, "pulumi/actions")[0]
        )


def test_the_three_workflows_cover_the_same_stacks() -> None:
    stacks = [only_job(name)["strategy"]["matrix"]["stack"] for name in WORKFLOWS]
    assert stacks[0] and all(s == stacks[0] for s in stacks), stacks


@pytest.mark.parametrize("name", WORKFLOWS)
def test_no_storage_key_and_no_client_secret_in_any_workflow(name: str) -> None:
    text = (WORKFLOWS_DIR / name).read_text()
    found = [needle for needle in FORBIDDEN if needle in text]
    assert not found, f"{name} holds {found}"


@pytest.mark.parametrize(
    ("name", "command", "trigger"),
    [("pull-request.yml", "preview", "pull_request"), ("main.yml", "up", "push")],
)
def test_pull_requests_preview_and_main_updates_each_stack_on_azure_blob_state(
    name: str, command: str, trigger: str
) -> None:
    job = only_job(name)
    assert trigger in triggers(workflow(name))
    steps = steps_using(job, "pulumi/actions")
    # main.yml previews with the guardrails before its up (a stack-wide rule is judged at the
    # end of a preview or an update); the last pulumi step is the workflow's command.
    pulumi = steps[-1]
    assert [step["with"]["command"] for step in steps[:-1]] == ["preview"] * (len(steps) - 1)
    for step in steps:
        assert step["uses"] == "pulumi/actions@v6"
        inputs = step["with"]
        assert inputs["stack-name"] == "${{ matrix.stack }}"
        assert inputs["cloud-url"].startswith("azblob://")
        assert inputs["policyPacks"] == "policy"  # pop-guardrails on every preview and up
    inputs = pulumi["with"]
    assert inputs["command"] == command
    if command == "preview":
        assert inputs["comment-on-pr"] is True
    installs = [step for step in job["steps"] if "policy/requirements.txt" in step.get("run", "")]
    assert len(installs) == 1, "the pack's virtualenv, policy/venv, made before the pulumi steps"


def test_main_runs_on_pushes_to_main_only_in_each_stacks_environment() -> None:
    assert triggers(workflow("main.yml"))["push"] == {"branches": ["main"]}
    assert only_job("main.yml")["environment"] == "${{ matrix.stack }}"


def drift_step() -> dict[str, Any]:
    (step,) = [step for step in only_job("drift.yml")["steps"] if step.get("id") == "drift"]
    assert isinstance(step, dict)
    return step


def test_drift_runs_nightly_and_on_demand_with_refresh_run_program_and_expect_no_changes() -> None:
    on = triggers(workflow("drift.yml"))
    assert on["schedule"][0]["cron"]
    assert "workflow_dispatch" in on
    job = only_job("drift.yml")
    assert job["env"]["PULUMI_BACKEND_URL"].startswith("azblob://")
    script = drift_step()["run"]
    # Expressions stay in `env:`, never pasted into the shell script.
    assert "${{" not in script
    (command,) = [
        line.split() for line in script.splitlines() if line.strip().startswith("pulumi preview")
    ]
    for flag in ("--refresh", "--run-program", "--expect-no-changes"):
        assert flag in command


def resolve(value: str, context: dict[str, str]) -> str:
    """A `${{ ... }}` expression of the step's env, from the few the test knows."""

    def known(match: re.Match[str]) -> str:
        assert match.group(1) in context, f"the test cannot evaluate {match.group(0)}"
        return context[match.group(1)]

    return EXPRESSION.sub(known, value)


def run_drift_check(
    stack: PulumiStack, tmp_path: Path, matrix_stack: str | None = None
) -> subprocess.CompletedProcess[str]:
    """drift.yml's step, script and env as written, run the way GitHub runs a bash step, with
    `pulumi` on PATH being this repo's pinned CLI."""
    step = drift_step()
    shim_dir = tmp_path / "shim"
    shim_dir.mkdir(exist_ok=True)
    shim = shim_dir / "pulumi"
    shim.write_text(f'#!/bin/sh\nexec "{PULUMI}" "$@"\n')
    shim.chmod(0o755)
    script = tmp_path / "drift-step.sh"
    script.write_text(step["run"])
    context = {"matrix.stack": matrix_stack or stack.stack}
    env = stack.env()
    env.update({key: resolve(str(value), context) for key, value in step["env"].items()})
    env["PATH"] = f"{shim_dir}:{env['PATH']}"
    return processes.run(
        [shutil.which("bash") or "bash", "--noprofile", "--norc", "-eo", "pipefail", str(script)],
        cwd=stack.project_dir,
        env=env,
        timeout=600,
    )


@pytest.mark.engine
def test_drift_command_passes_fails_on_a_deleted_certificate_and_passes_after_up(
    program_stack: PulumiStack, emulator: EmulatorInfo, tmp_path: Path
) -> None:
    write_certificates_config(
        program_stack, [entry(tmp_path, "fleet-root", make_ca("drift job root"), emulator)]
    )
    program_stack.up()
    (name,) = hub_certificates(emulator)

    clean = run_drift_check(program_stack, tmp_path)
    assert clean.returncode == 0, clean.stdout + clean.stderr
    assert "::error" not in clean.stdout

    # Out of band, as someone in the portal would.
    client = hub_client(emulator).certificates
    gone = client.get(emulator.resource_group, emulator.iot_hubs[0], name)
    client.delete(emulator.resource_group, emulator.iot_hubs[0], name, if_match=gone.etag)

    drifted = run_drift_check(program_stack, tmp_path)
    assert drifted.returncode == DRIFT, drifted.stdout + drifted.stderr
    assert "+ 1 to create" in drifted.stdout
    assert f"::error title=Drift on {program_stack.stack}::" in drifted.stdout
    assert hub_certificates(emulator) == {}  # a check only: it repaired nothing

    program_stack.up()
    (repaired,) = hub_certificates(emulator).values()
    assert repaired.properties.is_verified
    again = run_drift_check(program_stack, tmp_path)
    assert again.returncode == 0, again.stdout + again.stderr
    assert "::error" not in again.stdout


@pytest.mark.engine
def test_a_drift_check_that_cannot_compare_says_so_not_drift(
    program_stack: PulumiStack, tmp_path: Path
) -> None:
    """A failure of the check itself (here: a stack that does not exist) is not reported as
    drift, so nobody repairs a hub that is fine."""
    broken = run_drift_check(program_stack, tmp_path, matrix_stack="hub-nowhere")
    assert broken.returncode not in (0, DRIFT), broken.stdout + broken.stderr
    assert "::error title=Drift check failed on hub-nowhere::" in broken.stdout
    assert "Drift on" not in broken.stdout
