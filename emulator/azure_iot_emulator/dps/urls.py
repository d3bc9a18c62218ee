"""Paths of Microsoft.Devices/provisioningServices and its certificates."""

from __future__ import annotations

from azure_iot_emulator.devices.keys import KeyResponses
from azure_iot_emulator.devices.urls import OperationIds, tracked_resource_routes
from azure_iot_emulator.dps.responses import (
    DpsCertificateResponses,
    DpsResourceResponses,
)
from azure_iot_emulator.routing import Route, param

# The spec's operationIds (iotdps.json 2022-12-12 / TypeSpec).
OPERATION_IDS = OperationIds(
    resource="IotDpsResource",
    certificate="DpsCertificate",
    list_certificates="DpsCertificate_List",
    verify_certificate="DpsCertificate_VerifyCertificate",
)


def routes(
    services: DpsResourceResponses,
    service_lists: DpsResourceResponses,
    certificates: DpsCertificateResponses,
    keys: KeyResponses,
) -> list[Route]:
    """Routes named by the spec's operationIds; listKeys as iotdps.json lays it out."""
    one = (
        f"/subscriptions/{param('subscriptionId')}/resourcegroups/{param('resourceGroupName')}"
        f"/providers/microsoft\\.devices/provisioningservices/{param('provisioningServiceName')}"
    )
    return tracked_resource_routes(
        "provisioningservices",
        "provisioningServiceName",
        OPERATION_IDS,
        services,
        service_lists,
        certificates,
    ) + [
        Route("POST", f"{one}/listkeys", "IotDpsResource_ListKeys", keys.list_keys),
        Route(
            "POST",
            f"{one}/keys/{param('keyName')}/listkeys",
            "IotDpsResource_ListKeysForKeyName",
            keys.one_key,
        ),
    ]
