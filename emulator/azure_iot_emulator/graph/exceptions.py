"""Microsoft Graph's errors: ``{"error": {"code", "message", "innerError": {"date",
"request-id", "client-request-id"}}}`` [issue] microsoftgraph/msgraph-sample-reactspa#54,
microsoftgraph/console-java-connect-sample#1 (bodies of real answers)."""

from __future__ import annotations

import uuid
from typing import Any

from azure_iot_emulator.wire import WireError, utcnow


class GraphError(WireError):
    """Base: subclasses fix ``status`` and ``code``."""

    status = 400
    code = "BadRequest"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def body(self) -> Any:
        request_id = str(uuid.uuid4())
        return {
            "error": {
                "code": self.code,
                "message": self.message,
                "innerError": {
                    "date": utcnow().strftime("%Y-%m-%dT%H:%M:%S"),
                    "request-id": request_id,
                    "client-request-id": request_id,
                },
            }
        }


class InvalidAuthenticationToken(GraphError):
    """401 for a missing, invalid, expired or foreign token. "Access token is empty." [issue]
    microsoftgraph/msgraph-sample-reactspa#54 and msgraph-sdk-powershell#2731; "Access token
    validation failure." [issue] microsoftgraph/console-java-connect-sample#1 (a token for
    another audience); status 401 [issue] microsoftgraph/android-java-meetingfeedback-rest-
    sample#11; "... Invalid audience." and the expiry wording [guess]."""

    status = 401
    code = "InvalidAuthenticationToken"


class ResourceNotFound(GraphError):
    """404 for an object id the directory does not hold; wording as pnp/cli-microsoft365's test
    fixtures quote Graph [code]."""

    status = 404
    code = "Request_ResourceNotFound"

    def __init__(self, object_id: str) -> None:
        super().__init__(
            f"Resource '{object_id}' does not exist or one of its queried reference-property "
            "objects are not present."
        )


class UnsupportedQuery(GraphError):
    """400 for a ``$filter`` the emulator does not evaluate (refused, never answered
    unfiltered). Code a real Graph one; its use here and the wording [guess]."""

    status = 400
    code = "Request_UnsupportedQuery"

    def __init__(self, text: str) -> None:
        super().__init__(
            f"Unsupported query: '{text}'. The emulator's Graph filters service principals by "
            "\"appId eq '<id>'\", \"displayName eq '<name>'\" or "
            "\"servicePrincipalNames/any(c:c eq '<name>')\"."
        )
