"""EnrollmentGroup under the real CLI against the emulator, in both faces: a root CA Verified on
the DPS by proof of possession, and a group referencing its `certificateName`. `up` creates the
group (read back with Microsoft's `azure-iot-deviceprovisioning`), a no-change run writes
nothing, a group disabled out of band is enabled again by `up --refresh`, and destroy deletes
the group before the CA it references."""

from __future__ import annotations

import json
import os
import re
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from azure.core.exceptions import ResourceNotFoundError
from azure.iot.deviceprovisioning import DeviceProvisioningClient

from azure_iot_emulator.seed import default_seed_document
from azure_iot_emulator.testing import (
    AdminClient,
    EmulatorInfo,
    EmulatorProcess,
    management_credential,
    stack_config,
)
from tests.clients.azure_cli import signed_in
from tests.pki import make_ca
from tests.pop_provider.engine import dps_certificates, dps_client, dps_id
from tests.pulumi_cli import REPO, PulumiStack, write_project

pytestmark = pytest.mark.engine

VENV_BIN = str(Path(sys.executable).parent)
GROUP = "fleet-2026"
DATA_ROLE = "Device Provisioning Service Data Contributor"

# The Python example, as a user copies it.
DYNAMIC_PROGRAM = (REPO / "examples" / "enrollment-python" / "__main__.py").read_text()
IMPORT_GUIDE = REPO / "docs" / "guides" / "import.md"
# The config-driven program (docs/guides/stack-config.md): the same CA and group as lists.
STACK_CONFIG_PROGRAM = (
    "from pop_provider import trust_from_stack_config\n\ntrust_from_stack_config()\n"
)


def write_stack_config_lists(stack: PulumiStack, dps: str) -> None:
    """The two lists, written into the stack's settings file as a user writes them."""
    settings = stack.project_dir / f"Pulumi.{stack.stack}.yaml"
    document = yaml.safe_load(settings.read_text())
    document["config"]["fleet:certificates"] = [
        {
            "name": "rootCa",
            "dpsId": dps,
            "mode": "proof",
            "certificateFile": "ca.pem",
            "privateKeySecret": "caKey",
        }
    ]
    document["config"]["fleet:enrollmentGroups"] = [
        {
            "name": "fleet",
            "dpsId": dps,
            "enrollmentGroupId": GROUP,
            "caReferencePrimary": "rootCa",
            "initialTwinTags": {"fleet": "2026"},
        }
    ]
    settings.write_text(yaml.safe_dump(document))


YAML_PROGRAM = """\
name: fleet
runtime: yaml
config:
  dpsId: {type: string}
  caKey: {type: string, secret: true}
resources:
  rootCa:
    type: pop:index:VerifiedCaCertificate
    properties:
      dpsId: ${dpsId}
      certificatePem:
        fn::readFile: ca.pem
      privateKeyPem: ${caKey}
  fleet:
    type: pop:index:EnrollmentGroup
    properties:
      dpsId: ${dpsId}
      enrollmentGroupId: fleet-2026
      caReferencePrimary: ${rootCa.certificateName}
      initialTwinTags:
        fleet: "2026"
outputs:
  certificateName: ${rootCa.certificateName}
  etag: ${fleet.etag}
"""


@pytest.fixture(scope="module")
def dps_emulator(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmulatorInfo]:
    """The default seed, its principal 0 (the stacks' credential) also holding the DPS data
    role on the seed's DPS, as a deployment's principal needs it."""
    state = tmp_path_factory.mktemp("enrollment-emulator")
    document = default_seed_document()
    principal = document["service_principals"][0]
    sub = principal["role_assignments"][0]["scope"]
    group = document["subscriptions"][0]["resource_groups"][0]
    dps_scope = (
        f"{sub}/resourceGroups/{group['name']}/providers/Microsoft.Devices/provisioningServices/"
        f"{group['dps'][0]}"
    )
    principal["role_assignments"].append({"role": DATA_ROLE, "scope": dps_scope})
    seed = state.parent / f"{state.name}-seed.json"
    seed.write_text(json.dumps(document))
    process = EmulatorProcess(state, seed=seed)
    info = process.start()
    yield info
    process.stop()


@pytest.fixture
def emulated(dps_emulator: EmulatorInfo) -> EmulatorInfo:
    AdminClient(dps_emulator).reset()
    return dps_emulator


def service(info: EmulatorInfo) -> DeviceProvisioningClient:
    """Microsoft's client on the host the ARM DPS resource reports, as a client finds it."""
    dps = dps_client(info).iot_dps_resource.get(info.dps[0], info.resource_group)
    host = dps.properties.service_operations_host_name
    return DeviceProvisioningClient(
        f"https://{host}", management_credential(info), connection_verify=info.ca_bundle
    )


