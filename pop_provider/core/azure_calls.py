"""One SDK call against a target, its error answer mapped (pop_provider.core.azure_answers), and
the certificate model both clients share.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from azure.core.exceptions import HttpResponseError

from pop_provider import failures
from pop_provider.core import messages
from pop_provider.core.azure_answers import mapped
from pop_provider.core.remote import RemoteCertificate
from pop_provider.core.target import Target

T = TypeVar("T")

# azure-core retries a POST whose connection dropped only if told to: the request may have been
# applied. Every write here carries If-Match (or creates a new name), so a replay of an applied
# request cannot apply twice; it answers 412, which the lifecycle resolves by reading back.
RETRY_ON_METHODS = frozenset({"HEAD", "GET", "PUT", "DELETE", "OPTIONS", "TRACE", "POST"})


def call_azure(
    target: Target, operation: str, call: Callable[[], T], *, verifying: bool = False
) -> T:
    """Run one SDK call against `target`; map Azure's answer if it is an error."""
    try:
        return call()
    except HttpResponseError as error:
        if error.response is None:
            # No answer from ARM: a credential or transport failure (pop_provider.core.explain).
            raise
        raise mapped(error, target, operation, verifying=verifying) from None
    except failures.Throttled as error:
        # The retry policy's own (pop_provider.core.retries), which knows no target.
        raise failures.Throttled(messages.budget_spent(str(error), target, operation)) from None


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
        certificate_pem=getattr(props, "certificate", None) or None,
    )
