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