def face_stack(face: str, info: EmulatorInfo, tmp_path: Path) -> PulumiStack:
    project = tmp_path / f"{face}-project"
    if face == "native":
        project.mkdir()
        (project / "Pulumi.yaml").write_text(YAML_PROGRAM)
        extra = {"PATH": f"{VENV_BIN}{os.pathsep}{os.environ['PATH']}"}
        stack = PulumiStack(project, tmp_path / "state", extra_env=extra, python=None).init()
    else:
        program = STACK_CONFIG_PROGRAM if face == "stack-config" else DYNAMIC_PROGRAM
        write_project(project, "fleet", program)
        stack = PulumiStack(project, tmp_path / "state").init()
    plain, secret = stack_config(info, native=face == "native")
    stack.set_configs(plain, secret)
    ca = make_ca(f"fleet root ({face})")
    (project / "ca.pem").write_text(ca.certificate_pem)
    stack.set_config("caKey", ca.private_key_pem, secret=True)
    stack.set_config("dpsId", dps_id(info))
    if face == "stack-config":
        write_stack_config_lists(stack, dps_id(info))
    return stack


def outputs(face: str, stack: PulumiStack) -> tuple[str, str]:
    """The CA's certificate name and the group's etag, as the face's program exports them."""
    found = stack.outputs()
    if face == "stack-config":
        return (
            found["certificates"]["rootCa"]["certificate_name"],
            found["enrollmentGroups"]["fleet"]["etag"],
        )
    return found["certificateName"], found["etag"]


def operations(admin: AdminClient) -> list[str]:
    return [str(entry.get("operation") or "") for entry in admin.requests()]


@pytest.mark.parametrize("face", ["dynamic", "native", "stack-config"])
def test_group_on_a_verified_ca_created_unchanged_repaired_and_destroyed_first(
    face: str, emulated: EmulatorInfo, tmp_path: Path
) -> None:
    admin = AdminClient(emulated)
    stack = face_stack(face, emulated, tmp_path)
    stack.up()
    name, etag = outputs(face, stack)
    assert dps_certificates(emulated)[name].properties.is_verified
    groups = service(emulated).enrollment_group
    group: dict[str, Any] = dict(groups.get(GROUP))
    assert group["attestation"]["x509"]["caReferences"] == {"primary": name}
    assert group["initialTwin"]["tags"] == {"fleet": "2026"}
    assert group["provisioningStatus"] == "enabled"
    assert etag == group["etag"]

    admin.clear_requests()
    stack.preview("--expect-no-changes")
    stack.up("--expect-no-changes")
    writes = [
        op
        for op in operations(admin)
        if op.startswith("EnrollmentGroup_") and op != "EnrollmentGroup_Get"
    ]
    assert writes == []

    disabled = groups.create_or_update(
        GROUP, {**group, "provisioningStatus": "disabled"}, if_match=group["etag"]
    )
    assert disabled["provisioningStatus"] == "disabled"
    stack.up("--refresh")
    repaired = groups.get(GROUP)
    assert repaired["provisioningStatus"] == "enabled"
    assert repaired["createdDateTimeUtc"] == group["createdDateTimeUtc"]

    admin.clear_requests()
    stack.destroy()
    with pytest.raises(ResourceNotFoundError):
        groups.get(GROUP)
    assert dps_certificates(emulated) == {}
    done = operations(admin)
    assert done.index("EnrollmentGroup_Delete") < done.index("DpsCertificate_Delete")


def test_a_group_made_by_hand_is_never_taken_over_and_is_imported_by_its_id(
    emulated: EmulatorInfo, tmp_path: Path
) -> None:
    groups = service(emulated).enrollment_group
    by_hand: dict[str, Any] = {
        "enrollmentGroupId": GROUP,
        "attestation": {"type": "x509", "x509": {"caReferences": {"primary": "by-hand"}}},
        "provisioningStatus": "disabled",
    }
    groups.create_or_update(GROUP, by_hand)
    stack = face_stack("native", emulated, tmp_path)
    refused = stack.up(check=False)
    assert refused.returncode != 0
    group_id = f"{dps_id(emulated)}/enrollmentGroups/{GROUP}"
    assert f"pulumi import pop:index:EnrollmentGroup <name> {group_id}" in refused.stdout
    assert groups.get(GROUP)["provisioningStatus"] == "disabled"  # left as it was

    (name,) = dps_certificates(emulated)  # the CA the same run Verified
    by_hand["attestation"]["x509"]["caReferences"]["primary"] = name
    groups.create_or_update(GROUP, by_hand)
    generated = tmp_path / "adopted.yaml"
    stack.run(
        "import",
        "pop:index:EnrollmentGroup",
        "adopted",
        group_id,
        "--yes",
        "--protect=false",
        "--out",
        str(generated),
    )
    code = generated.read_text()
    assert f"caReferencePrimary: {name}" in code and "provisioningStatus: disabled" in code
    stack.destroy()
    with pytest.raises(ResourceNotFoundError):
        groups.get(GROUP)


