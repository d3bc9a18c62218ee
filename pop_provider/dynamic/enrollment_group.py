"""`EnrollmentGroup`: a DPS enrollment group bound to verified CAs, and its typed arguments."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pulumi
from pulumi.dynamic import Resource

from pop_provider.core import declaration as declared
from pop_provider.core.enrollment import group as g
from pop_provider.dynamic.engine_shutdown import end_quietly_when_engine_stops
from pop_provider.dynamic.enrollment_provider import EnrollmentGroupProvider

_GROUP = declared.ENROLLMENT_GROUP


@dataclass
class EnrollmentGroupArgs:
    """Which DPS, which group, and the CA certificates its devices chain to.

    DPS, one of: `dps_id` (an ARM id, e.g. an azure-native `IotDpsResource.id`), or
    `resource_group_name` with `dps_name` (and `subscription_id`, or the stack's
    `azure-native:subscriptionId`, or `AZURE_SUBSCRIPTION_ID`).

    `ca_reference_primary` (and, for a rotation, `ca_reference_secondary`): names of CA
    certificates on that DPS; pass a `VerifiedCaCertificate`'s `certificate_name`, so the group
    is created once the CA is Verified.

    `allocation_policy`: "hashed" (default), "geoLatency", "static" (exactly one hub in
    `iot_hubs`) or "custom" (`custom_allocation_webhook_url` and
    `custom_allocation_api_version`). `iot_hubs`: host names of hubs linked to the DPS.
    `initial_twin_tags` / `initial_twin_desired_properties`: the device twin devices start with.
    `provisioning_status`: "enabled" (default) or "disabled". `reprovision_update_hub_assignment`
    / `reprovision_migrate_device_data` (default True), `iot_edge` (default False).
    """

    enrollment_group_id: pulumi.Input[str]
    ca_reference_primary: pulumi.Input[str]
    dps_id: pulumi.Input[str] | None = None
    resource_group_name: pulumi.Input[str] | None = None
    dps_name: pulumi.Input[str] | None = None
    subscription_id: pulumi.Input[str] | None = None
    ca_reference_secondary: pulumi.Input[str] | None = None
    allocation_policy: pulumi.Input[str] | None = None
    iot_hubs: pulumi.Input[list[pulumi.Input[str]]] | None = None
    custom_allocation_webhook_url: pulumi.Input[str] | None = None
    custom_allocation_api_version: pulumi.Input[str] | None = None
    initial_twin_tags: pulumi.Input[dict[str, Any]] | None = None
    initial_twin_desired_properties: pulumi.Input[dict[str, Any]] | None = None
    provisioning_status: pulumi.Input[str] | None = None
    reprovision_update_hub_assignment: pulumi.Input[bool] | None = None
    reprovision_migrate_device_data: pulumi.Input[bool] | None = None
    iot_edge: pulumi.Input[bool] | None = None


class EnrollmentGroup(Resource, module="pop", name="EnrollmentGroup"):
    """A DPS enrollment group whose devices chain to CA certificates Verified on that DPS."""

    arm_id: pulumi.Output[str]
    """`<DPS ARM id>/enrollmentGroups/<enrollment_group_id>` (also the resource id)."""
    enrollment_group_id: pulumi.Output[str]
    ca_reference_primary: pulumi.Output[str]
    etag: pulumi.Output[str]
    """The group's etag on the DPS, sent with every update and delete."""
    created_date_time_utc: pulumi.Output[str]
    """When the group was created, as DPS reports it."""
    last_updated_date_time_utc: pulumi.Output[str]
    """When the group was last written, as DPS reports it."""
    target_id: pulumi.Output[str]
    """The ARM id of the DPS."""

    def __init__(
        self,
        resource_name: str,
        args: EnrollmentGroupArgs,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        props: dict[str, Any] = {
            # Unset inputs are left out, as VerifiedCaCertificate's.
            **{
                prop.name: getattr(args, prop.name)
                for prop in _GROUP.inputs()
                if getattr(args, prop.name) is not None
            },
            g.OWNER: resource_name,
            # Outputs only; listed so they become attributes of this resource.
            g.ARM_ID: None,
            g.ETAG: None,
            g.CREATED: None,
            g.UPDATED: None,
            g.TARGET_ID: None,
        }
        end_quietly_when_engine_stops()
        super().__init__(EnrollmentGroupProvider(), resource_name, props, opts)
