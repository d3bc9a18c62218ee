"""An enrollment group on the wire: the DPS service API's `EnrollmentGroup` body built from the
checked settings, and a group the DPS reports read back into them (and its etag and times)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pop_provider.core.declaration import AllocationPolicy
from pop_provider.core.enrollment.group import (
    ALLOCATION,
    CREATED,
    ETAG,
    IOT_EDGE,
    IOT_HUBS,
    MIGRATE_DATA,
    PRIMARY,
    SECONDARY,
    STATUS,
    TWIN_DESIRED,
    TWIN_TAGS,
    UPDATE_HUB,
    UPDATED,
    WEBHOOK_API_VERSION,
    WEBHOOK_URL,
    DesiredGroup,
    normalized,
)


def wire_body(desired: DesiredGroup) -> dict[str, Any]:
    """The DPS service API's `EnrollmentGroup`, every setting explicit (as the az CLI sends
    it), so that what DPS reports back compares equal to what was declared."""
    s = desired.settings
    references = {"primary": s[PRIMARY]}
    if s[SECONDARY]:
        references["secondary"] = s[SECONDARY]
    body: dict[str, Any] = {
        "enrollmentGroupId": desired.group_id,
        "attestation": {"type": "x509", "x509": {"caReferences": references}},
        "capabilities": {"iotEdge": s[IOT_EDGE]},
        "provisioningStatus": s[STATUS],
        "reprovisionPolicy": {
            "updateHubAssignment": s[UPDATE_HUB],
            "migrateDeviceData": s[MIGRATE_DATA],
        },
        "allocationPolicy": s[ALLOCATION],
    }
    if s[IOT_HUBS]:
        body["iotHubs"] = list(s[IOT_HUBS])
    if s[ALLOCATION] == AllocationPolicy.CUSTOM.value:
        body["customAllocationDefinition"] = {
            "webhookUrl": s[WEBHOOK_URL],
            "apiVersion": s[WEBHOOK_API_VERSION],
        }
    if s[TWIN_TAGS] or s[TWIN_DESIRED]:
        body["initialTwin"] = {"tags": s[TWIN_TAGS], "properties": {"desired": s[TWIN_DESIRED]}}
    return body


def remote_settings(group: Mapping[str, Any]) -> dict[str, Any]:
    """The settings a group on the DPS holds, named as the declaration names them; a group
    whose attestation is not CA references (changed out of band) reads as referencing none."""
    x509 = ((group.get("attestation") or {}).get("x509") or {}).get("caReferences") or {}
    custom = group.get("customAllocationDefinition") or {}
    twin = group.get("initialTwin") or {}
    reprovision = group.get("reprovisionPolicy") or {}
    return normalized(
        {
            PRIMARY: x509.get("primary"),
            SECONDARY: x509.get("secondary"),
            ALLOCATION: group.get("allocationPolicy"),
            IOT_HUBS: group.get("iotHubs"),
            WEBHOOK_URL: custom.get("webhookUrl"),
            WEBHOOK_API_VERSION: custom.get("apiVersion"),
            TWIN_TAGS: twin.get("tags"),
            TWIN_DESIRED: (twin.get("properties") or {}).get("desired"),
            STATUS: group.get("provisioningStatus"),
            UPDATE_HUB: reprovision.get("updateHubAssignment"),
            MIGRATE_DATA: reprovision.get("migrateDeviceData"),
            IOT_EDGE: (group.get("capabilities") or {}).get("iotEdge"),
        }
    )


def remote_outputs(group: Mapping[str, Any]) -> dict[str, Any]:
    """What DPS reports beside the settings: the etag and the times."""
    return {
        ETAG: str(group.get("etag") or ""),
        CREATED: str(group.get("createdDateTimeUtc") or ""),
        UPDATED: str(group.get("lastUpdatedDateTimeUtc") or ""),
    }
