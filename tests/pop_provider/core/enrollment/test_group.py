"""An enrollment group's local rules (before any call to Azure), its wire body, and reading it
back: what check, diff and refresh share."""

from __future__ import annotations

from typing import Any

import pytest
from pulumi.runtime.rpc import UNKNOWN

from pop_provider.core.enrollment import group as g
from pop_provider.core.enrollment import wire
from pop_provider.core.errors import InvalidInput

SUB = "00000000-0000-0000-0000-0000000000a1"
DPS = (
    f"/subscriptions/{SUB}/resourceGroups/rg/providers/Microsoft.Devices/provisioningServices"
    "/dps-one"
)


def reasons(**props: Any) -> dict[str, str]:
    _settings, problems = g.check_settings({"ca_reference_primary": "root", **props})
    return {p.field: p.reason for p in problems}


def test_defaults_pass_and_fill_in_what_dps_applies() -> None:
    settings, problems = g.check_settings({"ca_reference_primary": "root"})
    assert problems == []
    assert settings["allocation_policy"] == "hashed"
    assert settings["provisioning_status"] == "enabled"
    assert settings["reprovision_update_hub_assignment"] is True
    assert settings["iot_edge"] is False


@pytest.mark.parametrize(
    ("props", "field", "words"),
    [
        ({"allocation_policy": "static"}, "iot_hubs", "exactly one hub"),
        (
            {"allocation_policy": "static", "iot_hubs": ["a.azure-devices.net", "b.x.net"]},
            "iot_hubs",
            "lists 2",
        ),
        (
            {"allocation_policy": "custom"},
            "custom_allocation_webhook_url",
            "set custom_allocation_webhook_url",
        ),
        (
            {"allocation_policy": "custom", "custom_allocation_webhook_url": "https://f"},
            "custom_allocation_api_version",
            "set custom_allocation_api_version",
        ),
        (
            {"allocation_policy": "roundRobin"},
            "allocation_policy",
            "hashed, geoLatency, static, custom",
        ),
        ({"provisioning_status": "paused"}, "provisioning_status", "enabled, disabled"),
        (
            {"custom_allocation_webhook_url": "https://f", "allocation_policy": "hashed"},
            "custom_allocation_webhook_url",
            "only used with",
        ),
        ({"iot_hubs": ["not a host"]}, "iot_hubs", "host name"),
        ({"ca_reference_secondary": "bad name!"}, "ca_reference_secondary", "certificate name"),
        ({"iot_edge": "yes"}, "iot_edge", "true or false"),
        ({"initial_twin_tags": ["a"]}, "initial_twin_tags", "object"),
    ],
)
def test_each_rule_is_one_line_naming_the_input(
    props: dict[str, Any], field: str, words: str
) -> None:
    found = reasons(**props)
    assert field in found, found
    assert words in found[field]
    assert "\n" not in found[field]


def test_primary_is_required_and_unknowns_are_skipped() -> None:
    _s, problems = g.check_settings({})
    assert [p.field for p in problems] == ["ca_reference_primary"]
    # At preview, a name or hub list not known yet is judged at apply.
    assert (
        reasons(ca_reference_primary=UNKNOWN, allocation_policy="static", iot_hubs=[UNKNOWN]) == {}
    )


def test_the_dps_by_id_or_by_name_and_the_import_id() -> None:
    target = g.resolve_dps({"dps_id": DPS}, None)
    assert target.arm_id == DPS
    by_name = g.resolve_dps({"dps_name": "dps-one", "resource_group_name": "rg"}, SUB)
    assert by_name.same_resource(target)
    with pytest.raises(InvalidInput, match="is an IoT hub's id"):
        g.resolve_dps({"dps_id": DPS.replace("provisioningServices/dps-one", "IotHubs/hub")}, None)
    with pytest.raises(InvalidInput, match="not used with dps_id"):
        g.resolve_dps({"dps_id": DPS, "dps_name": "dps-one"}, None)
    with pytest.raises(InvalidInput, match="no DPS given"):
        g.resolve_dps({}, SUB)
    assert g.parse_group_arm_id(f"{DPS}/enrollmentGroups/fleet-2026") == (target, "fleet-2026")
    with pytest.raises(InvalidInput, match="enrollmentGroups/<group id>"):
        g.parse_group_arm_id(f"{DPS}/certificates/root")
    with pytest.raises(InvalidInput, match="1-128 letters"):
        g.parse_group_id({"enrollment_group_id": "no spaces"})


def test_the_body_is_read_back_as_the_same_settings() -> None:
    props = {
        "ca_reference_primary": "root",
        "ca_reference_secondary": "next",
        "allocation_policy": "custom",
        "custom_allocation_webhook_url": "https://f.example/api",
        "custom_allocation_api_version": "2021-10-01",
        "initial_twin_tags": {"fleet": "2026"},
        "initial_twin_desired_properties": {"interval": 5},
        "provisioning_status": "disabled",
        "reprovision_migrate_device_data": False,
        "iot_edge": True,
    }
    settings, problems = g.check_settings(props)
    assert problems == []
    desired = g.DesiredGroup(g.resolve_dps({"dps_id": DPS}, None), "fleet", settings)
    body = wire.wire_body(desired)
    assert body["attestation"] == {
        "type": "x509",
        "x509": {"caReferences": {"primary": "root", "secondary": "next"}},
    }
    assert body["initialTwin"] == {
        "tags": {"fleet": "2026"},
        "properties": {"desired": {"interval": 5}},
    }
    assert wire.remote_settings(body) == settings
    assert g.changed_settings(wire.remote_settings(body), props) == ()


def test_drift_names_the_settings_that_differ() -> None:
    declared = {"ca_reference_primary": "root"}
    refreshed = wire.remote_settings(
        {
            "attestation": {"x509": {"caReferences": {"primary": "root"}}},
            "provisioningStatus": "disabled",
        }
    )
    assert g.changed_settings(refreshed, declared) == ("provisioning_status",)
    # Never set on the service (answered null): the default, no drift.
    unset = wire.remote_settings({"attestation": {"x509": {"caReferences": {"primary": "root"}}}})
    assert g.changed_settings(unset, declared) == ()
