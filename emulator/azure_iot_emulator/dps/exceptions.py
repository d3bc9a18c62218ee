"""DPS specific errors (the shared Microsoft.Devices ones live in devices/exceptions.py)."""

from __future__ import annotations

from azure_iot_emulator.devices.exceptions import InvalidCertificateName


class InvalidDpsCertificateName(InvalidCertificateName):
    """400 for a name longer than 256 characters [spec: certificateName maxLength 256].

    [guess] code 400004 and wording; the spec gives DPS names no pattern.
    """

    def __init__(self, name: str) -> None:
        super().__init__(name, "a length of 1 to 256 characters")
