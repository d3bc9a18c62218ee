"""What the IoT Hub and DPS clients have in common: their errors and their certificate model.

Both raise azure-core exceptions, but which class a 412 becomes depends on the client and its
match condition, so errors are mapped by status code to the few outcomes the provider acts on.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NoReturn, TypeVar

from azure.core.exceptions import HttpResponseError, ResourceNotFoundError

from pop_provider.remote import (
    CertificateNotFound,
    EtagConflict,
    ProofRejected,
    RemoteCertificate,
    RemoteError,
)
from pop_provider.target import Target

T = TypeVar("T")

# azure-core retries a POST whose connection dropped only if told to: the request may have been
# applied. Every write here carries If-Match (or creates a new name), so a replay of an applied
# request cannot apply twice; it answers 412, which the lifecycle resolves by reading back.
RETRY_ON_METHODS = frozenset({"HEAD", "GET", "PUT", "DELETE", "OPTIONS", "TRACE", "POST"})


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


def certificate_from_model(model: Any, target: Target) -> RemoteCertificate:
    """A RemoteCertificate from either client's certificate model (same field names)."""
    props = model.properties
    expiry = props.expiry
    return RemoteCertificate(
        name=model.name,
        arm_id=model.id or target.certificate_id(model.name),
        etag=model.etag,
        thumbprint=(props.thumbprint or "").upper(),
        subject=props.subject or "",
        expiry=None if isinstance(expiry, str) else expiry,
        is_verified=bool(props.is_verified),
    )
