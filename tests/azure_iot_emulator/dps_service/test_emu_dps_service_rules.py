"""The enrollment-group rules and the data roles without HTTP: the backend on a fresh store."""

from __future__ import annotations

import base64
import re
from pathlib import Path

import pytest

from azure_iot_emulator.arm.models import BUILTIN_ROLES, grants
from azure_iot_emulator.dps_service.exceptions import InvalidRequest, PreconditionFailed
from azure_iot_emulator.dps_service.models import DpsInstance, EnrollmentGroupBackend
from azure_iot_emulator.store import Store

DPS = DpsInstance("sub", "rg", "dps", ("hub-a.azure-devices.net",), ("root-2026",))
SCOPE = DPS.arm_id
GROUP = {"attestation": {"type": "x509", "x509": {"caReferences": {"primary": "root-2026"}}}}


@pytest.fixture
def backend(tmp_path: Path) -> EnrollmentGroupBackend:
    return EnrollmentGroupBackend(Store(tmp_path / "state.sqlite3"))


def test_etag_is_a_quoted_cosmos_value_and_changes_on_every_write(backend):
    first = backend.create_or_update(DPS, "g", GROUP, None)
    second = backend.create_or_update(DPS, "g", GROUP, first.etag)
    for etag in (first.etag, second.etag):
        assert re.fullmatch(
            r'"[0-9a-f]{8}-0000-0800-0000-[0-9a-f]{12}"', base64.b64decode(etag).decode()
        )
    assert first.etag != second.etag and first.created == second.created
    with pytest.raises(PreconditionFailed):
        backend.create_or_update(DPS, "g", GROUP, first.etag)
    with pytest.raises(PreconditionFailed):
        backend.create_or_update(DPS, "missing", GROUP, "*")


def test_ca_references_are_checked_only_when_strict(tmp_path: Path):
    unknown = {"attestation": {"type": "x509", "x509": {"caReferences": {"primary": "nope"}}}}
    lenient = EnrollmentGroupBackend(Store(tmp_path / "a.sqlite3"))
    assert lenient.create_or_update(DPS, "g", unknown, None).group_id == "g"
    strict = EnrollmentGroupBackend(Store(tmp_path / "b.sqlite3"), strict_ca_references=True)
    with pytest.raises(InvalidRequest, match="nope not found"):
        strict.create_or_update(DPS, "g", unknown, None)
    assert strict.create_or_update(DPS, "g", GROUP, None).group_id == "g"


@pytest.mark.parametrize(
    "extra",
    [
        {"allocationPolicy": "static"},
        {"allocationPolicy": "static", "iotHubs": []},
        {"allocationPolicy": "custom", "customAllocationDefinition": {"webhookUrl": "https://x"}},
        {"iotHubs": ["hub-b.azure-devices.net"]},
        {"provisioningStatus": "paused"},
        {"allocationPolicy": "roundRobin"},
        {"enrollmentGroupId": "other"},
    ],
)
def test_rules_refuse(backend, extra):
    with pytest.raises(InvalidRequest):
        backend.create_or_update(DPS, "g", {**GROUP, **extra}, None)


def test_ca_references_and_signing_certificates_are_exclusive(backend):
    both = {
        "attestation": {
            "type": "x509",
            "x509": {
                "caReferences": {"primary": "root-2026"},
                "signingCertificates": {"primary": {"certificate": "x"}},
            },
        }
    }
    with pytest.raises(InvalidRequest):
        backend.create_or_update(DPS, "g", both, None)


def test_bulk_update_if_match_etag_and_delete(backend):
    made = backend.create_or_update(DPS, "g", GROUP, None)
    stale = {**GROUP, "enrollmentGroupId": "g", "etag": "stale"}
    assert [e["errorCode"] for e in backend.bulk(DPS, [stale], "updateIfMatchETag")] == [412001]
    fresh = {**GROUP, "enrollmentGroupId": "g", "etag": made.etag}
    assert backend.bulk(DPS, [fresh], "updateIfMatchETag") == []
    assert backend.bulk(DPS, [fresh], "delete") == []
    assert [e["errorCode"] for e in backend.bulk(DPS, [fresh], "delete")] == [404204]
    with pytest.raises(InvalidRequest):
        backend.bulk(DPS, [fresh] * 11, "create")


def test_a_query_pages_by_100_without_a_count_and_caps_a_large_one(backend):
    """150 groups: 100 then 50 without x-ms-max-item-count, 50/50/50 with 50 [rec: the paging
    recording]; a count over the cap gets the cap [guess]; ``select *`` in any case [rec]."""
    for i in range(150):
        backend.create_or_update(DPS, f"g{i:03}", GROUP, None)

    def sizes(max_items: int | None, query: str = "select *") -> list[int]:
        found, token, first = [], None, True
        while first or token:
            first = False
            page, token = backend.query(DPS, query, max_items, token)
            found.append(len(page))
        return found

    assert sizes(None) == [100, 50]
    assert sizes(50, "SELECT * FROM enrollmentGroups") == [50, 50, 50]
    assert sizes(5000, "Select *") == [150]
    page, _ = backend.query(DPS, "select *", None, None)
    assert [g.group_id for g in page][:3] == ["g000", "g001", "g002"]  # creation order
    assert len(backend.every_group(DPS)) == 150


def test_owner_policy_rights_are_the_recorded_three():
    from azure_iot_emulator.dps.models import OWNER_POLICY, policy_declarations

    assert policy_declarations({}) == [
        (OWNER_POLICY, ("ServiceConfig", "EnrollmentWrite", "DeviceConnect"))
    ]


def test_data_roles_grant_data_actions_only():
    roles = BUILTIN_ROLES
    write = "Microsoft.Devices/provisioningServices/enrollmentGroups/write"
    read = "Microsoft.Devices/provisioningServices/enrollmentGroups/read"
    at_dps = [("Device Provisioning Service Data Reader", SCOPE)]
    assert grants(at_dps, roles, read, SCOPE, data=True)
    assert not grants(at_dps, roles, write, SCOPE, data=True)
    contributor = [("Device Provisioning Service Data Contributor", "/subscriptions/sub")]
    assert grants(contributor, roles, write, SCOPE, data=True)  # above the DPS: covers it
    by_id = [("dfce44e4-17b7-4bd1-a6d1-04996ec95633", SCOPE)]
    assert grants(by_id, roles, write, SCOPE, data=True)
    owner = [("Owner", "/subscriptions/sub")]
    assert not grants(owner, roles, read, SCOPE, data=True)  # actions "*" grant no data action
    assert not grants(contributor, roles, "Microsoft.Devices/provisioningServices/write", SCOPE)
