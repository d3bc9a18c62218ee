"""Azure's error answers, mapped by status and code to what the lifecycle does or the user reads."""

from __future__ import annotations

import json
from typing import Any

import pytest
from azure.core.exceptions import HttpResponseError
from azure.mgmt.core.exceptions import ARMErrorFormat

from pop_provider import failures
from pop_provider.core.azure_calls import call_azure
from pop_provider.core.remote import CertificateNotFound, EtagConflict, ProofRejected, TargetMissing
from pop_provider.core.target import TargetKind, make_target

SUBSCRIPTION = "00000000-0000-0000-0000-0000000000a1"
HUB = make_target(TargetKind.IOT_HUB, SUBSCRIPTION, "rg-fleet", "hub-one")
DPS = make_target(TargetKind.DPS, SUBSCRIPTION, "rg-fleet", "dps-one")


class Answer:
    """Just enough of an HTTP response for azure-core to parse Azure's error body."""

    def __init__(self, status: int, body: dict[str, Any]) -> None:
        self.status_code, self.reason = status, "Reason"
        self.headers: dict[str, str] = {}
        self.request = None
        self._body = json.dumps(body)

    def text(self, encoding: str | None = None) -> str:
        return self._body


def failing(status: int, body: dict[str, Any]) -> Any:
    def call() -> None:
        raise HttpResponseError(response=Answer(status, body), error_format=ARMErrorFormat)

    return call


def arm(code: str, message: str) -> dict[str, Any]:
    return {"error": {"code": code, "message": message}}


def rp(code: int, message: str) -> dict[str, Any]:
    """The IoT Hub resource provider's own shape (reference doc 2.1)."""
    return {"code": code, "httpStatusCode": "NotFound", "message": message}


def test_a_missing_hub_is_named_with_group_and_subscription() -> None:
    said = "The Resource 'Microsoft.Devices/IotHubs/hub-one' under resource group 'rg-fleet'"
    with pytest.raises(TargetMissing) as raised:
        call_azure(HUB, "create_or_update", failing(404, arm("ResourceNotFound", said)))
    assert str(raised.value).startswith(
        f"IoT hub 'hub-one' (resource group 'rg-fleet', subscription {SUBSCRIPTION}) does not exist"
    )
    assert isinstance(raised.value, CertificateNotFound)  # to read and delete: gone


def test_a_missing_resource_group_and_subscription() -> None:
    with pytest.raises(TargetMissing, match="resource group 'rg-fleet' does not exist"):
        call_azure(DPS, "get", failing(404, arm("ResourceGroupNotFound", "Resource group...")))
    with pytest.raises(failures.TargetNotFound, match=f"subscription {SUBSCRIPTION} was not"):
        call_azure(DPS, "get", failing(404, arm("SubscriptionNotFound", "The subscription...")))


def test_the_lifecycle_outcomes() -> None:
    with pytest.raises(CertificateNotFound) as missing:
        call_azure(
            HUB, "get", failing(404, rp(404015, "Certificate 'c' not found. errorcode: IH404015."))
        )
    assert not isinstance(missing.value, TargetMissing)
    with pytest.raises(EtagConflict):
        call_azure(HUB, "verify", failing(412, rp(412001, "Invalid ETag supplied.")))
    with pytest.raises(ProofRejected, match="Proof-Of-Possession failed"):
        call_azure(
            HUB,
            "verify",
            failing(400, rp(400053, "Proof-Of-Possession failed.")),
            verifying=True,
        )


def test_403_parses_principal_action_and_scope() -> None:
    message = (
        "The client 'c1' with object id 'o1' does not have authorization to perform action "
        "'Microsoft.Devices/IotHubs/certificates/verify/Action' over scope '/subscriptions/x' "
        "or the scope is invalid."
    )
    with pytest.raises(failures.AccessDenied) as raised:
        call_azure(HUB, "verify", failing(403, arm("AuthorizationFailed", message)))
    assert str(raised.value).startswith(
        "access denied: principal c1 (object id o1) may not perform "
        "'Microsoft.Devices/IotHubs/certificates/verify/Action' on scope '/subscriptions/x'"
    )
    assert "IoT CA certificate verifier" in str(raised.value)


def test_limits_throttling_and_the_rest() -> None:
    limit = rp(400110, "The maximum number of certificates (25) for 'dps-one' has been reached.")
    with pytest.raises(failures.CertificateLimitReached, match="delete certificates"):
        call_azure(DPS, "create_or_update", failing(400, limit))
    with pytest.raises(failures.Throttled, match="HTTP 429 while uploading a certificate to"):
        call_azure(HUB, "create_or_update", failing(429, arm("TooManyRequests", "Slow.")))
    with pytest.raises(failures.AzureRejected, match=r"\(HTTP 400\): Invalid certificate"):
        call_azure(HUB, "create_or_update", failing(400, rp(400004, "Invalid certificate.")))
