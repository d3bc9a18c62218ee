"""Fixtures for the device-side tests: one emulator per module; the DPS and hub endpoints
discovered through ARM as a client finds them; a PKI made by tests/pki.py."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from azure.core import MatchConditions
from azure.iot.deviceprovisioning import DeviceProvisioningClient
from azure.iot.hub import IoTHubRegistryManager  # type: ignore[import-untyped]
from azure.mgmt.iothub import IotHubClient
from azure.mgmt.iothubprovisioningservices import IotDpsClient
from azure.mgmt.iothubprovisioningservices.models import (
    CertificateProperties,
    CertificateResponse,
    IotHubDefinitionDescription,
)

from azure_iot_emulator.device_client import HttpsDevice
from azure_iot_emulator.seed import DEFAULT_SUBSCRIPTION
from azure_iot_emulator.testing import (
    AdminClient,
    EmulatorInfo,
    EmulatorProcess,
    client_kwargs,
    management_credential,
)
from tests.azure_iot_emulator.dps_service.conftest import (
    DATA_CONTRIBUTOR,
    DPS_NAME,
    RESOURCE_GROUP,
    credential_of,
    data_principal,
    discovered_host,
    seed_document,
    service_client,
)
from tests.pki import CertifiedKey

HUB = "hub-pop-demo"
HUB_2 = "hub-pop-demo-2"
HUB_SCOPE = (
    f"/subscriptions/{DEFAULT_SUBSCRIPTION}/resourceGroups/{RESOURCE_GROUP}"
    f"/providers/Microsoft.Devices/IotHubs/{HUB}"
)
# Reads HUB's registry and twins with a Microsoft Entra token, and nothing through ARM.
HUB_DATA_READER = data_principal(3, "hub-data-reader", ("IoT Hub Data Reader", HUB_SCOPE))


@dataclass(frozen=True)
class Endpoints:
    """What a fleet team reads from ARM: the DPS's device host and id scope, the hubs' hosts."""

    device_host: str
    id_scope: str
    hub_hosts: dict[str, str]


def dps_arm(info: EmulatorInfo) -> IotDpsClient:
    return IotDpsClient(management_credential(info), info.subscription_id, **client_kwargs(info))


def hub_arm(info: EmulatorInfo) -> IotHubClient:
    return IotHubClient(management_credential(info), info.subscription_id, **client_kwargs(info))


def discover(info: EmulatorInfo) -> Endpoints:
    """``deviceProvisioningHostName``, ``idScope`` and each hub's ``hostName``, through ARM."""
    dps = dps_arm(info).iot_dps_resource.get(DPS_NAME, RESOURCE_GROUP).properties
    hubs = {
        name: hub_arm(info).iot_hub_resource.get(RESOURCE_GROUP, name).properties.host_name
        for name in (HUB, HUB_2)
    }
    assert dps.device_provisioning_host_name and dps.id_scope
    return Endpoints(dps.device_provisioning_host_name, dps.id_scope, hubs)


def hub_connection_string(info: EmulatorInfo, hub: str, host: str) -> str:
    """``iothubowner``'s connection string, its key fetched through ARM listKeys."""
    policy = hub_arm(info).iot_hub_resource.get_keys_for_key_name(
        RESOURCE_GROUP, hub, "iothubowner"
    )
    return (
        f"HostName={host};SharedAccessKeyName={policy.key_name};"
        f"SharedAccessKey={policy.primary_key}"
    )


def link_hubs(info: EmulatorInfo, endpoints: Endpoints, *hubs: str) -> None:
    """Link hubs to the DPS by their connection strings (ARM PUT of the DPS), as the portal does."""
    arm = dps_arm(info)
    dps = arm.iot_dps_resource.get(DPS_NAME, RESOURCE_GROUP)
    dps.properties.iot_hubs = [
        IotHubDefinitionDescription(
            connection_string=hub_connection_string(info, hub, endpoints.hub_hosts[hub]),
            location="westeurope",
        )
        for hub in hubs
    ]
    arm.iot_dps_resource.begin_create_or_update(RESOURCE_GROUP, DPS_NAME, dps).result()


