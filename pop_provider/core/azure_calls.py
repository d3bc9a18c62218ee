"""What the IoT Hub and DPS clients have in common: their errors and their certificate model.

Both raise azure-core exceptions, but which class a 412 becomes depends on the client and its
match condition, so answers are mapped by status and ARM error code: to the few outcomes the
lifecycle acts on (not found, etag conflict, proof rejected), or to a failure whose message
says what is wrong, where, and what to do (pop_provider.failures).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any, NoReturn, TypeVar

from azure.core.exceptions import HttpResponseError

from pop_provider import failures
from pop_provider.core.connection import RETRIES
from pop_provider.core.remote import (
    CertificateNotFound,
    EtagConflict,
    ProofRejected,
    RemoteCertificate,
    TargetMissing,
)
from pop_provider.core.retries import RetryBudgetExhausted
from pop_provider.core.target import Target

T = TypeVar("T")

# azure-core retries a POST whose connection dropped only if told to: the request may have been
# applied. Every write here carries If-Match (or creates a new name), so a replay of an applied
# request cannot apply twice; it answers 412, which the lifecycle resolves by reading back.
RETRY_ON_METHODS = frozenset({"HEAD", "GET", "PUT", "DELETE", "OPTIONS", "TRACE", "POST"})

# ARM's codes for a missing parent of the certificate (reference doc 2.3; ARM's envelope).
_PARENT_MISSING = {"resourcenotfound", "parentresourcenotfound", "resourcegroupnotfound"}
_ROLE_HINT = (
    "assign the principal a role with this action at that scope or above: the least-privilege "
    "role 'IoT CA certificate verifier' in the README (section 'Credentials and the Azure role "
    "it needs'), or Contributor"
)
# ARM's AuthorizationFailed message names the principal, the action and the scope.
_DENIED = re.compile(
    r"client '(?P<client>[^']*)'(?: with object id '(?P<object>[^']*)')?.*?"
    r"action '(?P<action>[^']*)' over scope '(?P<scope>[^']*)'",
    re.DOTALL,
)
_LIMIT_CODES = {"400110"}
_LATER = (
    "run `pulumi up` again later (it resumes where this run stopped), or lower the "
    "parallelism (`pulumi up --parallel 4`)"
)


def azure_message(error: HttpResponseError) -> str:
    """Azure's own words (message and code), without the SDK's request dump."""
    code = error_code(error)
    detail = getattr(error, "error", None)
    model = getattr(error, "model", None)
    message = (
        getattr(detail, "message", None)
        or getattr(model, "message", None)
        or error.reason
        or "no message"
    )
    message = " ".join(str(message).split())
    return f"{message} (code {code})" if code else message


def error_code(error: HttpResponseError) -> str | None:
    """ARM's code (a string) or the resource provider's (an integer such as 404001)."""
    for source in (getattr(error, "error", None), getattr(error, "model", None)):
        code = getattr(source, "code", None)
        if code not in (None, ""):
            return str(code)
    return None


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
        _raise_mapped(target, operation, error, verifying)
    except RetryBudgetExhausted as error:
        raise failures.Throttled(
            f"{error}, while {_doing(operation)} {target.description}; {_LATER}"
        ) from None


def _raise_mapped(
    target: Target, operation: str, error: HttpResponseError, verifying: bool
) -> NoReturn:
    status, code = error.status_code or 0, (error_code(error) or "").lower()
    said = azure_message(error)
    if status == 404 and code in _PARENT_MISSING:
        raise TargetMissing(_missing_parent(target, code, said)) from None
    if status == 404 and code == "subscriptionnotfound":
        raise failures.TargetNotFound(
            f"subscription {target.subscription_id} was not found, or the principal has no role "
            f"in it: check the subscription of {target.label} (its ARM id, or the "
            f"subscriptionId setting) and the principal's role assignments; Azure said: {said}"
        ) from None
    if status == 404:
        raise CertificateNotFound(said) from None
    if status == 412:
        raise EtagConflict(said) from None
    if verifying and status == 400:
        raise ProofRejected(said) from None
    if status == 403:
        raise failures.AccessDenied(_denied(target, operation, said)) from None
    if status == 401:
        raise failures.AuthenticationFailed(
            f"Azure Resource Manager refused the token while {_doing(operation)} "
            f"{target.description}: {said}; check the tenantId setting and pop:authorityHost "
            "(the token must come from the tenant of the subscription)"
        ) from None
    if code in _LIMIT_CODES or "maximum number of certificates" in said.lower():
        raise failures.CertificateLimitReached(
            f"{target.description} already holds as many CA certificates as it may: {said}; "
            f"delete certificates it no longer needs from the {target.kind_label}, or trust this "
            "CA on another one"
        ) from None
    if status == 429 or status >= 500:
        raise failures.Throttled(
            f"Azure answered HTTP {status} while {_doing(operation)} {target.description}, "
            f"still after {RETRIES} retries: {said}; {_LATER}"
        ) from None
    raise failures.AzureRejected(
        f"Azure refused {_doing(operation)} {target.description} (HTTP {status}): {said}"
    ) from None


def _missing_parent(target: Target, code: str, said: str) -> str:
    if code == "resourcegroupnotfound":
        return (
            f"resource group '{target.resource_group}' does not exist in subscription "
            f"{target.subscription_id}: check resource_group_name (or the group in the "
            f"{target.kind_label}'s ARM id) and the subscription; Azure said: {said}"
        )
    return (
        f"{target.description} does not exist: check the {target.kind_label}'s name, resource "
        f"group and subscription (its ARM id, or the name inputs), or create it first; "
        f"Azure said: {said}"
    )


def _denied(target: Target, operation: str, said: str) -> str:
    match = _DENIED.search(said)
    if match is None:
        return f"access denied while {_doing(operation)} {target.description}: {said}; {_ROLE_HINT}"
    principal = match["client"]
    if match["object"] and match["object"] != principal:
        principal += f" (object id {match['object']})"
    return (
        f"access denied: principal {principal} may not perform '{match['action']}' on scope "
        f"'{match['scope']}'; {_ROLE_HINT}"
    )


_DOING = {
    "get": "reading a certificate of",
    "create_or_update": "uploading a certificate to",
    "generate_verification_code": "generating a verification code on",
    "verify": "verifying a certificate on",
    "verify_certificate": "verifying a certificate on",
    "delete": "deleting a certificate from",
    "list_by_iot_hub": "listing the certificates of",
    "list": "listing the certificates of",
}


def _doing(operation: str) -> str:
    return _DOING.get(operation, f"calling {operation} on")


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
