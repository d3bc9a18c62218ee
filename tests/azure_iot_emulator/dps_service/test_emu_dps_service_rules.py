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
    assert [e["errorCode"] for e in backend.bulk(DPS, [stale], "updateIfMatchETag")] == [412002]
    fresh = {**GROUP, "enrollmentGroupId": "g", "etag": made.etag}
    assert backend.bulk(DPS, [fresh], "updateIfMatchETag") == []
    assert backend.bulk(DPS, [fresh], "delete") == []
    assert [e["errorCode"] for e in backend.bulk(DPS, [fresh], "delete")] == [404202]
    with pytest.raises(InvalidRequest):
        backend.bulk(DPS, [fresh] * 11, "create")


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
