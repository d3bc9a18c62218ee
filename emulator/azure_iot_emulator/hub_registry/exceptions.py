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
