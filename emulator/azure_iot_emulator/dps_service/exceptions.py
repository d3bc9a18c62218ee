"""DPS service API errors, in the service's own body shape.

Body ``{"errorCode": <int>, "trackingId", "message", "timestampUtc"}``
(ProvisioningServiceErrorDetails) plus the ``x-ms-error-code`` header [spec:
azure-rest-api-specs DeviceProvisioningServices data-plane TYPESPEC-MIGRATION.md §2]. The
six-digit codes start with the HTTP status (404202, 409202 [rec], 401002 on the device side
[doc]); what each class below does not cite is **[guess]**. The header's value is the numeric
code as text **[guess]**: no recording shows it.
"""

from __future__ import annotations

import uuid
from typing import Any

from azure_iot_emulator.wire import WireError, utcnow


def timestamp_utc() -> str:
    """``2023-05-09T20:31:16.3220889Z``: 7 fractional digits and ``Z`` [rec]."""
    moment = utcnow()
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond:06d}0Z"


class DpsServiceError(WireError):
    """Base: subclasses fix ``status`` and ``code``."""

    status = 400
    code = 400004

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def body(self) -> Any:
        return {
            "errorCode": self.code,
            "trackingId": str(uuid.uuid4()),
            "message": self.message,
            "timestampUtc": timestamp_utc(),
        }

    def headers(self) -> dict[str, str]:
        return {"x-ms-error-code": str(self.code)}


class Unauthorized(DpsServiceError):
    """401 for a missing, malformed, expired or foreign credential (401002 "Unauthorized"
    [guess: the device side's 401002 reused])."""

    status = 401
    code = 401002


class Forbidden(DpsServiceError):
    """403: a valid Entra token whose principal holds no data role granting the action, or a SAS
    policy without the right [doc: concepts-control-access-dps-azure-ad.md; code 403002 guess]."""

    status = 403
    code = 403002


class InvalidRequest(DpsServiceError):
    """400 for a body the service rejects ("TPM or X509 attestation is required." [issue:
    Azure/azure-cli#19197]; other wordings [guess])."""

    status = 400
    code = 400004


class MissingApiVersion(DpsServiceError):
    """400 when ``api-version`` is absent [guess: wording and code]."""

    status = 400
    code = 400001

    def __init__(self) -> None:
        super().__init__("The api-version query parameter is required.")


class UnsupportedApiVersion(DpsServiceError):
    """400 for an api-version the service does not serve [guess: wording and code]."""

    status = 400
    code = 400001

    def __init__(self, version: str, supported: tuple[str, ...]) -> None:
        super().__init__(
            f"The api-version '{version}' is not supported; supported: {', '.join(supported)}."
        )


class EnrollmentGroupNotFound(DpsServiceError):
    """404 for a group that does not exist (404202 [issue: MicrosoftDocs/azure-docs#57082 names
    404201 and 404202 "for two different cases"; which case is which is a guess])."""

    status = 404
    code = 404202

    def __init__(self, group_id: str) -> None:
        super().__init__(f"Enrollment group {group_id} not found.")


class EnrollmentGroupExists(DpsServiceError):
    """409202 "EnrollmentGroup already exists." [rec: bulk operations recording]."""

    status = 409
    code = 409202

    def __init__(self) -> None:
        super().__init__("EnrollmentGroup already exists.")


class PreconditionFailed(DpsServiceError):
    """412 when ``If-Match`` does not match the stored etag [doc: how-to-troubleshoot-dps.md,
    "412 … ETag … doesn't match"; code 412002 guess]."""

    status = 412
    code = 412002

    def __init__(self) -> None:
        super().__init__("Precondition failed: the etag in If-Match does not match.")


class TooManyBulkItems(InvalidRequest):
    """400 when a bulk request holds more than 10 groups [spec: "maximum of 10"]."""

    def __init__(self, count: int) -> None:
        super().__init__(f"A bulk operation takes at most 10 enrollment groups; got {count}.")
