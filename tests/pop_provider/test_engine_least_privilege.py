"""Under the real CLI against the emulator, signed in as a principal that holds only the docs'
least-privilege role ("IoT CA certificate verifier", parsed out of docs/guides/credentials.md)
at the hub's and the DPS's scope: every mode's whole lifecycle works, every action the role
lists is used, and a role without `verify/Action` fails with the provider's clear error and
leaves nothing behind."""

from __future__ import annotations

import json
import os
import secrets
import sys
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from azure_iot_emulator.seed import (
    DEFAULT_RESOURCE_GROUP,
    DEFAULT_SUBSCRIPTION,
    default_seed_document,
)
from azure_iot_emulator.testing import AdminClient, EmulatorInfo, EmulatorProcess, stack_config
from pop_provider.core.proof import proof_certificate_pem
from pop_provider.core.signers import LocalKeySigner
from tests.conftest import azure_environment, write_certificates_config
from tests.pki import CertifiedKey, KeyType, make_ca
from tests.pop_provider.engine import dps_certificates, dps_id, entry, hub_certificates
from tests.pop_provider.test_engine_enrollment_groups import YAML_PROGRAM
from tests.pulumi_cli import PulumiStack, program_project

pytestmark = pytest.mark.engine

CREDENTIALS_GUIDE = Path(__file__).resolve().parents[2] / "docs" / "guides" / "credentials.md"
ROLE_SECTION = "## The least-privilege role"
SUBSCRIPTION_PLACEHOLDER = "<subscription id>"

HUB = "Microsoft.Devices/IotHubs/certificates"
DPS = "Microsoft.Devices/provisioningServices/certificates"
# What an enrollment group adds: the DPS's Read (its service host and linked hubs) and the data
# actions of the DPS service API.
DPS_READ = "Microsoft.Devices/provisioningServices/Read"
GROUP_DATA_ACTIONS = [
    f"Microsoft.Devices/provisioningServices/enrollmentGroups/{verb}"
    for verb in ("read", "write", "delete")
]
# The action each logged operation needs (the spec's operationIds, as the emulator logs them).
OPERATION_ACTIONS = {
    "Certificates_ListByIotHub": f"{HUB}/Read",
    "Certificates_Get": f"{HUB}/Read",
    "Certificates_CreateOrUpdate": f"{HUB}/Write",
    "Certificates_Delete": f"{HUB}/Delete",
    "Certificates_GenerateVerificationCode": f"{HUB}/generateVerificationCode/Action",
    "Certificates_Verify": f"{HUB}/verify/Action",
    "DpsCertificate_List": f"{DPS}/Read",
    "DpsCertificate_Get": f"{DPS}/Read",
    "DpsCertificate_CreateOrUpdate": f"{DPS}/Write",
    "DpsCertificate_Delete": f"{DPS}/Delete",
    "DpsCertificate_GenerateVerificationCode": f"{DPS}/generateVerificationCode/Action",
    "DpsCertificate_VerifyCertificate": f"{DPS}/verify/Action",
}


def readme_role() -> dict[str, Any]:
    """The role exactly as the docs ship it: the ```json block of its section."""
    text = CREDENTIALS_GUIDE.read_text(encoding="utf-8")
    section = text.split(ROLE_SECTION, 1)[1].split("\n## ", 1)[0]
    block = section.split("```json\n", 1)[1].split("\n```", 1)[0]
    role: dict[str, Any] = json.loads(block)
    return role


def role_for_subscription(role: dict[str, Any]) -> dict[str, Any]:
    """What a user does before `az role definition create`: put the subscription id in."""
    scopes = role["AssignableScopes"]
    assert any(SUBSCRIPTION_PLACEHOLDER in scope for scope in scopes)
    return {
        **role,
        "AssignableScopes": [
            scope.replace(SUBSCRIPTION_PLACEHOLDER, DEFAULT_SUBSCRIPTION) for scope in scopes
        ],
    }


def target_scopes() -> tuple[str, str]:
    """The ARM ids of the default seed's first hub and its DPS: the role's assignment scopes."""
    group = f"/subscriptions/{DEFAULT_SUBSCRIPTION}/resourceGroups/{DEFAULT_RESOURCE_GROUP}"
    return (
        f"{group}/providers/Microsoft.Devices/IotHubs/hub-pop-demo",
        f"{group}/providers/Microsoft.Devices/provisioningServices/dps-pop-demo",
    )


