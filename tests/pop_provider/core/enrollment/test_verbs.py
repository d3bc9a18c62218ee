"""The EnrollmentGroup verbs on a fake DPS service: checks before any call, the two checks that
read ARM, create that never takes a group over, update and delete with If-Match, refresh and
import."""

from __future__ import annotations

from typing import Any

import pytest
from pulumi.runtime.rpc import UNKNOWN

from pop_provider import failures
from pop_provider.core.connection import ConnectionSettings
from pop_provider.core.enrollment.verbs import EnrollmentGroupVerbs
from pop_provider.core.ownership import Declaration, Declarations
from pop_provider.core.runtime import Runtime
from tests.pop_provider.core.enrollment.fakes import FakeCertificates, FakeServices, certificate

SUB = "00000000-0000-0000-0000-0000000000a1"
DPS = (
    f"/subscriptions/{SUB}/resourceGroups/rg/providers/Microsoft.Devices/provisioningServices"
    "/dps-one"
)
GROUP_ID = f"{DPS}/enrollmentGroups/fleet"


def verbs_with(
    services: FakeServices, declared: Declarations | None = None
) -> EnrollmentGroupVerbs:
    verbs = EnrollmentGroupVerbs(declared or Declarations())
    runtime = Runtime(ConnectionSettings(default_subscription_id=SUB))
    listing: Any = FakeCertificates(services)
    runtime.clients.certificates = lambda _target: listing  # type: ignore[method-assign,assignment]
    verbs._runtime = runtime
    verbs._services = services  # type: ignore[assignment]
    verbs._services_of = runtime
    return verbs


def news(**overrides: Any) -> dict[str, Any]:
    props = {
        "dps_id": DPS,
        "enrollment_group_id": "fleet",
        "ca_reference_primary": "root",
        "name_prefix": "fleet",
    }
    props.update(overrides)
    return {k: v for k, v in props.items() if v is not None}


def declare_root(declared: Declarations, name: str = "root") -> None:
    declared.add(
        Declaration(
            owner="rootCa",
            target_id=DPS,
            target_label="DPS 'dps-one'",
            thumbprint="AB",
            certificate_name=name,
        )
    )


def test_local_failures_make_no_call() -> None:
    services = FakeServices()
    result = verbs_with(services).check(
        {}, news(allocation_policy="static", provisioning_status="off")
    )
    assert {f.property for f in result.failures} == {"iot_hubs", "provisioning_status"}
    assert sum(services.calls.values()) == 0


def test_a_declared_reference_needs_no_lookup_an_undeclared_one_must_be_verified() -> None:
    declared = Declarations()
    declare_root(declared)
    services = FakeServices(certificates=[certificate("old", verified=False)])
    verbs = verbs_with(services, declared)
    assert verbs.check({}, news()).failures == []
    assert sum(services.calls.values()) == 0
    unverified = verbs.check({}, news(ca_reference_secondary="old")).failures
    assert [f.property for f in unverified] == ["ca_reference_secondary"]
    assert "not Verified" in unverified[0].reason
    missing = verbs.check({}, news(ca_reference_primary="nowhere")).failures
    assert "names no CA certificate of DPS 'dps-one' (it holds: old)" in missing[0].reason
    assert services.calls["certificates_list"] == 2
    # Unknown at preview: skipped.
    assert verbs.check({}, news(ca_reference_primary=UNKNOWN)).failures == []


def test_hubs_must_be_linked_to_the_dps() -> None:
    declared = Declarations()
    declare_root(declared)
    services = FakeServices()
    verbs = verbs_with(services, declared)
    ok = verbs.check({}, news(allocation_policy="static", iot_hubs=["hub-one.azure-devices.net"]))
    assert ok.failures == []
    bad = verbs.check({}, news(iot_hubs=["hub-two.azure-devices.net"]))
    assert [f.property for f in bad.failures] == ["iot_hubs"]
    assert (
        "not linked to DPS 'dps-one' (linked: hub-one.azure-devices.net)" in bad.failures[0].reason
    )


