"""IoT Hub specific errors (the shared Microsoft.Devices ones live in devices/exceptions.py)."""

from __future__ import annotations

from azure_iot_emulator.devices.exceptions import InvalidCertificateName


class InvalidIotHubCertificateName(InvalidCertificateName):
    """400 for a name outside ``^[A-Za-z0-9-._]{1,64}$`` [spec]; the SDK does not check it [sdk].

    [guess] code 400004 and wording.
    """

    def __init__(self, name: str) -> None:
        super().__init__(name, "^[A-Za-z0-9-._]{1,64}$")
