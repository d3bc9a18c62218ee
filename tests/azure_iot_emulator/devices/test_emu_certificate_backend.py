"""The shared certificate backend (devices/models.py), without HTTP."""

from __future__ import annotations

import base64
from datetime import UTC, datetime, timedelta

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization

from azure_iot_emulator.devices.exceptions import (
    CertificateContentMissing,
    CertificateLimitExceeded,
    CertificateNotFound,
    InvalidCertificate,
    PreconditionFailed,
    ProofOfPossessionIssuerNotFound,
    ProofOfPossessionNoCode,
    ProofOfPossessionSubjectMismatch,
)
from azure_iot_emulator.devices.models import (
    CertificateBackend,
    ParentRef,
    etag_matches,
    normalize_etag,
)
from azure_iot_emulator.dps import models as dps_models
from azure_iot_emulator.dps.exceptions import InvalidDpsCertificateName
from azure_iot_emulator.iothub import models as iothub_models
from azure_iot_emulator.iothub.exceptions import InvalidIotHubCertificateName
from azure_iot_emulator.store import Store

PARENT = ParentRef("sub", "rg", "iothub", "hub")


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2030, 1, 1, tzinfo=UTC)

    def __call__(self) -> datetime:
        self.now += timedelta(seconds=1)
        return self.now


@pytest.fixture
def backend(tmp_path) -> CertificateBackend:
    codes = iter(f"{i:048X}" for i in range(1, 100))
    return CertificateBackend(
        Store(tmp_path / "s.db"),
        iothub_models.certificate_policy(3),
        clock=Clock(),
        code_factory=lambda: next(codes),
    )


def pem(cert: x509.Certificate) -> str:
    return cert.public_bytes(serialization.Encoding.PEM).decode()


@pytest.mark.parametrize(
    "raw,expected",
    [
        ('"abc"', "abc"),
        ('W/"abc"', "abc"),
        ("abc", "abc"),
        ("  ", None),
        (None, None),
        ("*", "*"),
    ],
)
def test_normalize_etag(raw, expected) -> None:
    assert normalize_etag(raw) == expected


def test_etag_matching() -> None:
    assert etag_matches("abc", "*") and etag_matches("abc", '"abc"')
    assert not etag_matches("abc", None) and not etag_matches("abc", "abd")


def test_create_then_update_rules(backend, certs) -> None:
    ca = certs.ca()
    record, created = backend.create_or_update(PARENT, "c1", pem(ca.cert), False, None)
    assert created and record.subject == ca.cert.subject.rfc4514_string().removeprefix("CN=")
    with pytest.raises(PreconditionFailed):
        backend.create_or_update(PARENT, "c1", pem(ca.cert), False, None)
    with pytest.raises(PreconditionFailed):
        backend.create_or_update(PARENT, "C1", pem(ca.cert), False, "stale")
    updated, created = backend.create_or_update(PARENT, "C1", pem(ca.cert), True, record.etag)
    assert not created and updated.is_verified and updated.etag != record.etag
    assert updated.name == "c1" and updated.created == record.created
    assert updated.updated > record.updated


def test_content_rules(backend) -> None:
    with pytest.raises(CertificateContentMissing):
        backend.create_or_update(PARENT, "c", None, False, None)
    with pytest.raises(InvalidCertificate):
        backend.create_or_update(PARENT, "c", "bm90IGEgY2VydA==", False, None)


def test_limit(backend, certs) -> None:
    content = pem(certs.ca().cert)
    for i in range(3):
        backend.create_or_update(PARENT, f"c{i}", content, False, None)
    with pytest.raises(CertificateLimitExceeded):
        backend.create_or_update(PARENT, "c3", content, False, None)
    other = ParentRef("sub", "rg", "iothub", "hub2")
    assert backend.create_or_update(other, "c3", content, False, None)[1]


def test_delete(backend, certs) -> None:
    record, _ = backend.create_or_update(PARENT, "c", pem(certs.ca().cert), False, None)
    with pytest.raises(PreconditionFailed):
        backend.delete(PARENT, "c", None)
    assert backend.delete(PARENT, "c", record.etag) is True
    assert backend.delete(PARENT, "c", "*") is False
    with pytest.raises(CertificateNotFound):
        backend.get(PARENT, "c")


def test_proof_flow_and_failures(backend, certs) -> None:
    ca, other = certs.ca(), certs.ca()
    record, _ = backend.create_or_update(PARENT, "c", pem(ca.cert), False, None)
    with pytest.raises(ProofOfPossessionNoCode):
        backend.verify(PARENT, "c", record.etag, pem(certs.verification("X", ca)))
    first = backend.generate_verification_code(PARENT, "c", record.etag)
    second = backend.generate_verification_code(PARENT, "c", first.etag)
    assert first.verification_code != second.verification_code
    with pytest.raises(PreconditionFailed):
        backend.verify(
            PARENT, "c", first.etag, pem(certs.verification(second.verification_code, ca))
        )
    with pytest.raises(ProofOfPossessionSubjectMismatch):
        backend.verify(
            PARENT, "c", second.etag, pem(certs.verification(first.verification_code, ca))
        )
    with pytest.raises(ProofOfPossessionIssuerNotFound):
        backend.verify(
            PARENT, "c", second.etag, pem(certs.verification(second.verification_code, other))
        )
    leaf = certs.verification(second.verification_code, ca)
    der_b64 = base64.b64encode(leaf.public_bytes(serialization.Encoding.DER)).decode()
    verified = backend.verify(PARENT, "c", second.etag, der_b64)
    assert verified.is_verified and verified.verification_code is None
    assert backend.get(PARENT, "c").is_verified


def test_content_change_drops_the_outstanding_code(backend, certs) -> None:
    record, _ = backend.create_or_update(PARENT, "c", pem(certs.ca().cert), False, None)
    nonce = backend.generate_verification_code(PARENT, "c", record.etag)
    same, _ = backend.create_or_update(PARENT, "c", record.content, False, nonce.etag)
    assert same.verification_code == nonce.verification_code
    changed, _ = backend.create_or_update(PARENT, "c", pem(certs.ca().cert), False, same.etag)
    assert changed.verification_code is None


def test_name_rules() -> None:
    iothub_models.check_certificate_name("A-b.c_1")
    for bad in ("", "a b", "x" * 65, "ü"):
        with pytest.raises(InvalidIotHubCertificateName):
            iothub_models.check_certificate_name(bad)
    dps_models.check_certificate_name("any name at all ü")
    with pytest.raises(InvalidDpsCertificateName):
        dps_models.check_certificate_name("x" * 257)
