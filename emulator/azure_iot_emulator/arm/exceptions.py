"""Errors ARM answers before (or instead of) a resource provider.

All use the ``{"error": {"code", "message"}}`` envelope.
"""

from __future__ import annotations

from azure_iot_emulator.wire import ArmError


class MissingApiVersionParameter(ArmError):
    """400; message verbatim from [issue] MicrosoftDocs/feedback#2279, cloudquery#6626."""

    status = 400
    code = "MissingApiVersionParameter"

    def __init__(self) -> None:
        super().__init__(
            "The api-version query parameter (?api-version=) is required for all requests."
        )


class NoRegisteredProviderFound(ArmError):
    """400 for an api-version the resource type does not support.

    Message format from [issue] Azure/azure-quickstart-templates#12630 (type 'IotHubs') and
    Azure/azure-cli#28843.
    """

    status = 400
    code = "NoRegisteredProviderFound"

    def __init__(
        self,
        location: str,
        api_version: str,
        resource_type: str,
        supported: list[str],
        locations: list[str],
    ) -> None:
        super().__init__(
            f"No registered resource provider found for location '{location}' and API version "
            f"'{api_version}' for type '{resource_type}'. The supported api-versions are "
            f"'{', '.join(supported)}'. The supported locations are '{', '.join(locations)}'."
        )


class InvalidResourceType(ArmError):
    """404 for a type the namespace does not have. Format: [issue] Azure/acs-engine#4037."""

    status = 404
    code = "InvalidResourceType"

    def __init__(self, resource_type: str, namespace: str, api_version: str) -> None:
        super().__init__(
            f"The resource type '{resource_type}' could not be found in the namespace "
            f"'{namespace}' for api version '{api_version}'."
        )


class SubscriptionNotFound(ArmError):
    """404; message from [issue] Azure/azure-cli#33657 and #30164."""

    status = 404
    code = "SubscriptionNotFound"

    def __init__(self, subscription_id: str) -> None:
        super().__init__(f"The subscription '{subscription_id}' could not be found.")


class ResourceGroupNotFound(ArmError):
    """404; message from [issue] Azure/azure-cli#2116."""

    status = 404
    code = "ResourceGroupNotFound"

    def __init__(self, name: str) -> None:
        super().__init__(f"Resource group '{name}' could not be found.")


class ResourceNotFound(ArmError):
    """404 for a missing tracked resource; message from [issue] Azure/azure-rest-api-specs#27183."""

    status = 404
    code = "ResourceNotFound"

    def __init__(self, resource_type: str, name: str, resource_group: str) -> None:
        super().__init__(
            f"The Resource '{resource_type}/{name}' under resource group '{resource_group}' was "
            "not found. For more details please go to https://aka.ms/ARMResourceNotFoundFix"
        )


class _Unauthenticated(ArmError):
    """401 with the RFC 6750 challenge ARM sends.

    Header shape ``Bearer authorization_uri="...", error="invalid_token", error_description="..."``
    from the Azure AD "Errors from Secured Resources" doc (learn.microsoft.com dn645539) [doc].
    """

    status = 401

    def __init__(self, message: str, authorization_uri: str) -> None:
        super().__init__(message)
        self.authorization_uri = authorization_uri

    def headers(self) -> dict[str, str]:
        description = self.message.replace('"', "'")
        return {
            "www-authenticate": (
                f'Bearer authorization_uri="{self.authorization_uri}", error="invalid_token", '
                f'error_description="{description}"'
            )
        }


class AuthenticationFailed(_Unauthenticated):
    """401, no bearer token. Message: [issue] microsoftgraph/msgraph-sdk-javascript#1562."""

    code = "AuthenticationFailed"

    def __init__(self, authorization_uri: str) -> None:
        super().__init__(
            "Authentication failed. The 'Authorization' header is missing.", authorization_uri
        )


class InvalidAuthenticationToken(_Unauthenticated):
    """401, a token that is malformed, badly signed or expired. [guess] detailed wording."""

    code = "InvalidAuthenticationToken"


class InvalidAuthenticationTokenAudience(_Unauthenticated):
    """401, a token for another resource. [guess] wording (ARM lists the accepted audiences)."""

    code = "InvalidAuthenticationTokenAudience"

    def __init__(self, audience: str, authorization_uri: str) -> None:
        super().__init__(
            f"The access token has been obtained for wrong audience or resource '{audience}'. It "
            "should exactly match with one of the allowed audiences "
            "'https://management.core.windows.net/','https://management.core.windows.net',"
            "'https://management.azure.com/','https://management.azure.com'.",
            authorization_uri,
        )


