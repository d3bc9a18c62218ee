"""Wire-level building blocks shared by every service: error base classes and response helpers.

An error is a type that knows its exact status, headers and JSON body, so backends raise it and
the dispatcher serializes it without building strings in handlers.
"""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from email.utils import format_datetime
from http import HTTPStatus
from typing import Any

from starlette.responses import Response

JSON_CONTENT_TYPE = "application/json; charset=utf-8"


def rfc1123(moment: datetime) -> str:
    """Format a timestamp the way IoT Hub and DPS send dates ("Thu, 12 Oct 2017 19:23:50 GMT")."""
    return format_datetime(moment.astimezone(UTC).replace(microsecond=0), usegmt=True)


def utcnow() -> datetime:
    """The current time, timezone-aware, in UTC."""
    return datetime.now(UTC)


def reason_phrase(status: int) -> str:
    """The .NET-style status name IoT Hub puts in ``httpStatusCode`` (``PreconditionFailed``)."""
    try:
        return HTTPStatus(status).phrase.replace(" ", "").replace("-", "")
    except ValueError:
        return str(status)


def json_response(status: int, body: Any, headers: dict[str, str] | None = None) -> Response:
    """A JSON response with the headers ARM sends on every answer (no ETag header: [rec])."""
    all_headers = {
        "cache-control": "no-cache",
        "x-ms-request-id": str(uuid.uuid4()),
        "x-ms-correlation-request-id": str(uuid.uuid4()),
    }
    all_headers.update(headers or {})
    if body is None:
        return Response(status_code=status, headers=all_headers)
    return Response(
        content=json.dumps(body, separators=(",", ":")).encode("utf-8"),
        status_code=status,
        headers=all_headers,
        media_type=JSON_CONTENT_TYPE,
    )


class WireError(Exception):
    """Base of every error the emulator answers with; subclasses fix status, code and body."""

    status: int = 500

    def body(self) -> Any:
        """The JSON body of the error response."""
        raise NotImplementedError

    def headers(self) -> dict[str, str]:
        """Extra response headers (e.g. WWW-Authenticate, Retry-After)."""
        return {}

    def to_response(self) -> Response:
        """Serialize the error exactly as the real service would."""
        return json_response(self.status, self.body(), self.headers())


class ArmError(WireError):
    """An error produced by Azure Resource Manager itself: ``{"error": {"code", "message"}}``.

    Source: [issue] Azure/azure-cli#2116 (ResourceGroupNotFound), Azure/azure-rest-api-specs#27183.
    """

    code: str = "InternalServerError"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def body(self) -> Any:
        return {"error": {"code": self.code, "message": self.message}}


class ResourceProviderError(WireError):
    """An error produced by the Microsoft.Devices resource provider: NOT wrapped in ``error``.

    Shape ``{"code": 412001, "httpStatusCode": "PreconditionFailed", "message": "... errorcode:
    IH412001."}``, with ``code`` a JSON number. Source: [issue] crossplane-contrib/
    provider-upjet-azure#299, Azure/azure-cli#5376; [spec] azure-rest-api-specs iothub.json
    ``#/definitions/ErrorDetails``.
    """

    code: int = 500001

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def body(self) -> Any:
        stamp = utcnow().strftime("%Y-%m-%d %H:%M:%SZ")
        text = (
            f"{self.message} If you contact a support representative please include this "
            f"correlation identifier: {uuid.uuid4()}, timestamp: {stamp}, "
            f"errorcode: IH{self.code}."
        )
        return {"code": self.code, "httpStatusCode": reason_phrase(self.status), "message": text}


class RawError(WireError):
    """An error with a caller-chosen status and body (scripted failures from the admin API)."""

    def __init__(self, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
        super().__init__(f"{status}")
        self.status = status
        self._body = body
        self._headers = headers or {}

    def body(self) -> Any:
        return self._body

    def headers(self) -> dict[str, str]:
        return dict(self._headers)
