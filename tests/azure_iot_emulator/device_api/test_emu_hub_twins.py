"""A hub's registry read with Microsoft's azure-iot-hub 2.7.0, unchanged, after DPS provisioned
two devices from an enrollment group with an initial twin: devices, twins, the twin query page by
page, statistics; by a Microsoft Entra token of an IoT Hub Data Reader and by iothubowner's key;
and who is refused."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import requests
from azure.iot.hub.models import QuerySpecification  # type: ignore[import-untyped]
from msrest.exceptions import HttpOperationError

from azure_iot_emulator.arm.models import BUILTIN_ROLES, grants
from azure_iot_emulator.hub_registry.exceptions import QueryNotEmulated
from azure_iot_emulator.hub_registry.models import twin_query_filter
from azure_iot_emulator.testing import EmulatorInfo
from tests.azure_iot_emulator.device_api.conftest import (
    HUB,
    HUB_DATA_READER,
    HUB_SCOPE,
    Endpoints,
    ca_group,
    device,
    entra_registry_manager,
    link_hubs,
    registry_manager,
    upload_ca,
)
from tests.azure_iot_emulator.dps_service.conftest import ArmScopedCredential, credential_of
from tests.pki import make_ca, make_intermediate_ca, make_leaf

ARM_CONTRIBUTOR = "c0ffee00-0000-4000-8000-000000000001"  # Contributor, no data role
INITIAL_TWIN = {
    "tags": {"fleet": "pumps", "site": {"building": "43"}},
    "properties": {"desired": {"telemetry": {"intervalS": 60}, "mode": "eco"}},
}
ALL = QuerySpecification(query="SELECT * FROM devices")


def refused(call: Any) -> tuple[int, str]:
    """The status and the hub's ``ErrorCode`` of a refused client call."""
    with pytest.raises(HttpOperationError) as error:
        call()
    answer = error.value.response
    return answer.status_code, answer.json()["Message"].partition(";")[0]


@pytest.fixture
def provisioned(
    device_emulator: EmulatorInfo, endpoints: Endpoints, groups: Any, tmp_path: Path
) -> list[str]:
    """dev-a and dev-b provisioned into HUB through a group carrying INITIAL_TWIN."""
    root = make_ca("twin-root")
    intermediate = make_intermediate_ca(root, "twin-intermediate")
    link_hubs(device_emulator, endpoints, HUB)
    upload_ca(device_emulator, "twin-root", root)
    groups.create_or_update(
        "pumps",
        ca_group(
            "pumps",
            "twin-root",
            allocationPolicy="static",
            iotHubs=[endpoints.hub_hosts[HUB]],
            initialTwin=INITIAL_TWIN,
        ),
    )
    names = ["dev-a", "dev-b"]
    for name in names:
        dev = device(
            device_emulator, endpoints, tmp_path, make_leaf(intermediate, name), intermediate
        )
        assert dev.provision(name)["status"] == "assigned"
    return names