class AuthorizationFailed(ArmError):
    """403; message format from [issue] Azure/azure-cli#30789 and many others."""

    status = 403
    code = "AuthorizationFailed"

    def __init__(self, object_id: str, action: str, scope: str) -> None:
        super().__init__(
            f"The client '{object_id}' with object id '{object_id}' does not have authorization "
            f"to perform action '{action}' over scope '{scope}' or the scope is invalid. If "
            "access was recently granted, please refresh your credentials."
        )


class InvalidRequestContent(ArmError):
    """400 for a body ARM cannot read. [guess] wording."""

    status = 400
    code = "InvalidRequestContent"


class LocationRequired(ArmError):
    """400 for a tracked resource PUT without ``location``. [guess] wording."""

    status = 400
    code = "LocationRequired"

    def __init__(self) -> None:
        super().__init__("The location property is required for this definition.")


class InvalidResourceName(ArmError):
    """400 for a hub/DPS name outside the spec's pattern. [guess] code and wording."""

    status = 400
    code = "InvalidResourceName"

    def __init__(self, name: str, pattern: str) -> None:
        super().__init__(f"Resource name '{name}' is invalid. It must match {pattern}.")


class MethodNotAllowed(ArmError):
    """405 for a known path with an unsupported method. [guess] code and wording."""

    status = 405
    code = "HttpMethodNotAllowed"

    def __init__(self, method: str) -> None:
        super().__init__(f"The requested resource does not support http method '{method}'.")


class NotFoundPath(ArmError):
    """404 for a path no route answers. [guess]."""

    status = 404
    code = "NotFound"

    def __init__(self, path: str) -> None:
        super().__init__(f"The requested path '{path}' was not found.")


class SubscriptionRequestsThrottled(ArmError):
    """429 for a subscription's calls: from fault injection, or from ARM's token buckets.

    The token buckets' message is ARM's, recorded in a 429 of 2025-2026 quoted in
    roivaz/ARO-HCP-CIHealth ``pkg/failurepatterns/extractor/extract_regression_test.go``:
    "Number of 'read' requests for subscription '<id>' actor '<object id>' exceeded. Please try
    again after '10' seconds after additional tokens are available. Refer to
    https://aka.ms/arm-throttling for additional information." Fault injection's wording, and
    the message of an empty subscription-wide bucket (no actor), are [guess].
    """

    status = 429
    code = "SubscriptionRequestsThrottled"

    def __init__(
        self,
        retry_after_s: int,
        message: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(
            message
            or f"Number of requests for subscription exceeded the limit. Please try again after "
            f"'{retry_after_s}' seconds."
        )
        self.retry_after_s = retry_after_s
        self._headers = dict(headers or {})

    @classmethod
    def for_bucket(
        cls,
        kind: str,
        subscription_id: str,
        actor: str | None,
        retry_after_s: int,
        headers: dict[str, str],
    ) -> SubscriptionRequestsThrottled:
        """An empty token bucket: the principal's (``actor``) or the subscription's (None)."""
        who = f" actor '{actor}'" if actor else ""
        return cls(
            retry_after_s,
            f"Number of '{kind}' requests for subscription '{subscription_id}'{who} exceeded. "
            f"Please try again after '{retry_after_s}' seconds after additional tokens are "
            "available. Refer to https://aka.ms/arm-throttling for additional information.",
            headers,
        )

    def headers(self) -> dict[str, str]:
        return {**self._headers, "retry-after": str(self.retry_after_s)}


class TenantRequestsThrottled(ArmError):
    """429 for a tenant-level call (``/subscriptions``) whose principal's bucket is empty.

    [guess] code and wording, by analogy with :class:`SubscriptionRequestsThrottled`.
    """

    status = 429
    code = "TenantRequestsThrottled"

    def __init__(
        self,
        kind: str,
        tenant_id: str,
        actor: str,
        retry_after_s: int,
        headers: dict[str, str],
    ) -> None:
        super().__init__(
            f"Number of '{kind}' requests for tenant '{tenant_id}' actor '{actor}' exceeded. "
            f"Please try again after '{retry_after_s}' seconds after additional tokens are "
            "available. Refer to https://aka.ms/arm-throttling for additional information."
        )
        self.retry_after_s = retry_after_s
        self._headers = dict(headers)

    def headers(self) -> dict[str, str]:
        return {**self._headers, "retry-after": str(self.retry_after_s)}


class InjectedServerError(ArmError):
    """500/503 from fault injection. [guess] codes InternalServerError / ServiceUnavailable."""

    def __init__(self, status: int) -> None:
        super().__init__("Encountered internal server error. Please try again later.")
        self.status = status
        self.code = "ServiceUnavailable" if status == 503 else "InternalServerError"
