"""The DPS wire: provisioning services and their certificates (api-version 2026-11-01 etc.)."""

from __future__ import annotations

from typing import Any

from azure_iot_emulator.arm.apiversions import (
    DPS_FIRST_UNSET_CREATED_VERSION,
    DPS_LAST_FLAT_BODY_VERSION,
    DPS_VERSIONS,
)
from azure_iot_emulator.arm.pipeline import DPS
from azure_iot_emulator.devices.responses import (
    CertificateResponses,
    TrackedResourceResponses,
    certificate_wire,
    tracked_resource_wires,
)
from azure_iot_emulator.dps.models import dps_document

CERTIFICATE_WIRE = certificate_wire(
    parent=DPS,
    parent_segment="provisioningServices",
    # The real type string [rec]; the spec examples say
    # "Microsoft.Devices/ProvisioningServices/Certificates".
    type_name="Microsoft.Devices/provisioningServices/Certificates",
    api_versions=DPS_VERSIONS,
    last_flat_body_version=DPS_LAST_FLAT_BODY_VERSION,
    echo_content=False,  # null everywhere except generateVerificationCode [rec]
    first_unset_created_version=DPS_FIRST_UNSET_CREATED_VERSION,
)

DPS_WIRE, DPS_LIST_WIRE = tracked_resource_wires(
    parent=DPS,
    parent_segment="provisioningServices",
    type_name="Microsoft.Devices/provisioningServices",  # [rec]; the spec examples capitalise it
    api_versions=DPS_VERSIONS,
    resource_type="ProvisioningServices",
)


class DpsCertificateResponses(CertificateResponses):
    """DpsCertificate_* operations. Its odd ``certificate.*`` query parameters are ignored."""

    wire = CERTIFICATE_WIRE


class DpsResourceResponses(TrackedResourceResponses):
    """IotDpsResource_Get / _CreateOrUpdate / _ListByResourceGroup / _ListBySubscription."""

    wire = DPS_WIRE

    def build_document(self, name: str, body: dict[str, Any]) -> dict[str, Any]:
        return dps_document(name, body)
