"""The IoT Hub wire: hub resources and the certificates collection (api-version 2023-06-30 etc.)."""

from __future__ import annotations

from typing import Any

from azure_iot_emulator.arm.apiversions import (
    IOTHUB_CERTIFICATE_VERSIONS,
    IOTHUB_FIRST_UNSET_CREATED_VERSION,
    IOTHUB_LAST_FLAT_BODY_VERSION,
    IOTHUB_RESOURCE_VERSIONS,
)
from azure_iot_emulator.arm.pipeline import IOTHUB
from azure_iot_emulator.devices.responses import (
    CertificateResponses,
    TrackedResourceResponses,
    certificate_wire,
    tracked_resource_wires,
)
from azure_iot_emulator.iothub.models import check_hub_name, hub_document

CERTIFICATE_WIRE = certificate_wire(
    parent=IOTHUB,
    parent_segment="IotHubs",
    type_name="Microsoft.Devices/IotHubs/Certificates",  # [spec; rec]
    api_versions=IOTHUB_CERTIFICATE_VERSIONS,
    last_flat_body_version=IOTHUB_LAST_FLAT_BODY_VERSION,
    echo_content=True,  # the upload, or its stored form after the PUT [rec A; rec B]
    first_unset_created_version=IOTHUB_FIRST_UNSET_CREATED_VERSION,
)

HUB_WIRE, HUB_LIST_WIRE = tracked_resource_wires(
    parent=IOTHUB,
    parent_segment="IotHubs",
    type_name="Microsoft.Devices/IotHubs",
    api_versions=IOTHUB_RESOURCE_VERSIONS,
    resource_type="IotHubs",
)


class IotHubCertificateResponses(CertificateResponses):
    """Certificates_* operations."""

    wire = CERTIFICATE_WIRE


class IotHubResourceResponses(TrackedResourceResponses):
    """IotHubResource_Get / _CreateOrUpdate / _ListByResourceGroup / _ListBySubscription."""

    wire = HUB_WIRE

    def build_document(self, name: str, body: dict[str, Any]) -> dict[str, Any]:
        return hub_document(name, body)

    def check_name(self, name: str) -> None:
        check_hub_name(name)
