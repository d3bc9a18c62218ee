"""Errors of the GitHub Actions token service stand-in."""

from __future__ import annotations

from typing import Any

from azure_iot_emulator.wire import WireError


class RequestTokenRejected(WireError):
    """401 for a missing or wrong ``Authorization: Bearer <ACTIONS_ID_TOKEN_REQUEST_TOKEN>``.
    [guess] body: GitHub documents no error shape for this endpoint."""

    status = 401

    def body(self) -> Any:
        return {
            "message": (
                "Unauthorized: the request token is missing or wrong. Send "
                "'Authorization: Bearer <ACTIONS_ID_TOKEN_REQUEST_TOKEN>' (the emulator's is "
                "'request_token' under 'federated' in its startup line)."
            )
        }

    def headers(self) -> dict[str, str]:
        return {"www-authenticate": "Bearer"}
