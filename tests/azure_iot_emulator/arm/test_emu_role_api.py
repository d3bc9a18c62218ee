"""The role API and the Microsoft Graph lookup behind it, through the pinned az CLI: a custom role
made from a JSON document and assigned by `--assignee <client id>` grants what it lists at its
scope and nothing else, at once; a Contributor cannot make a role; a duplicate assignment is
ARM's 409; and the two commands of docs/guides/credentials.md run exactly as written.

The default seed has no Owner: this module's emulator adds one, and principals holding no role.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from azure.core.exceptions import (
    ClientAuthenticationError,
    HttpResponseError,
    ResourceNotFoundError,
)
from azure.iot.deviceprovisioning import DeviceProvisioningClient
from azure.mgmt.iothub import IotHubClient
from azure.mgmt.iothub.models import CertificateDescription, CertificateProperties
from azure.mgmt.iothubprovisioningservices import IotDpsClient

from azure_iot_emulator.seed import (
    DEFAULT_RESOURCE_GROUP,
    DEFAULT_SUBSCRIPTION,
    default_seed_document,
)
from azure_iot_emulator.testing import (
    EmulatorInfo,
    EmulatorProcess,
    client_kwargs,
    management_credential,
)
from tests.clients.azure_cli import AzCli, AzFailed, signed_in

# The az CLI starts a Python program per command: out of the quick loop, as tests/clients'.
pytestmark = pytest.mark.engine

CREDENTIALS_GUIDE = Path(__file__).resolve().parents[3] / "docs" / "guides" / "credentials.md"
SUB = f"/subscriptions/{DEFAULT_SUBSCRIPTION}"
RG = DEFAULT_RESOURCE_GROUP
HUB = "hub-pop-demo"
HUB_ID = f"{SUB}/resourceGroups/{RG}/providers/Microsoft.Devices/IotHubs/{HUB}"
OWNER = "c0ffee00-0000-4000-8000-0000000000e0"
# Principals with no role: each test assigns to its own.
DOCS_PIPELINE = "c0ffee00-0000-4000-8000-0000000000e1"
READER_PIPELINE = "c0ffee00-0000-4000-8000-0000000000e2"
DUPLICATE_PIPELINE = "c0ffee00-0000-4000-8000-0000000000e3"


def principal(tenant: str, client_id: str, roles: list[dict[str, str]]) -> dict[str, Any]:
    return {
        "tenant_id": tenant,
        "client_id": client_id,
        "client_secret": f"role-api-secret-{client_id[-2:]}",
        "display_name": f"sp-{client_id[-2:]}",
        "role_assignments": roles,
    }


@pytest.fixture(scope="module")
def role_emulator(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmulatorInfo]:
    """The default seed plus an Owner of the subscription and three principals without roles."""
    document = default_seed_document()
    tenant = document["tenants"][0]["tenant_id"]
    document["service_principals"] += [
        principal(tenant, OWNER, [{"role": "Owner", "scope": SUB}]),
        principal(tenant, DOCS_PIPELINE, []),
        principal(tenant, READER_PIPELINE, []),
        principal(tenant, DUPLICATE_PIPELINE, []),
    ]
    directory = tmp_path_factory.mktemp("role-api")
    seed = directory / "seed.json"
    seed.write_text(json.dumps(document))
    with EmulatorProcess(directory / "state", seed=seed) as process:
        yield process.info


def index_of(info: EmulatorInfo, client_id: str) -> int:
    return next(i for i, c in enumerate(info.credentials) if c["client_id"] == client_id)


@pytest.fixture(scope="module")
def owner(role_emulator: EmulatorInfo, tmp_path_factory: pytest.TempPathFactory) -> Iterator[AzCli]:
    """`az` signed in as the Owner, for the whole module."""
    config = tmp_path_factory.mktemp("az-owner")
    with signed_in(role_emulator, config, index_of(role_emulator, OWNER)) as cli:
        yield cli


def hub_client(info: EmulatorInfo, client_id: str) -> IotHubClient:
    credential = management_credential(info, index_of(info, client_id))
    return IotHubClient(credential, info.subscription_id, **client_kwargs(info))


def denied_action(error: HttpResponseError) -> str:
    """The action ARM's 403 AuthorizationFailed names."""
    assert error.status_code == 403
    body = error.response.json()["error"]  # type: ignore[union-attr]
    assert body["code"] == "AuthorizationFailed"
    found = re.search(r"perform action '([^']+)'", body["message"])
    assert found, body["message"]
    return found.group(1)