def test_a_data_reader_reads_devices_twins_queries_and_statistics(
    device_emulator: EmulatorInfo, endpoints: Endpoints, provisioned: list[str]
):
    host = endpoints.hub_hosts[HUB]
    reader = credential_of(device_emulator, HUB_DATA_READER["client_id"])
    for registry in (
        entra_registry_manager(device_emulator, host, reader),
        registry_manager(device_emulator, HUB, host),
    ):
        assert registry.get_device("dev-a").authentication.type == "certificateAuthority"
        assert [d.device_id for d in registry.get_devices()] == provisioned
        assert [d.device_id for d in registry.get_devices(max_number_of_devices=1)] == ["dev-a"]
        assert registry.get_modules("dev-a") == []

        twin = registry.get_twin("dev-b")
        assert (twin.device_id, twin.status, twin.connection_state) == (
            "dev-b",
            "enabled",
            "Disconnected",
        )
        assert twin.authentication_type == "certificateAuthority"
        assert twin.capabilities.iot_edge is False
        assert twin.tags == INITIAL_TWIN["tags"]
        desired = twin.properties.desired
        assert {k: v for k, v in desired.items() if not k.startswith("$")} == {
            "telemetry": {"intervalS": 60},
            "mode": "eco",
        }
        assert desired["$version"] == 2
        assert desired["$metadata"]["telemetry"]["intervalS"]["$lastUpdatedVersion"] == 2
        assert twin.properties.reported["$version"] == 1
        assert (twin.version, twin.etag) == (3, "AAAAAAAAAAI=")
        assert twin.device_etag == registry.get_device("dev-b").etag

        first = registry.query_iot_hub(ALL, max_item_count=1)
        assert first.type == "twin" and first.continuation_token
        assert [t.device_id for t in first.items] == ["dev-a"]
        second = registry.query_iot_hub(ALL, first.continuation_token, 1)
        assert [t.device_id for t in second.items] == ["dev-b"]
        assert second.continuation_token is None
        everything = registry.query_iot_hub(ALL)
        assert [t.tags["fleet"] for t in everything.items] == ["pumps", "pumps"]
        one = registry.query_iot_hub(
            QuerySpecification(query="select * from devices where deviceId = 'dev-b'")
        )
        assert [t.device_id for t in one.items] == ["dev-b"]

        statistics = registry.get_device_registry_statistics()
        assert (
            statistics.total_device_count,
            statistics.enabled_device_count,
            statistics.disabled_device_count,
        ) == (2, 2, 0)
        assert registry.get_service_statistics().connected_device_count == 0


def test_who_is_refused(device_emulator: EmulatorInfo, endpoints: Endpoints):
    host = endpoints.hub_hosts[HUB]
    no_role = entra_registry_manager(
        device_emulator, host, credential_of(device_emulator, ARM_CONTRIBUTOR)
    )
    assert refused(lambda: no_role.get_twin("dev-a")) == (401, "ErrorCode:IotHubUnauthorized")
    arm_token = entra_registry_manager(
        device_emulator,
        host,
        ArmScopedCredential(credential_of(device_emulator, HUB_DATA_READER["client_id"])),
    )
    assert refused(lambda: arm_token.get_devices()) == (401, "ErrorCode:IotHubUnauthorizedAccess")
    owner = registry_manager(device_emulator, HUB, host)
    unsupported = QuerySpecification(query="SELECT deviceId FROM devices WHERE status = 'enabled'")
    assert refused(lambda: owner.query_iot_hub(unsupported)) == (400, "ErrorCode:ArgumentInvalid")
    anonymous = requests.post(
        f"https://{host}/devices/query",
        params={"api-version": "2021-04-12"},
        json={"query": "SELECT * FROM devices"},
        verify=device_emulator.ca_bundle,
        timeout=30,
    )
    assert anonymous.status_code == 401


@pytest.mark.parametrize(
    "role,granted",
    [
        ("IoT Hub Data Reader", {"devices/read", "twins/read", "statistics/read"}),
        ("IoT Hub Registry Contributor", {"devices/read", "devices/write"}),
        ("IoT Hub Twin Contributor", {"twins/read"}),
        (
            "4fc6c259-987e-4a07-842e-c321cc9d413f",
            {"devices/read", "twins/read", "statistics/read", "devices/write"},
        ),
        ("Contributor", set()),
    ],
)
def test_hub_data_roles_grant_their_data_actions(role: str, granted: set[str]):
    for action in ("devices/read", "twins/read", "statistics/read", "devices/write"):
        allowed = grants(
            [(role, HUB_SCOPE)],
            BUILTIN_ROLES,
            f"Microsoft.Devices/IotHubs/{action}",
            HUB_SCOPE,
            True,
        )
        assert allowed is (action in granted), action


def test_only_every_twin_or_one_by_id_is_queried():
    assert twin_query_filter("SELECT * FROM devices") is None
    assert twin_query_filter("  select *  from DEVICES where deviceId='dev-1' ") == "dev-1"
    assert twin_query_filter('SELECT * FROM devices WHERE deviceId = "dev-2"') == "dev-2"
    for other in ("SELECT * FROM devices.modules", "SELECT deviceId FROM devices", "", None):
        with pytest.raises(QueryNotEmulated):
            twin_query_filter(other)
