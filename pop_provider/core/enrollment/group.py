"""An enrollment group's inputs: judged before any call to Azure, with DPS's defaults filled in,
so that check, diff and refresh speak of the same fields (the wire form: pop_provider.core.
enrollment.wire).

Every rule here is local; the two that need Azure (a referenced certificate that no resource of
the program declares, hubs linked to the DPS) are pop_provider.core.enrollment.verbs'.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from pop_provider.core import declaration as declared
from pop_provider.core.declaration import AllocationPolicy, Group, ProvisioningStatus
from pop_provider.core.errors import InvalidInput
from pop_provider.core.target import Target, TargetError, TargetKind, make_target, parse_target_id

RESOURCE = declared.ENROLLMENT_GROUP
DPS_ID = declared.GROUP_DPS_ID.name
SUBSCRIPTION_ID = declared.GROUP_SUBSCRIPTION_ID.name
RESOURCE_GROUP_NAME = declared.GROUP_RESOURCE_GROUP_NAME.name
DPS_NAME = declared.GROUP_DPS_NAME.name
GROUP_ID = declared.ENROLLMENT_GROUP_ID.name
PRIMARY = declared.CA_REFERENCE_PRIMARY.name
SECONDARY = declared.CA_REFERENCE_SECONDARY.name
ALLOCATION = declared.ALLOCATION_POLICY.name
IOT_HUBS = declared.IOT_HUBS.name
WEBHOOK_URL = declared.CUSTOM_ALLOCATION_WEBHOOK_URL.name
WEBHOOK_API_VERSION = declared.CUSTOM_ALLOCATION_API_VERSION.name
TWIN_TAGS = declared.INITIAL_TWIN_TAGS.name
TWIN_DESIRED = declared.INITIAL_TWIN_DESIRED_PROPERTIES.name
STATUS = declared.PROVISIONING_STATUS.name
UPDATE_HUB = declared.REPROVISION_UPDATE_HUB_ASSIGNMENT.name
MIGRATE_DATA = declared.REPROVISION_MIGRATE_DEVICE_DATA.name
IOT_EDGE = declared.IOT_EDGE.name
ARM_ID = declared.GROUP_ARM_ID.name
ETAG = declared.ETAG.name
CREATED = declared.CREATED_DATE_TIME_UTC.name
UPDATED = declared.LAST_UPDATED_DATE_TIME_UTC.name
TARGET_ID = declared.GROUP_TARGET_ID.name
OWNER = declared.NAME_PREFIX.name

TARGET_INPUTS = RESOURCE.names(Group.TARGET)
SETTINGS = RESOURCE.names(Group.ENROLLMENT)
# What a program declares and the core reads.
CORE_INPUTS = frozenset(RESOURCE.names())
# The segment of a group's id after its DPS's ARM id (`pulumi import` takes the whole).
ID_SEGMENT = "/enrollmentGroups/"

# DPS's rule for group ids (the emulator's, after the service: 1-128 of these characters).
_GROUP_ID = re.compile(r"^[A-Za-z0-9\-._:]{1,128}$")
# The DPS certificates' names (the same rule as IoT Hub's, azure-rest-api-specs).
_CERTIFICATE_NAME = re.compile(r"^[A-Za-z0-9-._]{1,64}$")
_GROUP_ARM_ID = re.compile(
    r"^(?P<dps>.+)/enrollmentGroups/(?P<group>[A-Za-z0-9\-._:]{1,128})$", re.IGNORECASE
)
# A host name as a hub's `properties.hostName` gives it; a private endpoint or an emulator may
# add a port (`127.0.0.1:<port>`), which the DPS then matches as given.
_HOST_NAME = re.compile(r"^[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\.[A-Za-z0-9-]+)+(:\d{1,5})?$")


def is_unknown(value: Any) -> bool:
    """A value the engine does not know yet (an output of a resource not created, at preview)."""
    from pulumi.runtime.rpc import UNKNOWN

    return isinstance(value, str) and value == UNKNOWN


@dataclass(frozen=True)
class DesiredGroup:
    """What the checked inputs ask for: where, and the group's settings as DPS stores them."""

    target: Target
    group_id: str
    settings: dict[str, Any] = field(default_factory=dict)

    @property
    def arm_id(self) -> str:
        return group_arm_id(self.target, self.group_id)

    @property
    def references(self) -> tuple[str, ...]:
        """The CA certificates' names the group references, primary first."""
        return tuple(n for n in (self.settings[PRIMARY], self.settings[SECONDARY]) if n)


def group_arm_id(target: Target, group_id: str) -> str:
    """The resource's id: `<DPS ARM id>/enrollmentGroups/<group id>`."""
    return f"{target.arm_id}{ID_SEGMENT}{group_id}"