def dps_service(info: EmulatorInfo, index: int) -> DeviceProvisioningClient:
    """Microsoft's DPS client as seeded principal `index`, at the host ARM reports."""
    arm = IotDpsClient(management_credential(info), info.subscription_id, **client_kwargs(info))
    host = arm.iot_dps_resource.get("dps-pop-demo", RG).properties.service_operations_host_name
    return DeviceProvisioningClient(
        f"https://{host}",
        management_credential(info, index),
        connection_verify=info.ca_bundle,
        retry_total=0,
    )


def fenced_blocks(text: str) -> list[tuple[str, str]]:
    """(info string, content) of each ```-fenced block of a Markdown text."""
    return [(m[1], m[2]) for m in re.finditer(r"^```(\w*)\n(.*?)\n```$", text, re.M | re.S)]


def test_the_credentials_guide_commands_run_as_written(
    owner: AzCli, role_emulator: EmulatorInfo, tmp_path: Path
) -> None:
    info = role_emulator
    blocks = fenced_blocks(CREDENTIALS_GUIDE.read_text(encoding="utf-8"))
    (role,) = [json.loads(b) for kind, b in blocks if kind == "json" and '"AssignableScopes"' in b]
    (script,) = [b for kind, b in blocks if b.startswith("az role definition create")]
    # "Save it as iot-ca-certificate-verifier.json with your subscription id in AssignableScopes"
    role["AssignableScopes"] = [
        scope.replace("<subscription id>", DEFAULT_SUBSCRIPTION)
        for scope in role["AssignableScopes"]
    ]
    (tmp_path / "iot-ca-certificate-verifier.json").write_text(json.dumps(role, indent=2))
    for placeholder, value in {
        "<client id>": DOCS_PIPELINE,
        "<sub>": DEFAULT_SUBSCRIPTION,
        "<rg>": RG,
        "<hub>": HUB,
    }.items():
        assert placeholder in script
        script = script.replace(placeholder, value)

    owner.run_script(script, tmp_path)

    pipeline = hub_client(info, DOCS_PIPELINE)
    assert pipeline.certificates.list_by_iot_hub(RG, HUB).value == []
    # Assigned at the hub: the role's DPS actions do not reach the DPS.
    dps = IotDpsClient(
        management_credential(info, index_of(info, DOCS_PIPELINE)),
        info.subscription_id,
        **client_kwargs(info),
    )
    with pytest.raises(HttpResponseError) as elsewhere:
        dps.dps_certificate.list(RG, "dps-pop-demo")
    assert denied_action(elsewhere.value) == (
        "Microsoft.Devices/provisioningServices/certificates/read"
    )

    # The enrollment groups' data role, as the page assigns it; Microsoft's DPS client then reads.
    (data_role,) = [
        b for _, b in blocks if b.startswith("az role assignment create") and "<dps>" in b
    ]
    for placeholder, value in {
        "<client id>": DOCS_PIPELINE,
        "<sub>": DEFAULT_SUBSCRIPTION,
        "<rg>": RG,
        "<dps>": "dps-pop-demo",
    }.items():
        data_role = data_role.replace(placeholder, value)
    groups = dps_service(info, index_of(info, DOCS_PIPELINE)).enrollment_group
    with pytest.raises(ClientAuthenticationError):
        groups.get("fleet")
    owner.run_script(data_role, tmp_path)
    with pytest.raises(ResourceNotFoundError):  # authorized now: the group just does not exist
        groups.get("fleet")


