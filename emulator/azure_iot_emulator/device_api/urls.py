"""Paths of the DPS device API, served on the emulator's one device port.

[spec: azure-rest-api-specs DeviceProvisioningServices ``device/routes.tsp``; ref §2.1]
``PUT /{idScope}/registrations/{registrationId}/register`` and
``GET /{idScope}/registrations/{registrationId}/operations/{operationId}``. The status lookup
without registering (``POST /{idScope}/registrations/{registrationId}``) is not served.
"""

from __future__ import annotations

from azure_iot_emulator.device_api.responses import RegistrationResponses
from azure_iot_emulator.routing import Route, param

REGISTRATION = f"/{param('idScope')}/registrations/{param('registrationId')}"


def routes(responses: RegistrationResponses) -> list[Route]:
    """The register call and the operation poll."""
    return [
        Route(
            "PUT",
            f"{REGISTRATION}/register",
            "RuntimeRegistration_RegisterDevice",
            responses.register,
        ),
        Route(
            "GET",
            f"{REGISTRATION}/operations/{param('operationId')}",
            "RuntimeRegistration_OperationStatusLookup",
            responses.operation_status,
        ),
    ]
