"""Shared state in Azure Blob Storage: Pulumi's own azblob:// backend on Azurite, many runners.

Each test runs this repo's program with the real CLI, its state in one Azurite container (one
Azurite per module, over verified HTTPS), the emulator as Azure. Runners are separate processes
with their own PULUMI_HOME, as CI jobs on separate machines would be; all they share is the
container. Results are judged by what a team sees: the blobs, what Pulumi prints, and what the
hub reports through Microsoft's client.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from azure_iot_emulator.testing import AdminClient, EmulatorInfo
from tests.azurite import AzuriteProcess
from tests.conftest import write_certificates_config
from tests.pki import CertifiedKey, KeyType, make_ca
from tests.pop_provider.engine import arm_calls, entry, hub_certificates, hub_id
from tests.pulumi_cli import PulumiStack, program_project
from tests.team.runners import (
    BackgroundRun,
    Runners,
    azblob_stack,
    lock_prefix,
    state_blob,
    wait_until,
)

pytestmark = pytest.mark.engine

LOCKED = "the stack is currently locked by 1 lock(s)"
CANCELED = "The currently running update for '{stack}' has been canceled!"


def verified_on_hub(
    stack: PulumiStack, info: EmulatorInfo, hub: str | None = None
) -> dict[str, Any]:
    """The stack's certificate outputs, after checking each is Verified in them and on `hub`."""
    outputs: dict[str, Any] = stack.outputs()["certificates"]
    on_hub = hub_certificates(info, hub)
    for name, out in outputs.items():
        assert out["is_verified"] is True, name
        remote = on_hub[out["certificate_name"]]
        assert remote.properties.is_verified, name
        assert remote.properties.thumbprint == out["thumbprint"], name
    return outputs


def key_body_lines(*cas: CertifiedKey) -> list[str]:
    """The base64 lines of each CA's private key PEM: none may appear anywhere in the state."""
    return [
        line
        for ca in cas
        for line in ca.private_key_pem.splitlines()
        if line and "-----" not in line
    ]


def uploaded(admin: AdminClient) -> bool:
    """Whether the emulator has accepted a certificate upload."""
    return any(
        call["operation"] == "Certificates_CreateOrUpdate" and (call["status"] or 500) < 300
        for call in admin.requests()
    )


def pending_creates(stack: PulumiStack) -> list[str]:
    """Resource names of the creates an interrupted run left pending in the state."""
    operations = stack.export()["deployment"].get("pending_operations") or []
    return sorted(
        op["resource"]["urn"].rsplit("::", 1)[-1] for op in operations if op["type"] == "creating"
    )


def test_state_lives_in_the_blob_container_with_the_key_encrypted(
    azurite: AzuriteProcess, emulator: EmulatorInfo, tmp_path: Path
) -> None:
    project = program_project(tmp_path / "project")
    stack = azblob_stack(project, "state-check", azurite, emulator, tmp_path / "home").init()
    root = make_ca("azblob root")
    rsa_root = make_ca("azblob rsa root", key_type=KeyType.RSA_2048)
    write_certificates_config(
        stack,
        [
            entry(tmp_path, "fleet-root", root, emulator),
            entry(tmp_path, "fleet-rsa", rsa_root, emulator),
        ],
    )
    stack.up()
    verified_on_hub(stack, emulator)

    blobs = azurite.blob_names(".pulumi/")
    assert state_blob(stack) in blobs
    assert any(name.startswith(".pulumi/history/") for name in blobs)  # `pulumi stack history`
    assert not (project / ".pulumi-local").exists()  # nothing of the state on the runner's disk

    stored = "\n".join(azurite.read_blob(name).decode("utf-8", "replace") for name in blobs)
    assert [line for line in key_body_lines(root, rsa_root) if line in stored] == []
    assert "ciphertext" in stored  # the key inputs are there, encrypted with the passphrase


def test_a_second_up_of_a_locked_stack_is_refused_and_the_first_completes(
    azurite: AzuriteProcess,
    emulator: EmulatorInfo,
    admin: AdminClient,
    runners: Runners,
    tmp_path: Path,
) -> None:
    project = program_project(tmp_path / "project")
    first_runner = azblob_stack(project, "locked", azurite, emulator, tmp_path / "runner-1").init()
    second_runner = azblob_stack(project, "locked", azurite, emulator, tmp_path / "runner-2")
    cas = {name: make_ca(name) for name in ("lock-root-a", "lock-root-b")}
    write_certificates_config(
        first_runner, [entry(tmp_path, name, ca, emulator) for name, ca in cas.items()]
    )
    admin.set_faults(latency_ms=3000)  # 3 ARM calls per certificate: the first run takes ~10 s
    admin.clear_requests()

    first = runners.start(first_runner, "up", "--yes", "--skip-preview", name="first")
    wait_until(lambda: azurite.blob_names(lock_prefix(first_runner)), 120, "the first run's lock")
    refused = second_runner.up(check=False)

    printed = refused.stdout + refused.stderr
    assert refused.returncode != 0, printed
    assert LOCKED in printed
    assert f"(pid {first.process.pid})" in printed  # the lock names the run holding it
    assert "pulumi cancel" in printed

    assert first.wait(300) == 0, first.text()
    assert set(verified_on_hub(first_runner, emulator)) == set(cas)
    # The refused run touched nothing: one upload per certificate, all by the first run.
    assert arm_calls(admin)["Certificates_CreateOrUpdate"] == len(cas)
    assert azurite.blob_names(lock_prefix(first_runner)) == []  # released at the end


