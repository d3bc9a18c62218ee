"""The IoT Hub wire: hub resources and the certificates collection (api-version 2023-06-30 etc.)."""

from __future__ import annotations

from typing import Any

from azure_iot_emulator.arm.apiversions import (
    IOTHUB_CERTIFICATE_VERSIONS,
    IOTHUB_FIRST_UNSET_CREATED_VERSION,
    IOTHUB_LAST_FLAT_BODY_VERSION,
    IOTHUB_RESOURCE_VERSIONS,
    iothub_device_registry_property,
)
from azure_iot_emulator.arm.models import ArmBackend, TrackedResource
from azure_iot_emulator.arm.pipeline import IOTHUB, ArmGate
from azure_iot_emulator.dataplane import DataPlanes
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
    device_registry_property=iothub_device_registry_property,
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

    def __init__(
        self,
        gate: ArmGate,
        arm: ArmBackend,
        wire: Any = None,
        *,
        dataplanes: DataPlanes | None = None,
    ) -> None:
        super().__init__(gate, arm, wire)
        # ``hostName`` is answered as the hub's data-plane port (``127.0.0.1:<port>``,
        # dataplane.py), where its registry API is served (hub_registry/), as the DPS's
        # ``serviceOperationsHostName`` is (dps/responses.py).
        self.dataplanes = dataplanes

    def _json(self, resource: TrackedResource) -> dict[str, Any]:
        body = super()._json(resource)
        if self.dataplanes is not None:
            body["properties"] = dict(body["properties"])
            body["properties"]["hostName"] = self.dataplanes.host_of("iothub", resource.name)
        return body

    def build_document(self, name: str, body: dict[str, Any]) -> dict[str, Any]:
        return hub_document(name, body)

    def check_name(self, name: str) -> None:
        check_hub_name(name)