class RoleHolder:
    """A principal of its own that holds one role at the hub's and the DPS's scope."""

    def __init__(self, n: int, role: dict[str, Any]) -> None:
        self.role = role
        self.client_id = f"1ea57000-0000-4000-8000-00000000{n:04x}"
        self.object_id = f"1ea570b1-0000-4000-8000-00000000{n:04x}"
        self.client_secret = secrets.token_urlsafe(24)

    def principal(self, tenant: str) -> dict[str, Any]:
        return {
            "tenant_id": tenant,
            "client_id": self.client_id,
            "client_secret": self.client_secret,
            "object_id": self.object_id,
            "display_name": f"sp-{self.role['Name']}",
            "role_assignments": [
                {"role": self.role["Name"], "scope": scope} for scope in target_scopes()
            ],
        }


def start_emulator(tmp_path: Path, holder: RoleHolder) -> EmulatorProcess:
    """The default seed (its Contributor principal 0 inspects the hub) plus the holder's role."""
    document = default_seed_document()
    document["role_definitions"] = [holder.role]
    document["service_principals"].append(holder.principal(document["tenants"][0]["tenant_id"]))
    seed = tmp_path / "seed.json"
    seed.write_text(json.dumps(document), encoding="utf-8")
    process = EmulatorProcess(tmp_path / "emulator", seed=seed)
    process.start()
    return process