def test_without_the_data_role_one_line_names_it_and_a_named_policy_key_is_the_opt_in(
    emulator: EmulatorInfo, tmp_path: Path
) -> None:
    """The default seed's principal is Contributor only: no data action on the DPS. The service
    API answers 401 (as IoT Hub does), and the line names the data role first."""
    stack = face_stack("native", emulator, tmp_path)
    denied = stack.up(check=False)
    assert denied.returncode != 0
    line = next(line for line in denied.stdout.splitlines() if "is not authorized for" in line)
    assert "the DPS service API refused the credential" in line
    assert "due to no assigned permissions" in line
    assert "Microsoft.Devices/provisioningServices/enrollmentGroups/read" in line
    assert "Device Provisioning Service Data Contributor" in line
    assert "pop:dpsSharedAccessPolicy" in line

    stack.set_config("pop:dpsSharedAccessPolicy", "provisioningserviceowner")
    stack.up()
    name = stack.outputs()["certificateName"]
    client, key = service_by_key(emulator)
    group = client.enrollment_group.get(GROUP)
    assert group["attestation"]["x509"]["caReferences"] == {"primary": name}
    assert key not in json.dumps(stack.export())  # the key is never in the state
    stack.destroy()


def service_by_key(info: EmulatorInfo) -> tuple[DeviceProvisioningClient, str]:
    """Microsoft's client with the owner policy's key (the seed's principal has no data role)."""
    from azure.core.credentials import AzureNamedKeyCredential

    arm = dps_client(info).iot_dps_resource
    host = arm.get(info.dps[0], info.resource_group).properties.service_operations_host_name
    keys = arm.list_keys_for_key_name(info.dps[0], "provisioningserviceowner", info.resource_group)
    credential = AzureNamedKeyCredential(keys.key_name, keys.primary_key)
    client = DeviceProvisioningClient(
        f"https://{host}", credential, connection_verify=info.ca_bundle
    )
    return client, str(keys.primary_key)


def bulk_import_commands() -> tuple[str, list[str]]:
    """The import guide's commands for a DPS's groups: the `az` lines, and `pulumi import`'s
    arguments."""
    section = re.search(
        r"^## Every enrollment group of a DPS at once\n(.*?)(?=^## |\Z)",
        IMPORT_GUIDE.read_text(),
        re.S | re.M,
    )
    assert section, "docs/guides/import.md has no section for a DPS's groups"
    (block,) = re.findall(r"^```sh\n(.*?)^```", section.group(1), re.S | re.M)
    az_lines, pulumi_line = block.rstrip("\n").rsplit("\n", 1)
    assert pulumi_line.startswith("pulumi import "), pulumi_line
    return az_lines, pulumi_line.split()[1:]


def test_a_whole_dps_s_groups_are_imported_by_the_guide_s_one_query(
    emulated: EmulatorInfo, tmp_path: Path
) -> None:
    """Two X.509 groups and a symmetric-key one made by hand; the guide's commands write the
    import file of the two, `pulumi import --file` adopts them, and the pasted code previews
    with no change."""
    ca = make_ca("fleet root, uploaded by hand")
    certificates = dps_client(emulated).dps_certificate
    certificates.create_or_update(
        emulated.resource_group,
        emulated.dps[0],
        "by-hand-root",
        {"properties": {"certificate": ca.certificate_pem, "isVerified": True}},
    )
    groups = service(emulated).enrollment_group
    for group_id in ("line-1", "line-2"):
        groups.create_or_update(
            group_id,
            {
                "enrollmentGroupId": group_id,
                "attestation": {
                    "type": "x509",
                    "x509": {"caReferences": {"primary": "by-hand-root"}},
                },
            },
        )
    groups.create_or_update(
        "keys", {"enrollmentGroupId": "keys", "attestation": {"type": "symmetricKey"}}
    )

    stack = face_stack("native", emulated, tmp_path)
    az_lines, import_args = bulk_import_commands()
    script = az_lines.replace("<dps>", emulated.dps[0]).replace("<rg>", emulated.resource_group)
    admin = AdminClient(emulated)
    with signed_in(emulated, tmp_path / "az-config") as az:
        admin.clear_requests()
        az.run_script(script, stack.project_dir)
    assert [op for op in operations(admin) if op.startswith("EnrollmentGroup_")] == [
        "EnrollmentGroup_Query"
    ]
    listing = json.loads((stack.project_dir / "import.json").read_text())
    assert sorted(r["name"] for r in listing["resources"]) == ["line-1", "line-2"]
    assert {r["id"] for r in listing["resources"]} == {
        f"{dps_id(emulated)}/enrollmentGroups/line-1",
        f"{dps_id(emulated)}/enrollmentGroups/line-2",
    }

    (stack.project_dir / "Pulumi.yaml").write_text("name: fleet\nruntime: yaml\n")
    stack.run(*import_args, "--yes", "--protect=false")
    adopted = yaml.safe_load((stack.project_dir / "adopted.yaml").read_text())["resources"]
    assert {r["properties"]["caReferencePrimary"] for r in adopted.values()} == {"by-hand-root"}
    (stack.project_dir / "Pulumi.yaml").write_text(
        yaml.safe_dump({"name": "fleet", "runtime": "yaml", "resources": adopted})
    )
    stack.preview("--expect-no-changes")
    stack.destroy()
    assert [g["enrollmentGroupId"] for g in groups.query({"query": "SELECT *"})] == ["keys"]
