"""Errors of the admin API (not an Azure API: a plain ``{"error": {...}}`` body)."""

from __future__ import annotations

from typing import Any

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


class AdminTimeout(ArmError):
    """408 when the requests a test waits for are not held in time; says what is held."""

    status = 408
    code = "Timeout"

    def __init__(self, count: int, timeout_s: float, held: list[dict[str, Any]]) -> None:
        super().__init__(f"{count} held request(s) expected within {timeout_s} s; held: {held}")
        self.held = held

    def body(self) -> Any:
        return {"error": {"code": self.code, "message": self.message, "held": self.held}}