def test_one_owner_per_group_id_per_dps() -> None:
    declared = Declarations()
    declare_root(declared)
    verbs = verbs_with(FakeServices(), declared)
    assert verbs.check({}, news()).failures == []
    (conflict,) = verbs.check({}, news(name_prefix="copy")).failures
    assert "resources 'fleet' and 'copy' both declare enrollment group 'fleet'" in conflict.reason


def test_create_refuses_an_existing_group_and_names_the_import() -> None:
    services = FakeServices()
    verbs = verbs_with(services)
    checked = verbs.check({}, news()).inputs
    id_, outs = verbs.create(checked)
    assert id_ == GROUP_ID
    assert outs["etag"] and outs["created_date_time_utc"]
    stored = services.groups(verbs_target()).stored["fleet"]
    assert stored["attestation"]["x509"]["caReferences"] == {"primary": "root"}
    with pytest.raises(failures.EnrollmentGroupExists) as taken:
        verbs_with(services).create(checked)
    assert f"pulumi import pop:index:EnrollmentGroup <name> {GROUP_ID}" in str(taken.value)


def verbs_target() -> Any:
    from pop_provider.core.enrollment.group import resolve_dps

    return resolve_dps({"dps_id": DPS}, None)


def test_drift_refreshed_then_repaired_in_place_with_if_match() -> None:
    services = FakeServices()
    verbs = verbs_with(services)
    checked = verbs.check({}, news()).inputs
    _id, outs = verbs.create(checked)
    assert not verbs.diff(outs, checked).changes
    groups = services.groups(verbs_target())
    groups.stored["fleet"]["provisioningStatus"] = "disabled"  # out of band
    groups.stored["fleet"]["etag"] = "changed"
    refreshed = verbs.read(GROUP_ID, outs)
    diff = verbs.diff(refreshed.outputs, checked)
    assert diff.changes and diff.updates == ("provisioning_status",) and not diff.replaces
    repaired = verbs.update(refreshed.outputs, checked)
    assert groups.stored["fleet"]["provisioningStatus"] == "enabled"
    assert repaired["etag"] == groups.stored["fleet"]["etag"]


def test_a_stale_etag_is_reread_and_reported_never_overwritten() -> None:
    services = FakeServices()
    verbs = verbs_with(services)
    checked = verbs.check({}, news()).inputs
    _id, outs = verbs.create(checked)
    services.groups(verbs_target()).stored["fleet"]["etag"] = "someone-else"
    with pytest.raises(failures.ChangedOutOfBand, match="pulumi up --refresh") as stale:
        verbs.update(outs, {**checked, "provisioning_status": "disabled"})
    assert "it holds etag someone-else" in str(stale.value)
    assert services.groups(verbs_target()).stored["fleet"].get("provisioningStatus") == "enabled"


def test_delete_with_if_match_and_gone_is_success() -> None:
    services = FakeServices()
    verbs = verbs_with(services)
    _id, outs = verbs.create(verbs.check({}, news()).inputs)
    verbs.delete(GROUP_ID, outs)
    assert services.groups(verbs_target()).stored == {}
    verbs.delete(GROUP_ID, outs)  # already gone
    assert verbs.read(GROUP_ID, outs).id == ""


def test_another_dps_or_group_id_replaces() -> None:
    verbs = verbs_with(FakeServices())
    olds = {**news(), "target_id": DPS}
    assert verbs.diff(olds, {**olds, "enrollment_group_id": "other"}).replaces == (
        "enrollment_group_id",
    )
    other = DPS.replace("dps-one", "dps-two")
    assert verbs.diff(olds, {**olds, "target_id": other}).replaces == ("target_id",)


def test_import_declares_the_dps_the_id_and_what_differs_from_defaults() -> None:
    services = FakeServices()
    verbs = verbs_with(services)
    verbs.create(verbs.check({}, news(iot_edge=True)).inputs)
    found = verbs.read(GROUP_ID, {})
    assert found.id == GROUP_ID
    assert found.inputs == {
        "dps_id": DPS,
        "enrollment_group_id": "fleet",
        "ca_reference_primary": "root",
        "iot_edge": True,
    }
    services.groups(verbs_target()).stored["fleet"]["attestation"] = {"type": "symmetricKey"}
    with pytest.raises(failures.InputError, match="does not reference CA certificates"):
        verbs.read(GROUP_ID, {})
