"""The DPS device API against an HTTPS device with a client certificate chain: the matrix of
ref §2.5 item 5. Endpoints are discovered through ARM, groups made with Microsoft's
azure-iot-deviceprovisioning, the hub read with Microsoft's azure-iot-hub."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from azure.core import MatchConditions
from msrest.exceptions import HttpOperationError

from azure_iot_emulator.testing import EmulatorInfo
from tests.azure_iot_emulator.device_api.conftest import (
    HUB,
    HUB_2,
    Endpoints,
    ca_group,
    device,
    dps_arm,
    link_hubs,
    registry_manager,
    upload_ca,
)
from tests.azure_iot_emulator.dps_service.conftest import DPS_NAME, RESOURCE_GROUP
from tests.pki import CertifiedKey, make_ca, make_intermediate_ca, make_leaf


@dataclass(frozen=True)
class Fleet:
    """root (uploaded, Verified, referenced by group "fleet") <- intermediate <- leaf."""

    root: CertifiedKey
    intermediate: CertifiedKey

    def leaf(self, cn: str) -> CertifiedKey:
        return make_leaf(self.intermediate, cn)


@pytest.fixture
def fleet(device_emulator: EmulatorInfo, endpoints: Endpoints, groups: Any) -> Fleet:
    root = make_ca("fleet-root")
    made = Fleet(root, make_intermediate_ca(root, "fleet-intermediate"))
    link_hubs(device_emulator, endpoints, HUB)
    upload_ca(device_emulator, "fleet-root", root)
    groups.create_or_update(
        "fleet",
        ca_group(
            "fleet", "fleet-root", allocationPolicy="static", iotHubs=[endpoints.hub_hosts[HUB]]
        ),
    )
    return made


def refusal(answer: Any) -> dict[str, Any]:
    """The 401 body, checked for the service's error shape."""
    assert answer.status_code == 401, answer.text
    body: dict[str, Any] = answer.json()
    assert set(body) == {"errorCode", "trackingId", "message", "timestampUtc"}
    return body


def test_endpoints_are_data_plane_hosts(endpoints: Endpoints):
    hosts = [endpoints.device_host, *endpoints.hub_hosts.values()]
    assert all(h.startswith("127.0.0.1:") for h in hosts)
    assert len(set(hosts)) == 3
    assert endpoints.id_scope.startswith("0ne")


def test_leaf_intermediate_verified_root_is_assigned_and_in_the_hub(
    device_emulator: EmulatorInfo, endpoints: Endpoints, fleet: Fleet, tmp_path: Path
):
    dev = device(device_emulator, endpoints, tmp_path, fleet.leaf("dev-001"), fleet.intermediate)
    first = dev.register("dev-001")
    assert first.status_code == 202 and first.headers["retry-after"] == "3"
    started = first.json()
    assert started["status"] == "assigning" and set(started) == {"operationId", "status"}
    done = dev.poll("dev-001", started["operationId"])
    assert done.status_code == 200
    operation = done.json()
    assert operation["operationId"] == started["operationId"]
    assert operation["status"] == "assigned"
    state = operation["registrationState"]
    assert state["x509"] == {"enrollmentGroupId": "fleet"}
    assert state["registrationId"] == state["deviceId"] == "dev-001"
    assert state["assignedHub"] == endpoints.hub_hosts[HUB]
    assert (state["status"], state["substatus"]) == ("assigned", "initialAssignment")
    assert state["createdDateTimeUtc"].endswith("Z") and state["etag"]
    assert state["lastUpdatedDateTimeUtc"] >= state["createdDateTimeUtc"]

    registry = registry_manager(device_emulator, HUB, endpoints.hub_hosts[HUB])
    found = registry.get_device("dev-001")
    assert found.device_id == "dev-001" and found.status == "enabled"
    assert found.authentication.type == "certificateAuthority"
    assert found.capabilities.iot_edge is False


def test_the_same_leaf_without_its_intermediate_is_refused(
    device_emulator: EmulatorInfo, endpoints: Endpoints, fleet: Fleet, tmp_path: Path
):
    dev = device(device_emulator, endpoints, tmp_path, fleet.leaf("dev-002"))
    body = refusal(dev.register("dev-002"))
    assert body["errorCode"] == 401002 and body["message"] == "CA certificate not found."


def test_a_leaf_of_another_ca_completes_tls_and_is_refused(
    device_emulator: EmulatorInfo, endpoints: Endpoints, fleet: Fleet, tmp_path: Path
):
    other = make_ca("other-root")
    other_intermediate = make_intermediate_ca(other, "other-intermediate")
    leaf = make_leaf(other_intermediate, "dev-003")
    dev = device(device_emulator, endpoints, tmp_path, leaf, other_intermediate, other)
    assert refusal(dev.register("dev-003"))["errorCode"] == 401002


