"""Shared state in Azure Blob Storage: Pulumi's own azblob:// backend on Azurite, many runners.

Each test runs this repo's program with the real CLI, its state in one Azurite container (one
Azurite per module, over verified HTTPS), the emulator as Azure. Runners are separate processes
with their own PULUMI_HOME, as CI jobs on separate machines would be; all they share is the
container. Results are judged by what a team sees: the blobs, what Pulumi prints, and what the
hub reports through Microsoft's client.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from azure_iot_emulator.testing import AdminClient, EmulatorInfo
from tests.azurite import AzuriteProcess
from tests.conftest import write_certificates_config
from tests.pki import CertifiedKey, KeyType, make_ca
from tests.pop_provider.engine import arm_calls, entry, hub_certificates, hub_id
from tests.pop_provider.test_engine_lifecycle import is_ciphertext
from tests.pulumi_cli import PulumiStack, program_project
from tests.team.runners import (
    BackgroundRun,
    Runners,
    azblob_stack,
    lock_prefix,
    state_blob,
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


def key_inputs(resources: list[dict[str, Any]]) -> dict[str, Any]:
    """Each certificate resource's `private_key_pem` input, by resource name."""
    return {
        resource["urn"].rsplit("::", 1)[1]: resource["inputs"].get("private_key_pem")
        for resource in resources
        if resource["type"].endswith(":VerifiedCaCertificate")
    }


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
    # The key inputs are in the container's checkpoint, each a secret with its ciphertext...
    checkpoint = json.loads(azurite.read_blob(state_blob(stack)))["checkpoint"]["latest"]
    stored_keys = key_inputs(checkpoint["resources"])
    assert set(stored_keys) == {"fleet-root", "fleet-rsa"}
    assert [name for name, value in stored_keys.items() if not is_ciphertext(value)] == []
    # ... which the passphrase decrypts to each CA's own key.
    shown = stack.run("stack", "export", "--show-secrets", "--stack", stack.stack).stdout
    revealed = key_inputs(json.loads(shown)["deployment"]["resources"])
    assert {name: json.loads(value["plaintext"]) for name, value in revealed.items()} == {
        "fleet-root": root.private_key_pem,
        "fleet-rsa": rsa_root.private_key_pem,
    }


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
    # The first run's first ARM call (its listing of the hub) waits until the test lets it go.
    admin.hold("Certificates_ListByIotHub")
    admin.clear_requests()

    first = runners.start(first_runner, "up", "--yes", "--skip-preview", name="first")
    admin.wait_held(1, timeout_s=120)  # the first run is deploying, so it holds the lock
    assert azurite.blob_names(lock_prefix(first_runner)) != []
    refused = second_runner.up(check=False)

    printed = refused.stdout + refused.stderr
    assert refused.returncode != 0, printed
    assert LOCKED in printed
    assert f"(pid {first.process.pid})" in printed  # the lock names the run holding it
    assert "pulumi cancel" in printed

    admin.release()
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
    # Each run's first ARM call (its listing of its hub) waits until the test lets them go.
    admin.hold("Certificates_ListByIotHub", times=len(stacks))

    runs: dict[str, BackgroundRun] = {
        name: runners.start(stack, "up", "--yes", "--skip-preview", name=name)
        for name, stack in stacks.items()
    }
    # All three runs are deploying at the same moment, each holding its own stack's lock: no
    # run waits for another stack's.
    admin.wait_held(len(stacks), timeout_s=180)
    assert [
        name for name, stack in stacks.items() if not azurite.blob_names(lock_prefix(stack))
    ] == []
    admin.release()
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
    # Both uploads are answered; both requests for a verification code wait for the test.
    admin.hold("Certificates_GenerateVerificationCode", times=len(names))
    admin.clear_requests()

    run = runners.start(stack, "up", "--yes", "--skip-preview", name="killed")
    admin.wait_held(len(names), timeout_s=120)
    run.kill_runner()  # the runner dies: no signal handler, no cleanup
    admin.release(drop=True)  # its connections are gone; what it asked for never happens

    # What the team finds: the certificates on the hub, unverified, and the stack still locked.
    left = hub_certificates(emulator)
    assert len(left) == len(names)
    assert [name for name, cert in left.items() if cert.properties.is_verified] == []
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
