"""Errors of the admin API (not an Azure API: a plain ``{"error": {...}}`` body)."""

from __future__ import annotations

from azure_iot_emulator.wire import ArmError


class AdminBadRequest(ArmError):
    """400 for an invalid fault setting or body."""

    status = 400
    code = "BadRequest"


class AdminForbidden(ArmError):
    """403 for a caller that is not on the loopback interface."""

    status = 403
    code = "Forbidden"

    def __init__(self) -> None:
        super().__init__("The admin API only answers loopback clients.")