def test_stacks_for_several_hubs_run_at_once_each_from_its_own_config(
    azurite: AzuriteProcess,
    emulator: EmulatorInfo,
    admin: AdminClient,
    runners: Runners,
    tmp_path: Path,
) -> None:
    assert len(emulator.iot_hubs) >= 2, emulator.iot_hubs
    hub_a, hub_b = emulator.iot_hubs[:2]
    # Two stacks share hub A with different CAs (e.g. production and a lab), one has hub B.
    plan = {"fleet-eu": hub_a, "fleet-us": hub_b, "fleet-lab": hub_a}
    project = program_project(tmp_path / "project")
    stacks: dict[str, PulumiStack] = {}
    for name, hub in plan.items():
        stack = azblob_stack(project, name, azurite, emulator, tmp_path / f"runner-{name}").init()
        ca = make_ca(f"{name} root")
        write_certificates_config(
            stack, [entry(tmp_path, f"{name}-root", ca, emulator, hubId=hub_id(emulator, hub))]
        )
        assert hub in (project / f"Pulumi.{name}.yaml").read_text()  # its own config file
        stacks[name] = stack
    admin.set_faults(latency_ms=1500)  # long enough that the runs visibly overlap

    runs: dict[str, BackgroundRun] = {
        name: runners.start(stack, "up", "--yes", "--skip-preview", name=name)
        for name, stack in stacks.items()
    }
    # Every stack holds its own lock at the same moment: no run waits for another stack's.
    wait_until(
        lambda: all(azurite.blob_names(lock_prefix(stack)) for stack in stacks.values()),
        120,
        "all three runs holding their stack's lock at once",
    )
    for name, run in runs.items():
        assert run.wait(300) == 0, f"{name}:\n{run.text()}"

    on_hub: dict[str, set[str]] = {hub_a: set(), hub_b: set()}
    for name, stack in stacks.items():
        outputs = verified_on_hub(stack, emulator, plan[name])
        assert set(outputs) == {f"{name}-root"}
        on_hub[plan[name]] |= {out["certificate_name"] for out in outputs.values()}
        assert state_blob(stack) in azurite.blob_names(".pulumi/stacks/")
    for hub, names in on_hub.items():
        assert set(hub_certificates(emulator, hub)) == names, hub


def test_a_runner_killed_mid_up_is_recovered_by_cancel_refresh_and_up(
    azurite: AzuriteProcess,
    emulator: EmulatorInfo,
    admin: AdminClient,
    runners: Runners,
    tmp_path: Path,
) -> None:
    project = program_project(tmp_path / "project")
    stack = azblob_stack(project, "crashed", azurite, emulator, tmp_path / "runner-1").init()
    names = ["crash-root-a", "crash-root-b"]
    write_certificates_config(
        stack, [entry(tmp_path, name, make_ca(name), emulator) for name in names]
    )
    admin.set_faults(latency_ms=2000)  # the proof steps after the upload are still to come
    admin.clear_requests()

    run = runners.start(stack, "up", "--yes", "--skip-preview", name="killed")
    wait_until(lambda: uploaded(admin), 120, "the emulator to accept a certificate upload")
    run.kill_runner()  # the runner dies: no signal handler, no cleanup
    admin.clear_faults()

    # What the team finds: a certificate on the hub, unverified, and the stack still locked.
    assert any(not cert.properties.is_verified for cert in hub_certificates(emulator).values())
    assert azurite.blob_names(lock_prefix(stack)) != []
    refused = stack.up(check=False)
    assert refused.returncode != 0
    assert LOCKED in refused.stdout + refused.stderr
    assert f"(pid {run.process.pid})" in refused.stdout + refused.stderr  # the dead run

    # 1. `pulumi cancel` removes the dead run's lock.
    cancel = stack.run("cancel", "--yes")
    assert CANCELED.format(stack="crashed") in cancel.stdout
    assert azurite.blob_names(lock_prefix(stack)) == []

    # 2. The state records the interrupted creates; a non-interactive refresh clears them only
    #    when told to. The certificates they uploaded stay on the hub: step 3 finds them.
    assert pending_creates(stack) == names
    stack.refresh("--clear-pending-creates")
    assert pending_creates(stack) == []

    # 3. `pulumi up` finishes the job: the certificate names are derived from the inputs, so
    #    the create finds what the dead run uploaded and proves it instead of adding another.
    stack.up()
    outputs = verified_on_hub(stack, emulator)
    assert set(outputs) == set(names)
    declared = {out["certificate_name"] for out in outputs.values()}
    assert set(hub_certificates(emulator)) == declared  # 0 orphans
    assert pending_creates(stack) == []
    assert azurite.blob_names(lock_prefix(stack)) == []
