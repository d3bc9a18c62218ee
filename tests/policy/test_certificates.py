"""The pack reads the certificate as the provider accepts it, and names its key and hash."""

from __future__ import annotations

import base64
from datetime import UTC, datetime

import pytest

from policy.guardrails.certificates import (
    days_left,
    key_description,
    read_certificate,
    weak_key,
    weak_signature,
)
from tests.pki import KeyType, make_ca
from tests.policy.weak_pki import ca_expiring_in, sha1_ca

CA = make_ca("Readable CA")


@pytest.mark.parametrize(
    "text",
    [
        CA.certificate_pem,
        CA.certificate_der_base64,
        base64.b64encode(CA.certificate_pem.encode()).decode(),
    ],
    ids=["pem", "base64-der", "base64-pem"],
)
def test_every_form_the_provider_accepts_is_read(text: str) -> None:
    assert read_certificate(text) == CA.certificate


@pytest.mark.parametrize("text", ["", "not a certificate", "-----BEGIN CERTIFICATE-----\nAA=="])
def test_what_cannot_be_read_is_left_to_the_provider(text: str) -> None:
    assert read_certificate(text) is None


@pytest.mark.parametrize(
    ("key_type", "described"),
    [(KeyType.RSA_2048, "RSA 2048"), (KeyType.EC_P384, "EC P-384"), (KeyType.ED25519, "Ed25519")],
)
def test_keys_are_named_as_a_person_says_them(key_type: KeyType, described: str) -> None:
    assert key_description(make_ca("k", key_type=key_type).certificate) == described


def test_weak_key_and_hash() -> None:
    assert weak_key(make_ca("e", key_type=KeyType.ED25519).certificate, 2048) == (
        "an Ed25519 key (not RSA, nor EC on P-256, P-384 or P-521)"
    )
    assert weak_signature(sha1_ca().certificate) == "SHA-1"
    assert weak_signature(CA.certificate) is None


def test_days_left_are_whole_days() -> None:
    assert days_left(ca_expiring_in(12).certificate, datetime.now(UTC)) == 12
