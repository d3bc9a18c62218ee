"""IoT Hub registry API errors, in the hub's own body shape.

Body ``{"Message": "ErrorCode:<Name>;<text>", "ExceptionMessage": "Tracking ID:<32 hex>-G:<n>-
TimeStamp:<MM/dd/yyyy HH:mm:ss>"}``: the two strings as IoT Hub's clients print them for a missing
device ("ErrorCode:DeviceNotFound;<DEVICE_ID> Tracking ID:1bc3…-G:20-TimeStamp:02/05/2021
10:03:38" [issue: Azure/azure-iot-sdk-java#1108]); the JSON member names **[guess]**. IoT Hub
switched some 404 bodies to another format in 2021 [issue: Azure/azure-iot-sdk-node#971]; the
emulator keeps the older one, which every client still parses. The header ``iothub-errorcode``
carrying the name is **[guess]**.
"""

from __future__ import annotations

import uuid
from typing import Any

from azure_iot_emulator.wire import WireError, utcnow


class HubRegistryError(WireError):
    """Base: subclasses fix ``status`` and ``name`` (IoT Hub's ``ErrorCode`` word)."""

    status = 400
    name = "ArgumentInvalid"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def body(self) -> Any:
        stamp = utcnow().strftime("%m/%d/%Y %H:%M:%S")
        return {
            "Message": f"ErrorCode:{self.name};{self.message}",
            "ExceptionMessage": f"Tracking ID:{uuid.uuid4().hex}-G:0-TimeStamp:{stamp}",
        }

    def headers(self) -> dict[str, str]:
        return {"iothub-errorcode": self.name}


class DeviceNotFound(HubRegistryError):
    """404 ``DeviceNotFound`` with the device id as its text [issue: azure-iot-sdk-java#1108]."""

    status = 404
    name = "DeviceNotFound"

    def __init__(self, device_id: str) -> None:
        super().__init__(device_id)


class HubNotFound(HubRegistryError):
    """404 ``IotHubNotFound`` when the hub behind a data-plane port is gone (a reset removed a hub
    made after start) [code: azure-iot-sdk-node rest_api_client.ts names the code; text guess]."""

    status = 404
    name = "IotHubNotFound"

    def __init__(self, hub: str) -> None:
        super().__init__(f"IoT hub {hub} does not exist.")


class Unauthorized(HubRegistryError):
    """401 ``IotHubUnauthorizedAccess`` for a missing, malformed, expired or foreign credential
    [doc: articles/iot-hub/troubleshoot-error-codes.md, 401003 IoTHubUnauthorized; name and
    text guess]."""

    status = 401
    name = "IotHubUnauthorizedAccess"


class InvalidApiVersion(HubRegistryError):
    """400 for a missing or unknown ``api-version`` [guess: name and text]."""

    status = 400
    name = "InvalidProtocolVersion"


class PrincipalNotAuthorized(HubRegistryError):
    """401 ``IotHubUnauthorized`` for a valid Microsoft Entra token whose principal holds no data
    role granting the operation's data action: "Principal <who> is not authorized for GET on
    /twins/John due to no assigned permissions" [issue: Azure/azure-iot-sdk-csharp#3344 (GET
    /twins), Azure/azure-sdk-for-net#21453 (POST /devices/query); both clients raise
    ``UnauthorizedException``, their mapping of HTTP 401]. The principal is named by its object
    id here **[guess]** (the issues show a user's sign-in name)."""

    status = 401
    name = "IotHubUnauthorized"

    def __init__(self, principal: str, method: str, path: str, data_action: str) -> None:
        super().__init__(
            f"Principal {principal} is not authorized for {method} on {path} due to no assigned "
            f"permissions; assign a role granting '{data_action}' (IoT Hub Data Reader reads) at "
            "the hub or above."
        )


class QueryNotEmulated(HubRegistryError):
    """400 ``ArgumentInvalid`` for a twin query other than the two the emulator answers
    **[guess]**: the name (IoT Hub's generic 400004) and the text."""

    def __init__(self, query: object) -> None:
        super().__init__(
            f'The emulator answers only "SELECT * FROM devices" and "SELECT * FROM devices '
            f"WHERE deviceId = '<id>'\"; got {query!r}."
        )


class InvalidContinuation(HubRegistryError):
    """400 ``ArgumentInvalid`` for an ``x-ms-continuation`` or ``x-ms-max-item-count`` the
    emulator did not give or cannot read **[guess]**."""

    def __init__(self, detail: str = "The x-ms-continuation token is invalid.") -> None:
        super().__init__(detail)
