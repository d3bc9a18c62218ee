"""Paths of Microsoft.Devices/provisioningServices and its certificates."""

from __future__ import annotations

from azure_iot_emulator.dps.responses import DpsCertificateResponses, DpsResourceResponses
from azure_iot_emulator.routing import Route, param

SUB = f"/subscriptions/{param('subscriptionId')}"
ALL_IN_RG = (
    f"{SUB}/resourcegroups/{param('resourceGroupName')}"
    "/providers/microsoft\\.devices/provisioningservices"
)
ONE = f"{ALL_IN_RG}/{param('provisioningServiceName')}"
CERTS = f"{ONE}/certificates"
CERT = f"{CERTS}/{param('certificateName')}"


def routes(
    services: DpsResourceResponses,
    service_lists: DpsResourceResponses,
    certificates: DpsCertificateResponses,
) -> list[Route]:
    """Routes named by the spec's operationIds (iotdps.json 2022-12-12 / TypeSpec)."""
    return [
        Route(
            "GET",
            f"{SUB}/providers/microsoft\\.devices/provisioningservices",
            "IotDpsResource_ListBySubscription",
            service_lists.list_by_subscription,
        ),
        Route(
            "GET",
            ALL_IN_RG,
            "IotDpsResource_ListByResourceGroup",
            service_lists.list_by_resource_group,
        ),
        Route("GET", ONE, "IotDpsResource_Get", services.get),
        Route("PUT", ONE, "IotDpsResource_CreateOrUpdate", services.create_or_update),
        Route("GET", CERTS, "DpsCertificate_List", certificates.list),
        Route("GET", CERT, "DpsCertificate_Get", certificates.get),
        Route("PUT", CERT, "DpsCertificate_CreateOrUpdate", certificates.create_or_update),
        Route("DELETE", CERT, "DpsCertificate_Delete", certificates.delete),
        Route(
            "POST",
            f"{CERT}/generateverificationcode",
            "DpsCertificate_GenerateVerificationCode",
            certificates.generate_verification_code,
        ),
        Route("POST", f"{CERT}/verify", "DpsCertificate_VerifyCertificate", certificates.verify),
    ]