@pytest.fixture
def emulated(tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[EmulatorInfo]:
    holder: RoleHolder = request.param
    process = start_emulator(tmp_path, holder)
    try:
        yield process.info
    finally:
        process.stop()


def stack_as(holder: RoleHolder, info: EmulatorInfo, tmp_path: Path) -> PulumiStack:
    """This repo's program, signed in as the holder (AZURE_* as a pipeline sets them)."""
    env = {
        **azure_environment(info),
        "AZURE_CLIENT_ID": holder.client_id,
        "AZURE_CLIENT_SECRET": holder.client_secret,
    }
    project = program_project(tmp_path / "project")
    return PulumiStack(project, tmp_path / "pulumi", extra_env=env).init()


def on_dps(item: dict[str, Any], info: EmulatorInfo) -> dict[str, Any]:
    moved = {key: value for key, value in item.items() if key != "hubId"}
    moved["dpsId"] = dps_id(info)
    return moved


def offline(item: dict[str, Any]) -> dict[str, Any]:
    return {**item, "mode": "offline"}


def sign_proof(ca: CertifiedKey, code: str, path: Path) -> str:
    """What the operator does where the key lives (docs/guides/keys.md's recipe, in code)."""
    path.write_text(
        proof_certificate_pem(
            ca.certificate, LocalKeySigner.from_pem(ca.private_key_pem, None), code
        )
    )
    return str(path)


def arm_log(admin: AdminClient) -> list[dict[str, Any]]:
    """The certificate ARM calls of the log (no tokens)."""
    return [e for e in admin.requests() if e.get("operation") in OPERATION_ACTIONS]


def actions_by_certificate(log: list[dict[str, Any]]) -> dict[str | None, set[str]]:
    """Which actions each certificate's calls needed (None: the per-run lists)."""
    result: dict[str | None, set[str]] = defaultdict(set)
    for call in log:
        result[call["certificate_name"]].add(OPERATION_ACTIONS[call["operation"]])
    return result


LEAST = RoleHolder(1, role_for_subscription(readme_role()))
WITHOUT_VERIFY = RoleHolder(
    2,
    {
        **LEAST.role,
        "Name": "IoT CA certificate verifier without verify",
        "Actions": [a for a in LEAST.role["Actions"] if not a.endswith("/verify/Action")],
    },
)
AUTO_ONLY = RoleHolder(
    3,
    {
        **LEAST.role,
        "Name": "IoT CA certificate uploader",
        "Actions": [
            a for a in LEAST.role["Actions"] if a.rsplit("/", 1)[1] in {"Read", "Write", "Delete"}
        ],
    },
)


def test_the_readme_role_is_a_complete_role_definition_document() -> None:
    role = readme_role()
    assert set(role) == {
        "Name",
        "IsCustom",
        "Description",
        "Actions",
        "NotActions",
        "DataActions",
        "NotDataActions",
        "AssignableScopes",
    }
    assert role["Name"] == "IoT CA certificate verifier" and role["IsCustom"] is True
    assert sorted(role["Actions"]) == sorted({*OPERATION_ACTIONS.values(), DPS_READ})
    assert role["NotActions"] == [] and role["NotDataActions"] == []
    assert sorted(role["DataActions"]) == sorted(GROUP_DATA_ACTIONS)


@pytest.mark.parametrize("emulated", [LEAST], indirect=True)
def test_every_mode_on_a_hub_and_a_dps_with_only_the_readme_role(
    emulated: EmulatorInfo, tmp_path: Path
) -> None:
    info = emulated
    admin = AdminClient(info)
    stack = stack_as(LEAST, info, tmp_path)
    cas = {
        name: make_ca(f"least {name}", key_type=KeyType.EC_P256)
        for name in ("hub-auto", "hub-proof", "hub-offline", "dps-auto", "dps-proof", "dps-offline")
    }
    items = {
        "hub-auto": entry(tmp_path, "hub-auto", cas["hub-auto"], info, mode="auto"),
        "hub-proof": entry(tmp_path, "hub-proof", cas["hub-proof"], info),
        "hub-offline": offline(
            entry(tmp_path, "hub-offline", cas["hub-offline"], info, mode="auto")
        ),
        "dps-auto": on_dps(entry(tmp_path, "dps-auto", cas["dps-auto"], info, mode="auto"), info),
        "dps-proof": on_dps(entry(tmp_path, "dps-proof", cas["dps-proof"], info), info),
        "dps-offline": on_dps(
            offline(entry(tmp_path, "dps-offline", cas["dps-offline"], info, mode="auto")), info
        ),
    }
    write_certificates_config(stack, list(items.values()))

    # Run 1: auto and proof verified; offline uploaded, each with its code to sign.
    first = stack.up()
    outputs = stack.outputs()["certificates"]
    for name in ("hub-auto", "hub-proof", "dps-auto", "dps-proof"):
        assert outputs[name]["is_verified"] is True, name
    for name in ("hub-offline", "dps-offline"):
        assert outputs[name]["is_verified"] is False
        assert len(outputs[name]["verification_code"]) == 48

    # Run 2: the offline proofs come back; everything is verified.
    for name in ("hub-offline", "dps-offline"):
        items[name]["proofCertificateFile"] = sign_proof(
            cas[name], outputs[name]["verification_code"], tmp_path / f"{name}-proof.pem"
        )
    write_certificates_config(stack, list(items.values()))
    second = stack.up()
    outputs = stack.outputs()["certificates"]
    assert all(outputs[name]["is_verified"] is True for name in items)
    hub_side = hub_certificates(info)
    dps_side = dps_certificates(info)
    assert len(hub_side) == 3 and all(c.properties.is_verified for c in hub_side.values())
    assert len(dps_side) == 3 and all(c.properties.is_verified for c in dps_side.values())

    refreshed = stack.refresh("--expect-no-changes")
    destroyed = stack.destroy()
    assert hub_certificates(info) == {}
    assert dps_certificates(info) == {}

    log = arm_log(admin)
    assert [call for call in log if call["status"] == 403] == []  # not one denial
    # Every action of the role was used, and nothing else: the role is the least one.
    # (The DPS's own Read is an enrollment group's: test_an_enrollment_group_with_only_...)
    used = {OPERATION_ACTIONS[call["operation"]] for call in log}
    assert used == set(LEAST.role["Actions"]) - {DPS_READ}
    # Per mode, by the certificates' names on the hub and the DPS.
    by_certificate = actions_by_certificate(log)
    names = {name: outputs[name]["certificate_name"] for name in items}
    for side, service in (("hub", HUB), ("dps", DPS)):
        # Auto and proof certificates are only ever read from their target's list (Read, under
        # None below); an offline one is read by name when its second run submits the proof.
        assert by_certificate[names[f"{side}-auto"]] == {
            f"{service}/Write",
            f"{service}/Delete",
        }
        full = {
            f"{service}/{action}"
            for action in (
                "Read",
                "Write",
                "Delete",
                "generateVerificationCode/Action",
                "verify/Action",
            )
        }
        assert by_certificate[names[f"{side}-proof"]] == full - {f"{service}/Read"}
        assert by_certificate[names[f"{side}-offline"]] == full
    assert by_certificate[None] == {f"{HUB}/Read", f"{DPS}/Read"}  # the per-run lists

    for result in (first, second, refreshed, destroyed):
        assert LEAST.client_secret not in result.stdout + result.stderr
    assert LEAST.client_secret not in stack.state_files_text()


@pytest.mark.parametrize("emulated", [WITHOUT_VERIFY], indirect=True)
def test_a_role_without_verify_fails_with_the_action_named_and_leaves_nothing(
    emulated: EmulatorInfo, tmp_path: Path
) -> None:
    info = emulated
    admin = AdminClient(info)
    stack = stack_as(WITHOUT_VERIFY, info, tmp_path)
    hub_ca = make_ca("no verify hub", key_type=KeyType.EC_P256)
    dps_ca = make_ca("no verify dps", key_type=KeyType.EC_P256)
    write_certificates_config(
        stack,
        [
            entry(tmp_path, "hub-proof", hub_ca, info),
            on_dps(entry(tmp_path, "dps-proof", dps_ca, info), info),
        ],
    )
    failed = stack.up(check=False)
    assert failed.returncode != 0
    for service in (HUB, DPS):
        assert (
            "pop_provider.failures.AccessDenied: access denied: principal "
            f"{WITHOUT_VERIFY.object_id} may not perform '{service}/verify/action' on scope "
            f"'/subscriptions/{DEFAULT_SUBSCRIPTION}/resourceGroups/"
        ) in failed.stdout
    assert (
        "the least-privilege role 'IoT CA certificate verifier' "
        "(docs/guides/credentials.md#the-least-privilege-role)" in failed.stdout
    )
    assert "Traceback" not in failed.stdout + failed.stderr
    assert WITHOUT_VERIFY.client_secret not in failed.stdout + failed.stderr

    # Nothing is left: each upload was removed after the denied verify.
    assert hub_certificates(info) == {}
    assert dps_certificates(info) == {}
    log = arm_log(admin)
    denied = [call["operation"] for call in log if call["status"] == 403]
    assert sorted(denied) == ["Certificates_Verify", "DpsCertificate_VerifyCertificate"]
    deletes = [call for call in log if call["operation"].endswith("_Delete")]
    assert sorted(call["status"] for call in deletes) == [200, 200]


@pytest.mark.parametrize("emulated", [AUTO_ONLY], indirect=True)
def test_auto_mode_needs_only_read_write_and_delete(emulated: EmulatorInfo, tmp_path: Path) -> None:
    info = emulated
    stack = stack_as(AUTO_ONLY, info, tmp_path)
    write_certificates_config(
        stack,
        [
            entry(tmp_path, "hub-auto", make_ca("uploader hub"), info, mode="auto"),
            on_dps(entry(tmp_path, "dps-auto", make_ca("uploader dps"), info, mode="auto"), info),
        ],
    )
    stack.up()
    assert [c.properties.is_verified for c in hub_certificates(info).values()] == [True]
    assert [c.properties.is_verified for c in dps_certificates(info).values()] == [True]
    stack.destroy()
    assert hub_certificates(info) == {} and dps_certificates(info) == {}


# The enrollment-group engine test's YAML program: a CA on the DPS and a group on it.
GROUP_PROGRAM = YAML_PROGRAM


@pytest.mark.parametrize("emulated", [LEAST], indirect=True)
def test_an_enrollment_group_with_only_the_readme_role(
    emulated: EmulatorInfo, tmp_path: Path
) -> None:
    """The role's DPS Read and data actions are all an enrollment group needs (through the
    plugin, a YAML program): created, read back, deleted, not one denial."""
    info = emulated
    admin = AdminClient(info)
    project = tmp_path / "project"
    project.mkdir()
    (project / "Pulumi.yaml").write_text(GROUP_PROGRAM)
    ca = make_ca("least group root")
    (project / "ca.pem").write_text(ca.certificate_pem)
    env = {"PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
    stack = PulumiStack(project, tmp_path / "state", extra_env=env, python=None).init()
    plain, _ = stack_config(info, native=True)
    plain.update({"pop:clientId": LEAST.client_id, "dpsId": dps_id(info)})
    stack.set_configs(plain, {"pop:clientSecret": LEAST.client_secret, "caKey": ca.private_key_pem})

    stack.up()
    stack.preview("--expect-no-changes")
    stack.destroy()
    assert dps_certificates(info) == {}
    log = admin.requests()
    group_calls = [e for e in log if str(e.get("operation", "")).startswith("EnrollmentGroup_")]
    assert {e["operation"] for e in group_calls} >= {
        "EnrollmentGroup_CreateOrUpdate",
        "EnrollmentGroup_Delete",
    }
    # Not one denial: ARM denies with 403, the DPS service API with 401.
    assert [e for e in log if e.get("status") in (401, 403)] == []