def test_a_disabled_group_refuses(
    device_emulator: EmulatorInfo, endpoints: Endpoints, fleet: Fleet, groups: Any, tmp_path: Path
):
    group = groups.get("fleet")
    group["provisioningStatus"] = "disabled"
    groups.create_or_update("fleet", group, if_match=group["etag"])
    dev = device(device_emulator, endpoints, tmp_path, fleet.leaf("dev-004"), fleet.intermediate)
    operation = dev.provision("dev-004")
    assert operation["status"] == "disabled"
    assert operation["registrationState"]["status"] == "disabled"
    assert "assignedHub" not in operation["registrationState"]
    registry = registry_manager(device_emulator, HUB, endpoints.hub_hosts[HUB])
    with pytest.raises(HttpOperationError) as missing:
        registry.get_device("dev-004")
    assert missing.value.response.status_code == 404


def test_the_ca_deleted_or_unverified_after_the_group_was_made(
    device_emulator: EmulatorInfo, endpoints: Endpoints, fleet: Fleet, tmp_path: Path
):
    dev = device(device_emulator, endpoints, tmp_path, fleet.leaf("dev-005"), fleet.intermediate)
    assert dev.provision("dev-005")["status"] == "assigned"
    arm = dps_arm(device_emulator)
    etag = arm.dps_certificate.get("fleet-root", RESOURCE_GROUP, DPS_NAME).etag
    upload_ca(device_emulator, "fleet-root", fleet.root, verified=False, etag=etag)
    assert refusal(dev.register("dev-005"))["errorCode"] == 401002
    etag = arm.dps_certificate.get("fleet-root", RESOURCE_GROUP, DPS_NAME).etag
    assert etag is not None
    arm.dps_certificate.delete(
        RESOURCE_GROUP,
        DPS_NAME,
        "fleet-root",
        etag=etag,
        match_condition=MatchConditions.IfNotModified,
    )
    assert refusal(dev.register("dev-005"))["errorCode"] == 401002


def test_a_leaf_whose_cn_is_not_the_registration_id_is_refused(
    device_emulator: EmulatorInfo, endpoints: Endpoints, fleet: Fleet, tmp_path: Path
):
    dev = device(device_emulator, endpoints, tmp_path, fleet.leaf("dev-006"), fleet.intermediate)
    body = refusal(dev.register("someone-else"))
    assert body["errorCode"] == 401002 and "dev-006" in body["message"]


def test_a_group_on_the_intermediate_decides_before_the_root(
    device_emulator: EmulatorInfo, endpoints: Endpoints, fleet: Fleet, groups: Any, tmp_path: Path
):
    """The first intermediate's group wins [doc]; disabled there blocks the root's group."""
    upload_ca(device_emulator, "fleet-intermediate", fleet.intermediate, verified=False)
    groups.create_or_update(
        "line-7", ca_group("line-7", "fleet-intermediate", provisioningStatus="disabled")
    )
    dev = device(device_emulator, endpoints, tmp_path, fleet.leaf("dev-007"), fleet.intermediate)
    operation = dev.provision("dev-007")
    assert operation["status"] == "disabled"
    assert operation["registrationState"]["x509"] == {"enrollmentGroupId": "line-7"}


def test_hashed_allocation_is_deterministic_and_custom_is_refused(
    device_emulator: EmulatorInfo, endpoints: Endpoints, fleet: Fleet, groups: Any, tmp_path: Path
):
    link_hubs(device_emulator, endpoints, HUB, HUB_2)
    two = [endpoints.hub_hosts[HUB], endpoints.hub_hosts[HUB_2]]
    groups.create_or_update(
        "fleet", ca_group("fleet", "fleet-root", allocationPolicy="hashed", iotHubs=two)
    )
    picked = set()
    for n in range(8):
        name = f"hashed-{n}"
        dev = device(device_emulator, endpoints, tmp_path, fleet.leaf(name), fleet.intermediate)
        first = dev.provision(name)["registrationState"]["assignedHub"]
        again = dev.provision(name)["registrationState"]["assignedHub"]
        assert first == again and first in two
        picked.add(first)
    assert picked == set(two)  # 8 ids over 2 hubs: both used (true of these names)

    groups.create_or_update(
        "fleet",
        ca_group(
            "fleet",
            "fleet-root",
            allocationPolicy="custom",
            customAllocationDefinition={
                "webhookUrl": "https://x.invalid/f",
                "apiVersion": "2021-10-01",
            },
        ),
    )
    dev = device(device_emulator, endpoints, tmp_path, fleet.leaf("custom-1"), fleet.intermediate)
    refused = dev.register("custom-1")
    assert refused.status_code == 400 and refused.json()["errorCode"] == 400208
