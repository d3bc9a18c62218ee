"""A DPS's service API lives on its own port (azure_iot_emulator/dataplane.py): the port a DPS
got is kept across restarts with its enrollment groups, and a DPS created while the emulator
runs is served at once on a new one. Each test runs its own emulator on its own state dir."""

from __future__ import annotations

import json
from pathlib import Path

from azure.core.credentials import AzureNamedKeyCredential
from azure.mgmt.iothubprovisioningservices import IotDpsClient
from azure.mgmt.iothubprovisioningservices.models import (
    IotDpsPropertiesDescription,
    IotDpsSkuInfo,
    ProvisioningServiceDescription,
)

from azure_iot_emulator.testing import EmulatorProcess, client_kwargs, management_credential
from tests.azure_iot_emulator.dps_service.conftest import (
    DATA_CONTRIBUTOR,
    RESOURCE_GROUP,
    credential_of,
    discovered_host,
    seed_document,
    service_client,
)

GROUP = {
    "enrollmentGroupId": "kept",
    "attestation": {"type": "x509", "x509": {"caReferences": {"primary": "fleet-root"}}},
}


def seed_file(tmp_path: Path) -> Path:
    path = tmp_path / "seed.json"
    path.write_text(json.dumps(seed_document()))
    return path


def test_port_and_groups_survive_a_restart(tmp_path: Path):
    state, seed = tmp_path / "state", seed_file(tmp_path)
    with EmulatorProcess(state, seed=seed) as first:
        info = first.info
        host = discovered_host(info)
        credential = credential_of(info, DATA_CONTRIBUTOR["client_id"])
        created = service_client(info, credential, host).enrollment_group.create_or_update(
            "kept", GROUP
        )
    # Hubs and the device API have ports too (tests/azure_iot_emulator/device_api/).
    ports = json.loads((state / "dataplane.json").read_text())["ports"]
    assert ports["dps/dps-pop-demo"] == int(host.rpartition(":")[2])
    with EmulatorProcess(state, seed=seed) as second:
        info = second.info
        assert discovered_host(info) == host
        credential = credential_of(info, DATA_CONTRIBUTOR["client_id"])
        assert service_client(info, credential, host).enrollment_group.get("kept") == created


def test_a_dps_created_after_start_is_served_on_its_own_port(tmp_path: Path):
    with EmulatorProcess(tmp_path / "state", seed=seed_file(tmp_path)) as emulator:
        info = emulator.info
        arm = IotDpsClient(management_credential(info), info.subscription_id, **client_kwargs(info))
        made = arm.iot_dps_resource.begin_create_or_update(
            RESOURCE_GROUP,
            "dps-made-later",
            ProvisioningServiceDescription(
                location="westeurope",
                sku=IotDpsSkuInfo(name="S1", capacity=1),
                properties=IotDpsPropertiesDescription(),
            ),
        ).result()
        host = made.properties.service_operations_host_name
        assert host == discovered_host(info, "dps-made-later") != discovered_host(info)
        # The Data Contributor's role is on dps-pop-demo only: a SAS of the new DPS's policy.
        policy = next(iter(arm.iot_dps_resource.list_keys("dps-made-later", RESOURCE_GROUP)))
        assert policy.key_name and policy.primary_key
        client = service_client(
            info, AzureNamedKeyCredential(policy.key_name, policy.primary_key), host
        )
        client.enrollment_group.create_or_update("kept", GROUP)
        assert [
            g["enrollmentGroupId"] for g in client.enrollment_group.query({"query": "SELECT *"})
        ] == ["kept"]
        # The groups are the DPS's own: the seeded DPS has none.
        contributor = service_client(
            info, credential_of(info, DATA_CONTRIBUTOR["client_id"]), discovered_host(info)
        )
        assert list(contributor.enrollment_group.query({"query": "SELECT *"})) == []
