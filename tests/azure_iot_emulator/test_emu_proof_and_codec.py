"""proof.py and certcodec.py on real certificates."""

from __future__ import annotations

import base64
from datetime import UTC, datetime, timedelta

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519
from cryptography.x509.oid import NameOID

from azure_iot_emulator.certcodec import CertificateDecodeError, decode_certificate
from azure_iot_emulator.proof import ProofOutcome, check_proof, common_name, display_name


@pytest.mark.parametrize(
    "kind,pss", [("p256", False), ("p384", False), ("p521", False), ("rsa", False), ("rsa", True)]
)
def test_valid_proofs(certs, kind, pss) -> None:
    ca = certs.ca(kind=kind, pss=pss)
    assert check_proof(ca.cert, certs.verification("CODE", ca, pss=pss), "CODE") is ProofOutcome.OK


def test_failures(certs) -> None:
    ca, other = certs.ca(cn="Same"), certs.ca(cn="Same")
    assert (
        check_proof(ca.cert, certs.verification("CODE", other), "CODE")
        is ProofOutcome.BAD_SIGNATURE
    )
    assert (
        check_proof(
            ca.cert,
            certs.verification(
                "CODE", ca, issuer=x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Else")])
            ),
            "CODE",
        )
        is ProofOutcome.ISSUER_MISMATCH
    )
    assert (
        check_proof(ca.cert, certs.verification("code", ca), "CODE")
        is ProofOutcome.SUBJECT_MISMATCH
    )


def test_unsupported_key_types(certs) -> None:
    key = ed25519.Ed25519PrivateKey.generate()
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "ed")])
    now = datetime.now(UTC)

    def build(subject: x509.Name, public_key, serial: int):
        return (
            x509.CertificateBuilder()
            .subject_name(subject)
            .issuer_name(name)
            .public_key(public_key)
            .serial_number(serial)
            .not_valid_before(now)
            .not_valid_after(now + timedelta(days=1))
            .sign(key, None)
        )

    ca = build(name, key.public_key(), 1)
    leaf = build(
        x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "CODE")]),
        ec.generate_private_key(ec.SECP256R1()).public_key(),
        2,
    )
    assert check_proof(ca, leaf, "CODE") is ProofOutcome.UNSUPPORTED_KEY


def test_names(certs) -> None:
    ca = certs.ca(cn="Root", extra_rdns=True)
    assert common_name(ca.cert.subject) == "Root"
    assert display_name(ca.cert.subject) == "CN=Root, O=Emulator Tests"


def test_decode_forms(certs) -> None:
    ca, other = certs.ca(), certs.ca()
    pem = ca.pem
    der = ca.der
    forms = [
        pem,
        base64.b64encode(pem.encode()).decode(),
        base64.b64encode(der).decode(),
        pem + other.pem,
        "\n  " + pem + "\n",
    ]
    for form in forms:
        assert decode_certificate(form).public_bytes(serialization.Encoding.DER) == der
    double = base64.b64encode(base64.b64encode(pem.encode())).decode()
    with pytest.raises(CertificateDecodeError):
        decode_certificate(double)
    assert decode_certificate(double, 3).public_bytes(serialization.Encoding.DER) == der


@pytest.mark.parametrize(
    "garbage",
    [
        "",
        "   ",
        "hello world",
        "QUJD",
        "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----",
    ],
)
def test_decode_garbage(garbage) -> None:
    with pytest.raises(CertificateDecodeError):
        decode_certificate(garbage, 3)


def test_verification_hash_is_taken_from_the_leaf(certs) -> None:
    ca = certs.ca(kind="rsa")
    leaf = certs.verification("C", ca, hash_algorithm=hashes.SHA512())
    assert check_proof(ca.cert, leaf, "C") is ProofOutcome.OK
