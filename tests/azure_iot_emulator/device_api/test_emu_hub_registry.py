"""A hub's registry API at the ``hostName`` its ARM resource reports, its keys through ARM
listKeys, and what survives a restart (devices, ports)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import requests
from azure.iot.hub import IoTHubRegistryManager  # type: ignore[import-untyped]
from msrest.exceptions import HttpOperationError

from azure_iot_emulator.testing import EmulatorInfo, EmulatorProcess
from tests.azure_iot_emulator.device_api.conftest import (
    HUB,
    Endpoints,
    ca_group,
    device,
    discover,
    hub_arm,
    link_hubs,
    registry_manager,
    upload_ca,
)
from tests.azure_iot_emulator.dps_service.conftest import (
    DATA_CONTRIBUTOR,
    RESOURCE_GROUP,
    credential_of,
    discovered_host,
    seed_document,
    service_client,
)
from tests.pki import make_ca, make_intermediate_ca, make_leaf


def test_list_keys_gives_the_five_default_policies(device_emulator: EmulatorInfo):
    arm = hub_arm(device_emulator)
    policies = {p.key_name: p for p in arm.iot_hub_resource.list_keys(RESOURCE_GROUP, HUB)}
    assert list(policies) == [
        "iothubowner",
        "service",
        "device",
        "registryRead",
        "registryReadWrite",
    ]
    owner = arm.iot_hub_resource.get_keys_for_key_name(RESOURCE_GROUP, HUB, "iothubowner")
    assert owner.primary_key == policies["iothubowner"].primary_key
    assert owner.primary_key != owner.secondary_key


def test_an_unknown_device_is_404_in_the_hubs_error_shape(
    device_emulator: EmulatorInfo, endpoints: Endpoints
):
    registry = registry_manager(device_emulator, HUB, endpoints.hub_hosts[HUB])
    with pytest.raises(HttpOperationError) as missing:
        registry.get_device("nobody")
    answer = missing.value.response
    assert answer.status_code == 404
    body = answer.json()
    assert body["Message"] == "ErrorCode:DeviceNotFound;nobody"
    assert body["ExceptionMessage"].startswith("Tracking ID:")
    assert answer.headers["iothub-errorcode"] == "DeviceNotFound"


def test_a_wrong_key_or_no_key_is_401(device_emulator: EmulatorInfo, endpoints: Endpoints):
    host = endpoints.hub_hosts[HUB]
    anonymous = requests.get(
        f"https://{host}/devices/x",
        params={"api-version": "2021-04-12"},
        verify=device_emulator.ca_bundle,
        timeout=30,
    )
    assert anonymous.status_code == 401
    assert anonymous.json()["Message"].startswith("ErrorCode:IotHubUnauthorizedAccess;")
    registry = IoTHubRegistryManager.from_connection_string(
        f"HostName={host};SharedAccessKeyName=iothubowner;SharedAccessKey=d3Jvbmcta2V5"
    )
    registry.protocol.config.connection.verify = device_emulator.ca_bundle
    with pytest.raises(HttpOperationError) as refused:
        registry.get_device("x")
    assert refused.value.response.status_code == 401


def test_devices_ports_and_registrations_survive_a_restart(tmp_path: Path):
    state, seed = tmp_path / "state", tmp_path / "seed.json"
    seed.write_text(json.dumps(seed_document()))
    root = make_ca("kept-root")
    intermediate = make_intermediate_ca(root, "kept-intermediate")
    leaf = make_leaf(intermediate, "kept-001")
    with EmulatorProcess(state, seed=seed) as first:
        info = first.info
        endpoints = discover(info)
        link_hubs(info, endpoints, HUB)
        upload_ca(info, "kept-root", root)
        credential = credential_of(info, DATA_CONTRIBUTOR["client_id"])
        service_client(info, credential, discovered_host(info)).enrollment_group.create_or_update(
            "kept", ca_group("kept", "kept-root", initialTwin={"tags": {"kept": True}})
        )
        dev = device(info, endpoints, tmp_path, leaf, intermediate)
        operation = dev.provision("kept-001")
        assert operation["registrationState"]["assignedHub"] == endpoints.hub_hosts[HUB]
    ports = json.loads((state / "dataplane.json").read_text())["ports"]
    assert ports["device/global"] == int(endpoints.device_host.rpartition(":")[2])
    assert ports[f"iothub/{HUB}"] == int(endpoints.hub_hosts[HUB].rpartition(":")[2])
    with EmulatorProcess(state, seed=seed) as second:
        info = second.info
        assert discover(info) == endpoints
        registry = registry_manager(info, HUB, endpoints.hub_hosts[HUB])
        assert registry.get_device("kept-001").authentication.type == "certificateAuthority"
        assert registry.get_twin("kept-001").tags == {"kept": True}
        again = dev.poll("kept-001", operation["operationId"]).json()
        assert again == operation
