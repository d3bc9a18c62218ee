"""DPS service API errors, in the service's own body shape.

Body ``{"errorCode": <int>, "trackingId", "message", "timestampUtc"}``
(ProvisioningServiceErrorDetails) plus the ``x-ms-error-code`` header [spec:
azure-rest-api-specs DeviceProvisioningServices data-plane TYPESPEC-MIGRATION.md §2]. The
six-digit codes start with the HTTP status (404204 [code: live e2e test], 409202 [rec], 401002
on the device side [doc]); where DPS's own number is not published, IoT Hub's for the same
meaning is borrowed (400001, 400004, 401002, 404001, 412001) **[guess]**. What each class below
does not cite is **[guess]**. The header's value is the numeric code as text **[guess]**: no
recording shows it.
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
    """401 for a missing, malformed, expired or foreign credential, and for a valid one that may
    not perform the request: the troubleshooting doc's table of the service's statuses has 401
    and no 403 [doc: MicrosoftDocs/azure-docs articles/iot-dps/how-to-troubleshoot-dps.md @
    027eedc1], and IoT Hub answers 401 to a token without a data role (PrincipalNotAuthorized).
    401002 [guess: the device side's 401002 reused]."""

    status = 401
    code = 401002


class PrincipalNotAuthorized(Unauthorized):
    """401 for a valid Entra token whose principal holds no data role granting the request's data
    action, in IoT Hub's words adapted: "Principal <object id> is not authorized for <METHOD> on
    <path> due to no assigned permissions" [issue: Azure/azure-iot-sdk-csharp#3344,
    Azure/azure-sdk-for-net#21453, IoT Hub's answer]; for DPS the code and wording are
    **[guess: by analogy with IoT Hub]**."""

    def __init__(self, principal: str, method: str, path: str) -> None:
        # Azure's words only: the service names no role or data action (the client says which).
        super().__init__(
            f"Principal {principal} is not authorized for {method} on {path} due to no assigned "
            "permissions"
        )


class PolicyNotAuthorized(Unauthorized):
    """401 for a shared-access signature whose policy lacks the right the request needs, worded
    as PrincipalNotAuthorized with the policy and the right named **[guess: by analogy with IoT
    Hub]**."""

    def __init__(self, policy: str, method: str, path: str, rights: tuple[str, ...]) -> None:
        super().__init__(
            f"Shared access policy {policy} is not authorized for {method} on {path} due to no "
            f"assigned permissions: it lacks the right {' or '.join(rights)}."
        )


class InvalidRequest(DpsServiceError):
    """400 for a body the service rejects ("TPM or X509 attestation is required." [issue:
    Azure/azure-cli#19197]; other wordings [guess]); 400004 [guess: borrowed, IoT Hub's
    ArgumentInvalid]."""

    status = 400
    code = 400004


class MissingApiVersion(DpsServiceError):
    """400 when ``api-version`` is absent [guess: wording; 400001 borrowed, IoT Hub's
    InvalidProtocolVersion]."""

    status = 400
    code = 400001

    def __init__(self) -> None:
        super().__init__("The api-version query parameter is required.")


class UnsupportedApiVersion(DpsServiceError):
    """400 for an api-version the service does not serve [guess: wording; 400001 borrowed, IoT
    Hub's InvalidProtocolVersion]."""

    status = 400
    code = 400001

    def __init__(self, version: str, supported: tuple[str, ...]) -> None:
        super().__init__(
            f"The api-version '{version}' is not supported; supported: {', '.join(supported)}."
        )


class EnrollmentGroupNotFound(DpsServiceError):
    """404 404204 for a group that does not exist [code: Azure/azure-iot-sdk-csharp branch
    previews/v2 @ c592872117799400c1457dfa28a23c5902811d09,
    e2e/Tests/provisioning/ProvisioningServiceEnrollmentGroupTests.cs, a live-service test:
    ``GetAsync("invalid-registration-id")`` → ``ErrorCode.Should().Be(404204)``; individual
    enrollments give 404201]. The message is **[guess]**."""

    status = 404
    code = 404204

    def __init__(self, group_id: str) -> None:
        super().__init__(f"Enrollment group {group_id} not found.")


class EnrollmentGroupExists(DpsServiceError):
    """409202 "EnrollmentGroup already exists." [rec: bulk operations recording]."""

    status = 409
    code = 409202

    def __init__(self) -> None:
        super().__init__("EnrollmentGroup already exists.")


class PreconditionFailed(DpsServiceError):
    """412 when ``If-Match`` does not match the stored etag [doc: how-to-troubleshoot-dps.md @
    027eedc1: "The ETag in the request does not match the ETag of the existing resource, as per
    RFC7232."]. 412001 **[guess]**: IoT Hub's PreconditionFailed (seen live on an IoT Hub
    certificate PUT [issue: crossplane-contrib/provider-upjet-azure#299]); DPS's own number is
    not published (412002 is IoT Hub's DeviceMessageLockLost [code: azure-iot-sdk-csharp
    iothub/service/src/Common/Exceptions/ErrorCode.cs])."""

    status = 412
    code = 412001

    def __init__(self) -> None:
        super().__init__("Precondition failed: the etag in If-Match does not match.")


class TooManyBulkItems(InvalidRequest):
    """400 when a bulk request holds more than 10 groups [spec: "maximum of 10"]."""

    def __init__(self, count: int) -> None:
        super().__init__(f"A bulk operation takes at most 10 enrollment groups; got {count}.")
