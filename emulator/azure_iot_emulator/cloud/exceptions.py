"""Errors of ARM's cloud metadata endpoint (ARM's ``{"error": {...}}`` envelope)."""

from __future__ import annotations

from azure_iot_emulator.wire import ArmError


class InvalidMetadataApiVersion(ArmError):
    """400 for an api-version the metadata endpoint does not serve. [guess] code and wording."""

    status = 400
    code = "InvalidApiVersionParameter"

    def __init__(self, api_version: str, supported: list[str]) -> None:
        super().__init__(
            f"The api-version '{api_version}' is invalid. The supported versions are "
            f"'{', '.join(supported)}'."
        )
