"""Paths shared by Microsoft.Devices/IotHubs and provisioningServices (case-insensitive, as ARM).

Both services lay out the resource and its certificates the same way; each ``urls.py`` passes
its collection segment, name parameter and the spec's operationIds.
"""

from __future__ import annotations

from dataclasses import dataclass

from azure_iot_emulator.devices.responses import CertificateResponses, TrackedResourceResponses
from azure_iot_emulator.routing import Route, param


@dataclass(frozen=True)
class OperationIds:
    """The spec's operationIds: ``<resource>_Get`` etc. and ``<certificate>_Get`` etc."""

    resource: str
    certificate: str
    list_certificates: str
    verify_certificate: str


def tracked_resource_routes(
    collection: str,
    name_param: str,
    operation_ids: OperationIds,
    resources: TrackedResourceResponses,
    resource_lists: TrackedResourceResponses,
    certificates: CertificateResponses,
) -> list[Route]:
    """The routes of ``.../providers/microsoft.devices/<collection>`` and its certificates."""
    sub = f"/subscriptions/{param('subscriptionId')}"
    all_in_rg = (
        f"{sub}/resourcegroups/{param('resourceGroupName')}/providers/microsoft\\.devices/"
        f"{collection}"
    )
    one = f"{all_in_rg}/{param(name_param)}"
    certs = f"{one}/certificates"
    cert = f"{certs}/{param('certificateName')}"
    res, crt = operation_ids.resource, operation_ids.certificate
    return [
        Route(
            "GET",
            f"{sub}/providers/microsoft\\.devices/{collection}",
            f"{res}_ListBySubscription",
            resource_lists.list_by_subscription,
        ),
        Route(
            "GET",
            all_in_rg,
            f"{res}_ListByResourceGroup",
            resource_lists.list_by_resource_group,
        ),
        Route("GET", one, f"{res}_Get", resources.get),
        Route("PUT", one, f"{res}_CreateOrUpdate", resources.create_or_update),
        Route("GET", certs, operation_ids.list_certificates, certificates.list),
        Route("GET", cert, f"{crt}_Get", certificates.get),
        Route("PUT", cert, f"{crt}_CreateOrUpdate", certificates.create_or_update),
        Route("DELETE", cert, f"{crt}_Delete", certificates.delete),
        Route(
            "POST",
            f"{cert}/generateverificationcode",
            f"{crt}_GenerateVerificationCode",
            certificates.generate_verification_code,
        ),
        Route("POST", f"{cert}/verify", operation_ids.verify_certificate, certificates.verify),
    ]
