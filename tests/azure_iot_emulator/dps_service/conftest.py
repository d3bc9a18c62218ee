"""Fixtures for the DPS service API tests: one emulator per test module, seeded with principals
that hold the DPS data roles, and Microsoft's own DPS service client pointed at the host the
ARM DPS resource reports (discovered as a client would)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from azure.core.credentials import AccessToken, AzureNamedKeyCredential
from azure.identity import ClientSecretCredential
from azure.iot.deviceprovisioning import DeviceProvisioningClient
from azure.mgmt.iothubprovisioningservices import IotDpsClient

from azure_iot_emulator.seed import DEFAULT_SUBSCRIPTION, DEFAULT_TENANT, default_seed_document
from azure_iot_emulator.testing import (
    AdminClient,
    EmulatorInfo,
    EmulatorProcess,
    client_kwargs,
    management_credential,
)

DPS_NAME = "dps-pop-demo"
RESOURCE_GROUP = "rg-pop-demo"
DPS_SCOPE = (
    f"/subscriptions/{DEFAULT_SUBSCRIPTION}/resourceGroups/{RESOURCE_GROUP}"
    f"/providers/Microsoft.Devices/provisioningServices/{DPS_NAME}"
)
# Principals added to the default seed (indexes in the announcement's credentials: 0-2 are the
# default seed's Contributor, other-RG Contributor and Reader).


def data_principal(n: int, name: str, *assignments: tuple[str, str]) -> dict[str, Any]:
    """A seeded principal `sp-<name>` (client id ending in d<n>) with these (role, scope)."""
    return {
        "tenant_id": DEFAULT_TENANT,
        "client_id": f"c0ffee00-0000-4000-8000-0000000000d{n}",
        "client_secret": f"emulator-secret-{name}",
        "display_name": f"sp-{name}",
        "role_assignments": [{"role": role, "scope": scope} for role, scope in assignments],
    }


SUBSCRIPTION_READER = ("Reader", f"/subscriptions/{DEFAULT_SUBSCRIPTION}")
DATA_CONTRIBUTOR = data_principal(
    1,
    "dps-data-contributor",
    SUBSCRIPTION_READER,
    ("Device Provisioning Service Data Contributor", DPS_SCOPE),
)
DATA_READER = data_principal(
    2,
    "dps-data-reader",
    SUBSCRIPTION_READER,
    ("Device Provisioning Service Data Reader", DPS_SCOPE),
)


class ArmScopedCredential:
    """Hands out ARM tokens whatever scope is asked: a token for the wrong audience."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner

    def get_token(self, *scopes: str, **kwargs: Any) -> AccessToken:
        token: AccessToken = self.inner.get_token("https://management.azure.com/.default")
        return token


def seed_document() -> dict[str, Any]:
    """The default seed plus the two data-role principals."""
    document = default_seed_document()
    document["service_principals"] += [DATA_CONTRIBUTOR, DATA_READER]
    return document


def credential_of(info: EmulatorInfo, client_id: str) -> ClientSecretCredential:
    """A ClientSecretCredential for a seeded principal, against the emulator's authority."""
    index = next(i for i, c in enumerate(info.credentials) if c["client_id"] == client_id)
    return management_credential(info, index)  # type: ignore[return-value]


def discovered_host(info: EmulatorInfo, dps: str = DPS_NAME) -> str:
    """``serviceOperationsHostName`` read through ARM, as a client finds the service API."""
    arm = IotDpsClient(management_credential(info), info.subscription_id, **client_kwargs(info))
    host = arm.iot_dps_resource.get(dps, RESOURCE_GROUP).properties.service_operations_host_name
    assert host is not None
    return host


def service_client(info: EmulatorInfo, credential: Any, host: str) -> DeviceProvisioningClient:
    """Microsoft's client, unchanged: endpoint ``https://<host>``, the emulator's CA."""
    return DeviceProvisioningClient(
        f"https://{host}", credential, connection_verify=info.ca_bundle, retry_total=0
    )


def owner_key(info: EmulatorInfo, dps: str = DPS_NAME) -> AzureNamedKeyCredential:
    """The ``provisioningserviceowner`` policy's key, fetched through ARM listKeys."""
    arm = IotDpsClient(management_credential(info), info.subscription_id, **client_kwargs(info))
    policy = arm.iot_dps_resource.list_keys_for_key_name(
        dps, "provisioningserviceowner", RESOURCE_GROUP
    )
    assert policy.key_name and policy.primary_key
    return AzureNamedKeyCredential(policy.key_name, policy.primary_key)


def module_emulator(tmp_path_factory: pytest.TempPathFactory, name: str) -> Iterator[EmulatorInfo]:
    """A test module's own emulator, seeded with the data-role principals (a fixture's body)."""
    state = tmp_path_factory.mktemp(name)
    seed = state.parent / f"{state.name}-seed.json"
    seed.write_text(json.dumps(seed_document()))
    process = EmulatorProcess(state, seed=Path(seed))
    info = process.start()
    yield info
    process.stop()


@pytest.fixture(scope="module")
def dps_emulator(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmulatorInfo]:
    """This module's own emulator, with the data-role principals."""
    yield from module_emulator(tmp_path_factory, "dps-service-state")


@pytest.fixture(scope="module")
def dps_admin(dps_emulator: EmulatorInfo) -> AdminClient:
    return AdminClient(dps_emulator)


@pytest.fixture(autouse=True)
def _reset_after(request: pytest.FixtureRequest) -> Iterator[None]:
    """After a test that used this module's emulator, it is reset to its seed's state."""
    if "dps_emulator" not in request.fixturenames:
        yield
        return
    admin: AdminClient = request.getfixturevalue("dps_admin")
    yield
    admin.reset()


@pytest.fixture(scope="module")
def service_host(dps_emulator: EmulatorInfo) -> str:
    return discovered_host(dps_emulator)


@pytest.fixture(scope="module")
def contributor(dps_emulator: EmulatorInfo, service_host: str) -> DeviceProvisioningClient:
    """Entra token of a Data Contributor."""
    credential = credential_of(dps_emulator, DATA_CONTRIBUTOR["client_id"])
    return service_client(dps_emulator, credential, service_host)
