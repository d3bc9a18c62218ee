"""Fault injection and the request log, observed through Microsoft's clients."""

from __future__ import annotations

import time
from typing import Any

import pytest
from azure.core.exceptions import HttpResponseError, ServiceResponseError
from azure.mgmt.iothub import IotHubClient
from azure.mgmt.iothub.models import (
    CertificateDescription,
    CertificateProperties,
    CertificateVerificationDescription,
)
from cryptography.hazmat.primitives import serialization

from azure_iot_emulator.testing import (
    AdminClient,
    EmulatorInfo,
    client_kwargs,
    management_credential,
)


def body_of(exc: Any) -> Any:
    """The JSON body of a failed call's response."""
    assert exc.response is not None
    return exc.response.json()


def client(info: EmulatorInfo, retries: int) -> IotHubClient:
    return IotHubClient(
        management_credential(info),
        info.subscription_id,
        retry_total=retries,
        retry_backoff_factor=0.01,
        **client_kwargs(info),
    )


def body(pem: str) -> CertificateDescription:
    return CertificateDescription(properties=CertificateProperties(certificate=pem))


def test_request_log_records_operations(
    emulator, admin: AdminClient, rg, hub, cert_name, certs
) -> None:
    fresh = client(emulator, 0)  # its own credential, so a Token request is made
    admin.clear_requests()
    created = fresh.certificates.create_or_update(rg, hub, cert_name, body(certs.ca().pem))
    fresh.certificates.get(rg, hub, cert_name)
    fresh.certificates.generate_verification_code(rg, hub, cert_name, created.etag)
    entries = admin.requests()
    operations = [e["operation"] for e in entries]
    assert operations == [
        "OpenIdConfiguration",
        "Token",
        "Certificates_CreateOrUpdate",
        "Certificates_Get",
        "Certificates_GenerateVerificationCode",
    ]
    assert [e["status"] for e in entries] == [200, 200, 200, 200, 200]
    assert entries[2]["certificate_name"] == cert_name and entries[2]["method"] == "PUT"
    seqs = [e["seq"] for e in entries]
    assert seqs == sorted(seqs) and len(set(seqs)) == len(seqs)
    admin.clear_requests()
    assert admin.requests() == []


def test_scripted_failure_hits_n_times_then_clears(
    emulator, faults: AdminClient, hub_client, rg, hub, cert_name, certs
) -> None:
    ca = certs.ca()
    created = hub_client.certificates.create_or_update(rg, hub, cert_name, body(ca.pem))
    nonce = hub_client.certificates.generate_verification_code(rg, hub, cert_name, created.etag)
    leaf = certs.verification(nonce.properties.verification_code, ca)
    request = CertificateVerificationDescription(
        certificate=leaf.public_bytes(serialization.Encoding.PEM).decode()
    )
    faults.script_failure(
        "Certificates_Verify",
        409,
        code=409002,
        message="Scripted.",
        times=2,
        certificate_name=cert_name,
    )
    faults.clear_requests()
    for _ in range(2):
        with pytest.raises(HttpResponseError) as info:
            hub_client.certificates.verify(rg, hub, cert_name, nonce.etag, request)
        assert body_of(info.value)["code"] == 409002
    assert hub_client.certificates.verify(
        rg, hub, cert_name, nonce.etag, request
    ).properties.is_verified
    assert [e["status"] for e in faults.requests()] == [409, 409, 200]


def test_scripted_failure_for_another_certificate_does_not_fire(
    faults, hub_client, rg, hub, cert_name, certs
) -> None:
    faults.script_failure("Certificates_CreateOrUpdate", 400, code="Nope", certificate_name="other")
    assert hub_client.certificates.create_or_update(rg, hub, cert_name, body(certs.ca().pem)).name


def test_throttling_answers_429_with_retry_after(emulator, faults, rg, hub) -> None:
    faults.set_faults(throttle_fraction=1.0, retry_after_s=7)
    with pytest.raises(HttpResponseError) as info:
        client(emulator, 0).certificates.list_by_iot_hub(rg, hub)
    assert info.value.status_code == 429
    response: Any = info.value.response
    assert response.headers["Retry-After"] == "7"
    assert body_of(info.value)["error"]["code"] == "SubscriptionRequestsThrottled"


def test_random_faults_are_deterministic_and_retried_by_the_pipeline(
    emulator, faults, rg, hub
) -> None:
    outcomes = []
    for _ in range(2):
        faults.set_faults(error_fraction=0.5, error_status=503, seed=1)
        faults.clear_requests()
        client(emulator, 10).certificates.list_by_iot_hub(rg, hub)
        outcomes.append(
            [
                e["status"]
                for e in faults.requests()
                if e["operation"] != "Token" and e["operation"] != "OpenIdConfiguration"
            ]
        )
    assert outcomes[0] == outcomes[1]
    assert outcomes[0][-1] == 200 and 503 in outcomes[0]


def test_dropped_connection(emulator, faults, rg, hub) -> None:
    faults.set_faults(drop_fraction=1.0)
    with pytest.raises(ServiceResponseError):
        client(emulator, 0).certificates.list_by_iot_hub(rg, hub)
    dropped = [e for e in faults.requests() if e["operation"] == "Certificates_ListByIotHub"][-1]
    assert dropped["dropped"] is True and dropped["status"] is None


def test_latency_is_added(emulator, faults, hub_client, rg, hub) -> None:
    hub_client.certificates.list_by_iot_hub(rg, hub)  # warm token cache and connection
    faults.set_faults(latency_ms=300)
    started = time.monotonic()
    hub_client.certificates.list_by_iot_hub(rg, hub)
    assert time.monotonic() - started >= 0.3


def test_invalid_fault_settings_are_refused(faults) -> None:
    with pytest.raises(RuntimeError, match="400"):
        faults.set_faults(throttle_fraction=0.8, error_fraction=0.8)
    with pytest.raises(RuntimeError, match="400"):
        faults.set_faults(bogus=1)