def parse_group_arm_id(id_: str) -> tuple[Target, str]:
    """The DPS and the group id of `<DPS ARM id>/enrollmentGroups/<group id>` (import's form;
    the segment's case as a user may type it)."""
    match = _GROUP_ARM_ID.match(id_.strip())
    try:
        target = parse_target_id(match["dps"]) if match else None
    except TargetError:
        target = None
    if match is None or target is None or target.kind is not TargetKind.DPS:
        raise InvalidInput(
            ARM_ID,
            f"'{id_}' is not the id of an enrollment group: expected <DPS ARM id>"
            "/enrollmentGroups/<group id>, e.g. /subscriptions/<id>/resourceGroups/<group>"
            "/providers/Microsoft.Devices/provisioningServices/<dps>/enrollmentGroups/<group id>",
        )
    return target, match["group"]


def resolve_dps(props: Mapping[str, Any], default_subscription: str | None) -> Target:
    """The DPS named by its ARM id, or by subscription, resource group and name."""
    dps_id, name = _text(props, DPS_ID), _text(props, DPS_NAME)
    group, subscription = _text(props, RESOURCE_GROUP_NAME), _text(props, SUBSCRIPTION_ID)
    named = {DPS_NAME: name, RESOURCE_GROUP_NAME: group, SUBSCRIPTION_ID: subscription}
    extra = next((key for key, value in named.items() if value), None) if dps_id else None
    if extra is not None:
        raise InvalidInput(
            extra, f"{extra} is not used with dps_id (the id names the DPS): remove it"
        )
    try:
        if dps_id:
            target = parse_target_id(dps_id)
            if target.kind is not TargetKind.DPS:
                raise InvalidInput(
                    DPS_ID,
                    f"dps_id '{dps_id}' is an IoT hub's id: give the id of a DPS "
                    "(.../providers/Microsoft.Devices/provisioningServices/<dps>)",
                )
            return target
        if not name:
            raise InvalidInput(
                DPS_ID, "no DPS given: set dps_id, or dps_name with resource_group_name"
            )
        if not group:
            raise InvalidInput(RESOURCE_GROUP_NAME, "dps_name needs resource_group_name: set it")
        subscription = subscription or default_subscription
        if not subscription:
            raise InvalidInput(
                SUBSCRIPTION_ID,
                "no subscription for dps_name: set subscription_id, the provider's "
                "subscriptionId, or AZURE_SUBSCRIPTION_ID",
            )
        return make_target(TargetKind.DPS, subscription, group, name)
    except TargetError as error:
        where = {"subscription": SUBSCRIPTION_ID, "resource_group": RESOURCE_GROUP_NAME}
        raise InvalidInput(
            where.get(error.part, DPS_ID if dps_id else DPS_NAME), str(error)
        ) from None


def parse_group_id(props: Mapping[str, Any]) -> str:
    group_id = _text(props, GROUP_ID)
    if not group_id or not _GROUP_ID.match(group_id):
        raise InvalidInput(
            GROUP_ID,
            f"enrollment_group_id '{group_id or ''}' is invalid: 1-128 letters, digits, '-', '.', "
            "'_' or ':'",
        )
    return group_id


def check_settings(props: Mapping[str, Any]) -> tuple[dict[str, Any], list[InvalidInput]]:
    """The group's settings with DPS's defaults filled in, and every rule they break. A rule
    that depends on a value the engine does not know yet is skipped (it runs again at apply)."""
    failures: list[InvalidInput] = []

    def attempt(step: Callable[[], Any], *depends_on: str) -> Any:
        if any(_unknown_in(props.get(key)) for key in depends_on):
            return None
        try:
            return step()
        except InvalidInput as error:
            failures.append(error)
            return None

    for name in (PRIMARY, SECONDARY):
        attempt(partial(_certificate_name, props, name, required=name == PRIMARY), name)
    policy = attempt(lambda: _enum(props, ALLOCATION, AllocationPolicy), ALLOCATION)
    attempt(lambda: _enum(props, STATUS, ProvisioningStatus), STATUS)
    hubs = attempt(lambda: _hubs(props), IOT_HUBS)
    for name in (TWIN_TAGS, TWIN_DESIRED):
        attempt(partial(_object, props, name), name)
    for name in (UPDATE_HUB, MIGRATE_DATA, IOT_EDGE):
        attempt(partial(_boolean, props, name), name)
    hubs_known = not _unknown_in(props.get(IOT_HUBS)) and (
        hubs is not None or not props.get(IOT_HUBS)
    )
    if policy is AllocationPolicy.STATIC and hubs_known and len(hubs or []) != 1:
        failures.append(
            InvalidInput(
                IOT_HUBS,
                f"allocation_policy static assigns every device to one hub, but iot_hubs lists "
                f"{len(hubs or [])}: give exactly one hub's host name",
            )
        )
    webhook = (_text(props, WEBHOOK_URL), _text(props, WEBHOOK_API_VERSION))
    if policy is AllocationPolicy.CUSTOM:
        for name, value in zip((WEBHOOK_URL, WEBHOOK_API_VERSION), webhook, strict=True):
            if not value and not is_unknown(props.get(name)):
                failures.append(
                    InvalidInput(
                        name,
                        f"allocation_policy custom needs {WEBHOOK_URL} and "
                        f"{WEBHOOK_API_VERSION}: set {name}",
                    )
                )
    elif policy is not None and any(webhook):
        name = WEBHOOK_URL if webhook[0] else WEBHOOK_API_VERSION
        failures.append(
            InvalidInput(
                name, f"{name} is only used with allocation_policy custom: remove it or set custom"
            )
        )
    return normalized(props), failures


