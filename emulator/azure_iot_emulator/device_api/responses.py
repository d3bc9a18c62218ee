"""The wire of the DPS device API: parse, call the backend, answer.

The device's credential is its TLS client certificate chain, which the device listener
(listener.py) puts in the request's ASGI ``tls`` extension (``client_cert_chain``, PEM, leaf
first [spec: ASGI TLS extension]); there is no Authorization header [doc: how-to-control-access.md,
curl with ``--cert/--key``].
"""

from __future__ import annotations

import json
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from azure_iot_emulator.device_api.chain import common_name, parse_chain
from azure_iot_emulator.device_api.exceptions import (
    InvalidRegistration,
    NoClientCertificate,
    RegistrationIdMismatch,
)
from azure_iot_emulator.device_api.models import RegistrationBackend
from azure_iot_emulator.dps_service.exceptions import MissingApiVersion, UnsupportedApiVersion
from azure_iot_emulator.routing import RequestContext
from azure_iot_emulator.wire import json_response

KIND = "device"
# One device endpoint per emulator, as Azure's global one (README "DPS device API").
INSTANCE = "global"
# 2021-06-01 [doc: how-to-control-access.md curl], 2021-10-01 the stable spec version and
# 2025-07-01-preview [spec: device/routes.tsp], 2019-03-31 the Python device SDK's [code:
# azure-iot-sdk-python constant.py].
API_VERSIONS = ("2019-03-31", "2021-06-01", "2021-10-01", "2025-07-01-preview")
# ``Retry-After``: an optional int32, "The retry interval in seconds" [spec: azure-rest-api-specs
# deviceprovisioningservices device/models.tsp @ 0e09a12a]; the value 3 is from SDK test
# fixtures only [code: azure-iot-sdk-python @ e75d1c20
# tests/unit/provisioning/pipeline/test_mqtt_topic_provisioning.py], not from a live answer.
RETRY_AFTER_S = "3"


def client_chain(ctx: RequestContext) -> list[str]:
    """The PEM chain the device sent in the TLS handshake (empty when none)."""
    tls: dict[str, Any] = ctx.request.scope.get("extensions", {}).get("tls") or {}
    return list(tls.get("client_cert_chain") or [])


def _check_api_version(ctx: RequestContext) -> None:
    version = ctx.query("api-version")
    if not version:
        raise MissingApiVersion()
    if version not in API_VERSIONS:
        raise UnsupportedApiVersion(version, API_VERSIONS)


class RegistrationResponses:
    """RuntimeRegistration_RegisterDevice / _OperationStatusLookup [spec operationIds]."""

    def __init__(self, backend: RegistrationBackend) -> None:
        self.backend = backend

    async def register(self, ctx: RequestContext) -> Response:
        """202 ``{"operationId", "status": "assigning"}`` + ``Retry-After`` [spec; rec]; 401
        401002 when refused [issue]."""
        _check_api_version(ctx)
        registration_id = ctx.params["registrationId"]
        try:
            body = json.loads(ctx.body) if ctx.body.strip() else {}
        except (ValueError, UnicodeDecodeError):
            raise InvalidRegistration("The request body is not JSON.") from None
        if not isinstance(body, dict):
            raise InvalidRegistration("The request body must be a JSON object.")
        sent = body.get("registrationId")
        if sent is not None and sent != registration_id:
            raise InvalidRegistration(
                f"The registrationId '{sent}' in the body is not the one in the path, "
                f"'{registration_id}'."
            )
        operation = await run_in_threadpool(
            self.backend.register,
            ctx.params["idScope"],
            registration_id,
            parse_chain(client_chain(ctx)),
        )
        return json_response(202, operation.wire(), {"retry-after": RETRY_AFTER_S})

    async def operation_status(self, ctx: RequestContext) -> Response:
        """200 with the outcome (``assigned`` or ``disabled``, both terminal [spec: device/
        models.tsp; code: azure-iot-sdk-java @ 8abba69b ProvisioningTask.java ends on DISABLED])
        from the first poll on.

        The poll is authenticated as the register call: a client certificate whose CN is the
        registration id [guess: Azure authenticates every device call the same way]."""
        _check_api_version(ctx)
        registration_id = ctx.params["registrationId"]
        chain = parse_chain(client_chain(ctx))
        if not chain:
            raise NoClientCertificate()
        if common_name(chain[0]) != registration_id:
            raise RegistrationIdMismatch(common_name(chain[0]), registration_id)
        operation = await run_in_threadpool(
            self.backend.operation,
            ctx.params["idScope"],
            registration_id,
            ctx.params["operationId"],
        )
        return json_response(200, operation.wire())