def test_a_custom_role_grants_what_it_lists_and_no_more(
    owner: AzCli, role_emulator: EmulatorInfo, tmp_path: Path, certs: Any
) -> None:
    info = role_emulator
    document = {
        "Name": "Hub certificate reader",
        "IsCustom": True,
        "Description": "Reads one hub's CA certificates.",
        "Actions": ["Microsoft.Devices/IotHubs/certificates/Read"],
        "AssignableScopes": [SUB],
    }
    path = tmp_path / "reader.json"
    path.write_text(json.dumps(document))
    role = owner.json("role", "definition", "create", "--role-definition", f"@{path}")
    assert (role["roleName"], role["roleType"]) == ("Hub certificate reader", "CustomRole")
    reader = hub_client(info, READER_PIPELINE)
    with pytest.raises(HttpResponseError) as before:
        reader.certificates.list_by_iot_hub(RG, HUB)
    assert denied_action(before.value) == "Microsoft.Devices/IotHubs/certificates/read"

    assign = ("role", "assignment", "create", "--assignee", READER_PIPELINE)
    assigned = owner.json(*assign, "--role", "Hub certificate reader", "--scope", HUB_ID)
    assert assigned["roleDefinitionId"] == role["id"]
    assert assigned["principalType"] == "ServicePrincipal"
    assert assigned["scope"] == HUB_ID

    # At once, and only what the role lists.
    assert reader.certificates.list_by_iot_hub(RG, HUB).value == []
    upload = CertificateDescription(properties=CertificateProperties(certificate=certs.ca().pem))
    with pytest.raises(HttpResponseError) as write:
        reader.certificates.create_or_update(RG, HUB, "not-mine", upload)
    assert denied_action(write.value) == "Microsoft.Devices/IotHubs/certificates/write"

    # The CLI answers the same command again with the existing assignment (ARM's 409, then a
    # list at the scope), and lists it by role and principal name.
    again = owner.json(*assign, "--role", "Hub certificate reader", "--scope", HUB_ID)
    assert again["name"] == assigned["name"]
    (listed,) = owner.json(
        "role", "assignment", "list", "--assignee", READER_PIPELINE, "--scope", HUB_ID
    )  # fmt: skip
    assert listed["roleDefinitionName"] == "Hub certificate reader"
    assert listed["principalName"] == READER_PIPELINE


def test_a_contributor_cannot_create_a_role(role_emulator: EmulatorInfo, tmp_path: Path) -> None:
    document = {"Name": "Not allowed", "Actions": ["*/read"], "AssignableScopes": [SUB]}
    (tmp_path / "role.json").write_text(json.dumps(document))
    with (
        signed_in(role_emulator, tmp_path / "az", 0) as contributor,
        pytest.raises(AzFailed) as refused,
    ):
        contributor.run(
            "role", "definition", "create", "--role-definition", str(tmp_path / "role.json")
        )  # fmt: skip
    assert "AuthorizationFailed" in refused.value.stderr
    assert "'Microsoft.Authorization/roleDefinitions/write'" in refused.value.stderr


def test_a_duplicate_assignment_is_a_conflict(owner: AzCli) -> None:
    assigned = owner.json(
        "role", "assignment", "create", "--assignee", DUPLICATE_PIPELINE,
        "--role", "Reader", "--scope", f"{SUB}/resourceGroups/{RG}",
    )  # fmt: skip
    body = {
        "properties": {
            "roleDefinitionId": assigned["roleDefinitionId"],
            "principalId": assigned["principalId"],
            "principalType": "ServicePrincipal",
        }
    }
    url = f"{assigned['scope']}/providers/Microsoft.Authorization/roleAssignments/{uuid.uuid4()}"
    with pytest.raises(AzFailed) as conflict:
        owner.run(
            "rest", "--method", "put", "--uri", f"{url}?api-version=2022-04-01",
            "--body", json.dumps(body),
        )  # fmt: skip
    assert "Conflict" in conflict.value.stderr
    assert "RoleAssignmentExists" in conflict.value.stderr
    existing = assigned["name"].replace("-", "")
    assert f"The ID of the existing role assignment is {existing}." in conflict.value.stderr
