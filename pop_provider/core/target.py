"""Where a CA certificate is trusted: an IoT hub today, a DPS instance next, named by ARM id.

Users name a hub either by the ARM id an azure-native `IotHubResource.id` output gives them, or by
subscription, resource group and hub name. Both become one canonical `Target`, so a stack that
switches from one form to the other sees no change.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import Enum

# ARM segment rules: resource group names (1-90 chars of word chars, '-', '.', '(', ')', not
# ending in '.'), IoT hub names (3-50 chars, letters, digits and '-', not all digits, not starting
# with '-'; azure-rest-api-specs iothub.json resourceName pattern).
_SUBSCRIPTION = re.compile(
    r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"
)
_RESOURCE_GROUP = re.compile(r"^[-\w\._\(\)]{1,90}(?<!\.)$")
_HUB_NAME = re.compile(r"^(?![0-9]+$)(?!-)[a-zA-Z0-9-]{2,49}[a-zA-Z0-9]$")
# DPS names: the spec gives no pattern; the portal asks for 3-64 letters, digits and '-'.
_DPS_NAME = re.compile(r"^[a-zA-Z0-9-]{3,64}$")
_ARM_ID = re.compile(
    r"^/subscriptions/(?P<subscription>[^/]+)/resourceGroups/(?P<group>[^/]+)"
    r"/providers/Microsoft\.Devices/(?P<type>IotHubs|provisioningServices)/(?P<name>[^/]+)/?$",
    re.IGNORECASE,
)


class TargetKind(Enum):
    """The Azure service holding the certificate; each has its own certificates API."""

    IOT_HUB = "IotHubs"
    DPS = "provisioningServices"


class TargetError(ValueError):
    """A target that cannot name an Azure resource; the message says how to fix it and `part`
    which piece is wrong: "id", "subscription", "resource_group", "name", or "targets" (a list of
    targets, pop_provider.core.trust_targets)."""

    def __init__(self, part: str, message: str) -> None:
        super().__init__(message)
        self.part = part


@dataclass(frozen=True)
class Target:
    """One IoT hub (or DPS instance) in one subscription and resource group."""

    kind: TargetKind
    subscription_id: str
    resource_group: str
    name: str

    @property
    def arm_id(self) -> str:
        """The canonical ARM id, in the casing ARM itself returns."""
        return (
            f"/subscriptions/{self.subscription_id}/resourceGroups/{self.resource_group}"
            f"/providers/Microsoft.Devices/{self.kind.value}/{self.name}"
        )

    @property
    def kind_label(self) -> str:
        """What users call it: "IoT hub" or "DPS"."""
        return "IoT hub" if self.kind is TargetKind.IOT_HUB else "DPS"

    @property
    def label(self) -> str:
        """The kind and name, e.g. IoT hub 'hub-1'."""
        return f"{self.kind_label} '{self.name}'"

    @property
    def description(self) -> str:
        """Where, in full: kind, name, resource group and subscription."""
        return (
            f"{self.label} (resource group '{self.resource_group}', subscription "
            f"{self.subscription_id})"
        )

    def certificate_id(self, certificate_name: str) -> str:
        """The ARM id of one certificate on this target."""
        return f"{self.arm_id}/certificates/{certificate_name}"

    def same_resource(self, other: Target) -> bool:
        """ARM ids are case-insensitive: `rg-A` and `rg-a` are the same resource group."""
        return self.arm_id.lower() == other.arm_id.lower()


def parse_target_id(arm_id: str) -> Target:
    """A Target from an ARM id such as azure-native's `IotHubResource.id`."""
    match = _ARM_ID.match(arm_id.strip())
    if not match:
        raise TargetError(
            "id",
            f"'{arm_id}' is not the ARM id of an IoT hub or DPS; expected "
            "/subscriptions/<id>/resourceGroups/<group>/providers/Microsoft.Devices/IotHubs/<hub> "
            "or .../Microsoft.Devices/provisioningServices/<dps>",
        )
    kind = TargetKind.IOT_HUB if match["type"].lower() == "iothubs" else TargetKind.DPS
    return make_target(kind, match["subscription"], match["group"], match["name"])


def make_target(kind: TargetKind, subscription_id: str, resource_group: str, name: str) -> Target:
    """A validated Target; every rule ARM would enforce is checked before any call is made."""
    if not _SUBSCRIPTION.match(subscription_id):
        raise TargetError("subscription", f"subscription id '{subscription_id}' is not a GUID")
    if not _RESOURCE_GROUP.match(resource_group):
        raise TargetError(
            "resource_group",
            f"resource group name '{resource_group}' is invalid: 1-90 letters, digits, '-', '_', "
            "'.', '(' or ')', not ending in '.'",
        )
    if kind is TargetKind.IOT_HUB and not _HUB_NAME.match(name):
        raise TargetError(
            "name",
            f"IoT hub name '{name}' is invalid: 3-50 letters, digits or '-', not all digits, "
            "not starting or ending with '-'",
        )
    if kind is TargetKind.DPS and not _DPS_NAME.match(name):
        raise TargetError("name", f"DPS name '{name}' is invalid: 3-64 letters, digits or '-'")
    return Target(kind, subscription_id.lower(), resource_group, name)
