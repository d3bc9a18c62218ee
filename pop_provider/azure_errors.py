"""Azure SDK exceptions turned into the few outcomes the provider acts on.

Both certificate clients (IoT Hub, DPS) raise azure-core exceptions; which class a 412 becomes
depends on the client and its match condition, so the mapping goes by status code.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NoReturn, TypeVar

from azure.core.exceptions import HttpResponseError, ResourceNotFoundError

from pop_provider.remote import CertificateNotFound, EtagConflict, ProofRejected, RemoteError

T = TypeVar("T")


def azure_message(error: HttpResponseError) -> str:
    """Azure's own words (code and message), without the SDK's request dump."""
    detail = getattr(error, "error", None)
    code = getattr(detail, "code", None)
    message = getattr(detail, "message", None) or error.message or str(error)
    return f"{message} (code {code})" if code else str(message)


def call_azure(where: str, operation: str, call: Callable[[], T], *, verifying: bool = False) -> T:
    """Run one SDK call; `where` names the target in error messages."""
    try:
        return call()
    except ResourceNotFoundError as error:
        if error.status_code in (None, 404):
            raise CertificateNotFound(azure_message(error)) from None
        return _other(where, operation, error, verifying)
    except HttpResponseError as error:
        return _other(where, operation, error, verifying)


def _other(where: str, operation: str, error: HttpResponseError, verifying: bool) -> NoReturn:
    if error.status_code == 412:
        raise EtagConflict(azure_message(error)) from None
    if verifying and error.status_code == 400:
        raise ProofRejected(azure_message(error)) from None
    raise RemoteError(
        f"{operation} on {where} failed with HTTP {error.status_code}: {azure_message(error)}"
    ) from None
