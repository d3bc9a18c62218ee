"""OAuth errors of the token endpoint, in Entra ID's body shape.

Shape ``{"error", "error_description": "AADSTSnnn: ...", "error_codes": [n], "timestamp",
"trace_id", "correlation_id", "error_uri"}``. Source: [issue] OfficeDev/microsoft-365-agents-toolkit
#8621 (a real AADSTS7000215 answer, HTTP 401).
"""

from __future__ import annotations

import uuid
from typing import Any

from azure_iot_emulator.wire import WireError, utcnow


class OAuthError(WireError):
    """Base: subclasses fix status, OAuth ``error`` and the AADSTS number."""

    status = 400
    error = "invalid_request"
    aadsts = 900144

    def __init__(self, description: str) -> None:
        super().__init__(description)
        self.description = description

    def body(self) -> Any:
        trace, correlation = str(uuid.uuid4()), str(uuid.uuid4())
        stamp = utcnow().strftime("%Y-%m-%d %H:%M:%SZ")
        return {
            "error": self.error,
            "error_description": (
                f"AADSTS{self.aadsts}: {self.description} Trace ID: {trace} "
                f"Correlation ID: {correlation} Timestamp: {stamp}"
            ),
            "error_codes": [self.aadsts],
            "timestamp": stamp,
            "trace_id": trace,
            "correlation_id": correlation,
            "error_uri": f"https://login.microsoftonline.com/error?code={self.aadsts}",
        }

    def headers(self) -> dict[str, str]:
        return {"cache-control": "no-store, no-cache"}


_NOT_INSTALLED = (
    "This can happen if the application has not been installed by the administrator of the "
    "tenant or consented to by any user in the tenant."
)


class TenantNotFound(OAuthError):
    """AADSTS90002, unknown tenant. [guess] wording and status 400."""

    aadsts = 90002

    def __init__(self, tenant: str) -> None:
        super().__init__(
            f"Tenant '{tenant}' not found. Check to make sure you have the correct tenant ID and "
            "are signing into the correct cloud."
        )


class UnsupportedGrantType(OAuthError):
    """AADSTS70003, only client_credentials is implemented. [guess] wording."""

    error = "unsupported_grant_type"
    aadsts = 70003

    def __init__(self, grant_type: str) -> None:
        super().__init__(f"The app requested an unsupported grant type '{grant_type}'.")


class ApplicationNotFound(OAuthError):
    """AADSTS700016, unknown client id in this tenant. [guess] wording and status 400."""

    error = "unauthorized_client"
    aadsts = 700016

    def __init__(self, client_id: str, tenant: str) -> None:
        super().__init__(
            f"Application with identifier '{client_id}' was not found in the directory "
            f"'{tenant}'. {_NOT_INSTALLED} You may have sent your authentication request to "
            "the wrong tenant."
        )


class InvalidClientSecret(OAuthError):
    """AADSTS7000215, wrong secret: 401 invalid_client [issue, see module docstring]."""

    status = 401
    error = "invalid_client"
    aadsts = 7000215

    def __init__(self, client_id: str) -> None:
        super().__init__(
            "Invalid client secret provided. Ensure the secret being sent in the request is the "
            f"client secret value, not the client secret ID, for a secret added to app "
            f"'{client_id}'."
        )


class MissingClientSecret(OAuthError):
    """AADSTS7000218, no secret at all. Wording: [issue] MicrosoftDocs/azure-docs#25959."""

    status = 401
    error = "invalid_client"
    aadsts = 7000218

    def __init__(self) -> None:
        super().__init__(
            "The request body must contain the following parameter: 'client_assertion' or "
            "'client_secret'."
        )


class InvalidScope(OAuthError):
    """AADSTS1002012, client-credential scope without ``/.default``. [guess] wording."""

    error = "invalid_scope"
    aadsts = 1002012

    def __init__(self, scope: str) -> None:
        super().__init__(
            f"The provided value for scope {scope} is not valid. Client credential flows must "
            "have a scope value with /.default suffixed to the resource identifier "
            "(application ID URI)."
        )


class ResourceNotFound(OAuthError):
    """AADSTS500011, a resource other than ARM. [guess] wording."""

    error = "invalid_resource"
    aadsts = 500011

    def __init__(self, resource: str, tenant: str) -> None:
        super().__init__(
            f"The resource principal named {resource} was not found in the tenant named "
            f"{tenant}. {_NOT_INSTALLED}"
        )


