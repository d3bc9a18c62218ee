"""Paths of Microsoft.Devices/IotHubs and its certificates (case-insensitive, as ARM)."""

from __future__ import annotations

from azure_iot_emulator.iothub.responses import IotHubCertificateResponses, IotHubResourceResponses
from azure_iot_emulator.routing import Route, param

SUB = f"/subscriptions/{param('subscriptionId')}"
HUBS_IN_RG = (
    f"{SUB}/resourcegroups/{param('resourceGroupName')}/providers/microsoft\\.devices/iothubs"
)
HUB = f"{HUBS_IN_RG}/{param('resourceName')}"
CERTS = f"{HUB}/certificates"
CERT = f"{CERTS}/{param('certificateName')}"


def routes(
    hubs: IotHubResourceResponses,
    hub_lists: IotHubResourceResponses,
    certificates: IotHubCertificateResponses,
) -> list[Route]:
    """Routes named by the spec's operationIds (iothub.json 2023-06-30)."""
    return [
        Route(
            "GET",
            f"{SUB}/providers/microsoft\\.devices/iothubs",
            "IotHubResource_ListBySubscription",
            hub_lists.list_by_subscription,
        ),
        Route(
            "GET",
            HUBS_IN_RG,
            "IotHubResource_ListByResourceGroup",
            hub_lists.list_by_resource_group,
        ),
        Route("GET", HUB, "IotHubResource_Get", hubs.get),
        Route("PUT", HUB, "IotHubResource_CreateOrUpdate", hubs.create_or_update),
        Route("GET", CERTS, "Certificates_ListByIotHub", certificates.list),
        Route("GET", CERT, "Certificates_Get", certificates.get),
        Route("PUT", CERT, "Certificates_CreateOrUpdate", certificates.create_or_update),
        Route("DELETE", CERT, "Certificates_Delete", certificates.delete),
        Route(
            "POST",
            f"{CERT}/generateverificationcode",
            "Certificates_GenerateVerificationCode",
            certificates.generate_verification_code,
        ),
        Route("POST", f"{CERT}/verify", "Certificates_Verify", certificates.verify),
    ]
