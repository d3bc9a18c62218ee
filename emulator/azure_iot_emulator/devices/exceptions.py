"""Errors of the Microsoft.Devices resource provider, in its un-wrapped ErrorDetails shape.

Each class fixes status and numeric code; the source of each is in its docstring. Codes marked
[guess] were found in no source (spec, SDK, recording or public issue) and are the emulator's
proposal.
"""

from __future__ import annotations

from azure_iot_emulator.wire import ResourceProviderError


class PreconditionFailed(ResourceProviderError):
    """412 IH412001 "Invalid ETag supplied." — stale or missing If-Match.

    Source: [issue] crossplane-contrib/provider-upjet-azure#299 (PUT without If-Match on an
    existing certificate), Azure/azure-cli#13098 (stale etag on DPS verify).
    """

    status = 412
    code = 412001

    def __init__(self) -> None:
        super().__init__("Invalid ETag supplied.")


class CertificateNotFound(ResourceProviderError):
    """404 IH404015 "Certificate '<name>' not found." on IoT Hub and DPS alike.

    Source: [rec] Azure/azure-sdk-for-net recordings of a GET after delete: IoT Hub
    (``CertificateDescriptionTests/Delete.json``, 2022) and DPS
    (``DpsCertificateTests/DpsCertificateOperations.json``, 2023).
    """

    status = 404
    code = 404015

    def __init__(self, name: str) -> None:
        super().__init__(f"Certificate '{name}' not found.")


class CertificateContentMissing(ResourceProviderError):
    """400 when the body carries no certificate content. [guess] code 400005 (ArgumentNull)."""

    status = 400
    code = 400005

    def __init__(self) -> None:
        super().__init__("Certificate content is null or empty.")


class InvalidCertificate(ResourceProviderError):
    """400 for content that is no parseable certificate. [guess] code 400004 (ArgumentInvalid)."""

    status = 400
    code = 400004

    def __init__(self, detail: str) -> None:
        super().__init__(f"Invalid certificate. {detail}.")


class InvalidCertificateName(ResourceProviderError):
    """400 for a name outside the spec's pattern or length. [guess] code 400004."""

    status = 400
    code = 400004

    def __init__(self, name: str, rule: str) -> None:
        super().__init__(f"Certificate name '{name}' is invalid: it must match {rule}.")


class ProofOfPossessionIssuerNotFound(ResourceProviderError):
    """400 IH400053, verification cert not issued (or not signed) by the uploaded CA.

    Source: [issue] Azure/azure-cli#5376 and Azure/azure-iot-sdk-c#1347, message verbatim up to
    the issuer name.
    """

    status = 400
    code = 400053

    def __init__(self, ca_subject: str) -> None:
        super().__init__(
            f"Proof-Of-Possession failed. Issuer certificate '{ca_subject}' cannot be found in "
            "the certificate chain."
        )


class ProofOfPossessionSubjectMismatch(ResourceProviderError):
    """400, verification cert's CN is not the current verification code. [guess] code 400053."""

    status = 400
    code = 400053

    def __init__(self, subject: str) -> None:
        super().__init__(
            f"Proof-Of-Possession failed. The verification certificate subject '{subject}' does "
            "not match the current verification code of the certificate."
        )


class ProofOfPossessionNoCode(ResourceProviderError):
    """400, verify called with no outstanding verification code. [guess] code 400053."""

    status = 400
    code = 400053

    def __init__(self, name: str) -> None:
        super().__init__(
            f"Proof-Of-Possession failed. No verification code has been generated for "
            f"certificate '{name}'; call generateVerificationCode first."
        )


class ProofOfPossessionUnsupportedKey(ResourceProviderError):
    """400, the CA key or signature scheme is none of RSA (PKCS#1 v1.5, PSS) or ECDSA P-256/384/521.

    [guess] code 400053.
    """

    status = 400
    code = 400053

    def __init__(self) -> None:
        super().__init__(
            "Proof-Of-Possession failed. The certificate's key type or signature algorithm is "
            "not supported."
        )


class CertificateLimitExceeded(ResourceProviderError):
    """400 when the parent already holds its maximum of CA certificates. [guess] code 400110.

    The DPS limit (25) is documented (docs: includes/iot-dps-limits.md); the IoT Hub limit is not.
    """

    status = 400
    code = 400110

    def __init__(self, parent: str, limit: int) -> None:
        super().__init__(
            f"The maximum number of certificates ({limit}) for '{parent}' has been reached."
        )
