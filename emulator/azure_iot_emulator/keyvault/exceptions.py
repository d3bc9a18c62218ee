"""Key Vault data-plane errors, in Key Vault's body shape ``{"error": {"code", "message"}}``.

Each class fixes status and code; the source of each is in its docstring.
"""

from __future__ import annotations

from typing import Any

from azure_iot_emulator.wire import WireError

KEY_VAULT_RESOURCE = "https://vault.azure.net"


class KeyVaultError(WireError):
    """Base: subclasses fix the status and the wire code."""

    status = 400
    code = "BadParameter"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def body(self) -> Any:
        return {"error": {"code": self.code, "message": self.message}}


class Unauthorized(KeyVaultError):
    """401 with the challenge azure-keyvault-keys' ChallengeAuthPolicy answers.

    Header shape ``Bearer authorization="<authority>/<tenant>", resource="https://vault.azure.net"``
    [sdk] azure-keyvault-keys ``_shared/http_challenge.py``; AKV message numbers [issue]
    (AKV10000 on a request without a token); wording of the others [guess].
    """

    status = 401
    code = "Unauthorized"

    def __init__(self, message: str, authorization_uri: str) -> None:
        super().__init__(message)
        self.authorization_uri = authorization_uri

    def headers(self) -> dict[str, str]:
        return {
            "www-authenticate": (
                f'Bearer authorization="{self.authorization_uri}", resource="{KEY_VAULT_RESOURCE}"'
            )
        }


class KeyNotFound(KeyVaultError):
    """404 KeyNotFound. Wording: [issue] (as the real service answers a get of a missing key)."""

    status = 404
    code = "KeyNotFound"

    def __init__(self, name: str, version: str | None) -> None:
        shown = f"{name}/{version}" if version else name
        super().__init__(
            f"A key with (name/id) {shown} was not found in this key vault. If you recently "
            "deleted this key you may be able to recover it using the correct recovery command. "
            "For help resolving this issue, please see https://go.microsoft.com/fwlink/?linkid="
            "2125182"
        )


class BadParameter(KeyVaultError):
    """400 BadParameter: a body or parameter the service rejects. Wording per use [guess]."""


class MissingApiVersion(KeyVaultError):
    """400 BadParameter for a request without ``api-version``. [guess] wording."""

    def __init__(self) -> None:
        super().__init__("The 'api-version' query parameter is missing.")


class UnsupportedApiVersion(KeyVaultError):
    """400 BadParameter for an api-version the emulator does not serve. [guess] wording."""

    def __init__(self, version: str, latest: str) -> None:
        super().__init__(
            f"The specified version ({version}) is not recognized. Consider using the latest "
            f"supported version ({latest})."
        )


class OperationNotAllowed(KeyVaultError):
    """403 Forbidden for an operation the key's ``key_ops`` exclude. [guess] wording and code."""

    status = 403
    code = "Forbidden"

    def __init__(self, operation: str) -> None:
        super().__init__(f"Operation {operation} is not permitted on this key.")