# Workload identity federation: a client_assertion from an external OIDC issuer instead of a
# secret. All are client-authentication failures, so 401 invalid_client, as in the real answers
# quoted in each class's source.

_FIC_DOCS = "https://learn.microsoft.com/entra/workload-id/workload-identity-federation"
_CHECK_FIC = (
    "Check your federated identity credential Subject, Audience and Issuer against the presented "
    "assertion."
)
JWT_BEARER = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"


class InvalidClientAssertionType(OAuthError):
    """AADSTS900144-style refusal of a ``client_assertion`` that is not a JWT bearer assertion, or
    that comes with a ``client_secret`` too. [guess] code, wording and status 400."""


class MalformedClientAssertion(OAuthError):
    """AADSTS50027, the assertion is not a JWT. Code: [doc] AADSTS reference ("InvalidJwtToken");
    wording and status 400 [guess]."""

    aadsts = 50027

    def __init__(self) -> None:
        super().__init__("JWT token is invalid or malformed.")


class _FederatedMismatch(OAuthError):
    status = 401
    error = "invalid_client"


class NoMatchingIssuer(_FederatedMismatch):
    """AADSTS700211: no federated credential of the app has this issuer, or the issuer's keys are
    unknown. Wording: [issue] Azure/azure-workload-identity#1200."""

    aadsts = 700211

    def __init__(self, issuer: str) -> None:
        super().__init__(
            f"No matching federated identity record found for presented assertion issuer "
            f"'{issuer}'. Please check your federated identity credential Subject, Audience and "
            f"Issuer against the presented assertion. {_FIC_DOCS}"
        )


class AssertionSignatureInvalid(_FederatedMismatch):
    """AADSTS700027: the assertion does not verify against its issuer's keys. [guess] wording,
    after the certificate-credential answer of the same number."""

    aadsts = 700027

    def __init__(self, issuer: str, kid: str | None) -> None:
        super().__init__(
            "Client assertion failed signature validation. [Reason - The provided signature "
            f"value did not match any RS256 key of issuer '{issuer}', Key ID of the assertion: "
            f"'{kid or ''}']"
        )


class AssertionOutsideValidity(_FederatedMismatch):
    """AADSTS700024, expired or not yet valid (beyond the clock skew). Wording: [issue]
    AzureAD/microsoft-authentication-library-for-dotnet#4951 (``valid from`` is 1970 when the
    assertion has no ``nbf``)."""

    aadsts = 700024

    def __init__(self, now: str, valid_from: str, expiry: str) -> None:
        super().__init__(
            f"Client assertion is not within its valid time range. Current time: {now}, "
            f"assertion valid from {valid_from}, expiry time of assertion {expiry}. Review the "
            "documentation at https://learn.microsoft.com/entra/identity-platform/"
            "certificate-credentials ."
        )


class NoMatchingSubject(_FederatedMismatch):
    """AADSTS700213: no credential of that issuer has this subject. Wording: [issue] Azure/login
    #482, dotnet/maui#31978."""

    aadsts = 700213

    def __init__(self, subject: str) -> None:
        super().__init__(
            f"No matching federated identity record found for presented assertion subject "
            f"'{subject}'. {_CHECK_FIC} {_FIC_DOCS}"
        )


class SubjectCaseMismatch(_FederatedMismatch):
    """AADSTS7002138: the subject matches a credential only case-insensitively (matching became
    case-sensitive in 2024). Wording: [issue] Azure/login#515."""

    aadsts = 7002138

    def __init__(self, subject: str) -> None:
        super().__init__(
            f"No matching federated identity record found for presented assertion subject "
            f"'{subject}'. The subject matches with case-insensitive comparison, but not with "
            f"case-sensitive comparison. {_CHECK_FIC} See documentation at: {_FIC_DOCS}. See "
            "breaking change notification and remediation at: https://learn.microsoft.com/en-us/"
            "entra/identity-platform/reference-breaking-changes#august-2024."
        )


class NoMatchingAudience(_FederatedMismatch):
    """AADSTS700212: issuer and subject match, the audience does not. [guess] wording, by analogy
    with 700211 and 700213."""

    aadsts = 700212

    def __init__(self, audience: str) -> None:
        super().__init__(
            f"No matching federated identity record found for presented assertion audience "
            f"'{audience}'. {_CHECK_FIC} {_FIC_DOCS}"
        )