def normalized(props: Mapping[str, Any]) -> dict[str, Any]:
    """The settings as DPS applies them, defaults filled in: what diff compares, so that an
    input left unset equals what DPS reports for it."""
    policy = props.get(ALLOCATION) or AllocationPolicy.HASHED.value
    custom = policy == AllocationPolicy.CUSTOM.value
    return {
        PRIMARY: props.get(PRIMARY) or "",
        SECONDARY: props.get(SECONDARY) or "",
        ALLOCATION: policy,
        IOT_HUBS: list(hubs) if isinstance(hubs := props.get(IOT_HUBS), list | tuple) else [],
        WEBHOOK_URL: (props.get(WEBHOOK_URL) or "") if custom else "",
        WEBHOOK_API_VERSION: (props.get(WEBHOOK_API_VERSION) or "") if custom else "",
        TWIN_TAGS: _mapping(props.get(TWIN_TAGS)),
        TWIN_DESIRED: _mapping(props.get(TWIN_DESIRED)),
        STATUS: props.get(STATUS) or ProvisioningStatus.ENABLED.value,
        UPDATE_HUB: _flag(props.get(UPDATE_HUB), True),
        MIGRATE_DATA: _flag(props.get(MIGRATE_DATA), True),
        IOT_EDGE: _flag(props.get(IOT_EDGE), False),
    }


def changed_settings(olds: Mapping[str, Any], news: Mapping[str, Any]) -> tuple[str, ...]:
    """The settings whose declared value (`news`) differs from the recorded or refreshed one
    (`olds`), defaults filled in on both sides; a value not known yet counts as changed."""
    before, after = normalized(olds), normalized(news)
    return tuple(
        name for name in SETTINGS if _unknown_in(news.get(name)) or before[name] != after[name]
    )


def _text(props: Mapping[str, Any], name: str) -> str | None:
    value = props.get(name)
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise InvalidInput(name, f"{name} must be a string, got {type(value).__name__}")
    return value.strip()


def _unknown_in(value: Any) -> bool:
    if isinstance(value, list | tuple):
        return any(_unknown_in(item) for item in value)
    if isinstance(value, Mapping):
        return any(_unknown_in(item) for item in value.values())
    return is_unknown(value)


def _certificate_name(props: Mapping[str, Any], name: str, *, required: bool) -> str | None:
    value = _text(props, name)
    if value is None:
        if required:
            raise InvalidInput(
                name,
                f"{name} is required: the name of a CA certificate on the DPS, e.g. a "
                "VerifiedCaCertificate's certificate_name",
            )
        return None
    if not _CERTIFICATE_NAME.match(value):
        raise InvalidInput(
            name,
            f"{name} '{value}' is not a certificate name: 1-64 letters, digits, '-', '.' or '_' "
            "(pass the VerifiedCaCertificate's certificate_name)",
        )
    return value


def _enum(
    props: Mapping[str, Any], name: str, enum: type[AllocationPolicy | ProvisioningStatus]
) -> Any:
    value = _text(props, name)
    if value is None:
        return None
    for member in enum:
        if member.value.lower() == value.lower():
            return member
    allowed = ", ".join(member.value for member in enum)
    raise InvalidInput(name, f"{name} '{value}' is not one of {allowed}: use one of them")


def _hubs(props: Mapping[str, Any]) -> list[str] | None:
    hubs = props.get(IOT_HUBS)
    if hubs is None:
        return None
    if not isinstance(hubs, list | tuple) or not all(isinstance(h, str) for h in hubs):
        raise InvalidInput(IOT_HUBS, "iot_hubs must be a list of hub host names")
    bad = [h for h in hubs if not _HOST_NAME.match(h)]
    if bad:
        raise InvalidInput(
            IOT_HUBS,
            f"iot_hubs entry '{bad[0]}' is not a host name: give the hub's host name, "
            "e.g. <hub>.azure-devices.net (an azure-native IotHubResource's "
            "properties.hostName)",
        )
    return list(hubs)


def _object(props: Mapping[str, Any], name: str) -> None:
    value = props.get(name)
    if value is not None and not isinstance(value, Mapping):
        raise InvalidInput(name, f"{name} must be an object (a map of names to values)")


def _boolean(props: Mapping[str, Any], name: str) -> None:
    value = props.get(name)
    if value is not None and not isinstance(value, bool):
        raise InvalidInput(name, f"{name} must be true or false")


def _mapping(value: Any) -> dict[str, Any]:
    return dict(value) if isinstance(value, Mapping) else {}


def _flag(value: Any, default: bool) -> bool:
    return default if value is None else bool(value)
