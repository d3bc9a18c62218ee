"""Paths of Microsoft.Devices/IotHubs and its certificates (case-insensitive, as ARM)."""

from __future__ import annotations

from azure_iot_emulator.devices.urls import OperationIds, tracked_resource_routes
from azure_iot_emulator.iothub.responses import IotHubCertificateResponses, IotHubResourceResponses
from azure_iot_emulator.routing import Route

# The spec's operationIds (iothub.json 2023-06-30).
OPERATION_IDS = OperationIds(
    resource="IotHubResource",
    certificate="Certificates",
    list_certificates="Certificates_ListByIotHub",
    verify_certificate="Certificates_Verify",
)


def routes(
    hubs: IotHubResourceResponses,
    hub_lists: IotHubResourceResponses,
    certificates: IotHubCertificateResponses,
) -> list[Route]:
    """Routes named by the spec's operationIds."""
    return tracked_resource_routes(
        "iothubs", "resourceName", OPERATION_IDS, hubs, hub_lists, certificates
    )