def upload_ca(
    info: EmulatorInfo, name: str, ca: CertifiedKey, verified: bool = True, etag: str | None = None
) -> None:
    """A CA on the DPS, Verified at upload (``isVerified``) unless told otherwise; ``etag``
    replaces an existing one."""
    body = CertificateResponse(
        properties=CertificateProperties(
            certificate=ca.certificate_pem.encode(), is_verified=verified
        )
    )
    match: dict[str, Any] = (
        {"etag": etag, "match_condition": MatchConditions.IfNotModified} if etag else {}
    )
    dps_arm(info).dps_certificate.create_or_update(RESOURCE_GROUP, DPS_NAME, name, body, **match)


def registry_manager(info: EmulatorInfo, hub: str, host: str) -> IoTHubRegistryManager:
    """Microsoft's registry client on the hub's connection string, trusting the emulator's CA."""
    manager = IoTHubRegistryManager.from_connection_string(hub_connection_string(info, hub, host))
    manager.protocol.config.connection.verify = info.ca_bundle
    return manager


def entra_registry_manager(info: EmulatorInfo, host: str, credential: Any) -> IoTHubRegistryManager:
    """Microsoft's registry client on a Microsoft Entra credential (it asks for
    ``https://iothubs.azure.net/.default``), trusting the emulator's CA."""
    manager = IoTHubRegistryManager.from_token_credential(host, credential)
    manager.protocol.config.connection.verify = info.ca_bundle
    return manager


def device(
    info: EmulatorInfo,
    endpoints: Endpoints,
    tmp_path: Path,
    leaf: CertifiedKey,
    *sent: CertifiedKey,
) -> HttpsDevice:
    """A device presenting ``leaf`` and the ``sent`` certificates above it."""
    stem = tmp_path / leaf.certificate.serial_number.to_bytes(20, "big").hex()[:12]
    chain, key = stem.with_suffix(".chain.pem"), stem.with_suffix(".key.pem")
    chain.write_text("".join(c.certificate_pem for c in (leaf, *sent)))
    key.write_text(leaf.private_key_pem)
    return HttpsDevice(endpoints.device_host, endpoints.id_scope, info.ca_bundle, chain, key)


def ca_group(group_id: str, primary: str, **fields: Any) -> dict[str, Any]:
    """An X.509 group on a CA of the DPS, by name."""
    return {
        "enrollmentGroupId": group_id,
        "attestation": {"type": "x509", "x509": {"caReferences": {"primary": primary}}},
        **fields,
    }


@pytest.fixture(scope="module")
def device_emulator(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmulatorInfo]:
    """This module's own emulator, with the DPS data-role principals and a hub Data Reader."""
    state = tmp_path_factory.mktemp("device-api-state")
    seed = state.parent / f"{state.name}-seed.json"
    document = seed_document()
    document["service_principals"].append(HUB_DATA_READER)
    seed.write_text(json.dumps(document))
    process = EmulatorProcess(state, seed=seed)
    yield process.start()
    process.stop()


@pytest.fixture(autouse=True)
def _reset_after(request: pytest.FixtureRequest) -> Iterator[None]:
    """After a test that used this module's emulator, it is reset to its seed's state."""
    if "device_emulator" not in request.fixturenames:
        yield
        return
    info: EmulatorInfo = request.getfixturevalue("device_emulator")
    yield
    AdminClient(info).reset()


@pytest.fixture(scope="module")
def endpoints(device_emulator: EmulatorInfo) -> Endpoints:
    return discover(device_emulator)


@pytest.fixture
def groups(device_emulator: EmulatorInfo) -> Any:
    """Microsoft's DPS service client (Entra token of a Data Contributor), enrollment groups."""
    credential = credential_of(device_emulator, DATA_CONTRIBUTOR["client_id"])
    client: DeviceProvisioningClient = service_client(
        device_emulator, credential, discovered_host(device_emulator)
    )
    return client.enrollment_group
