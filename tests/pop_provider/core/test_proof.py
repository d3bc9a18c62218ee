"""The proof-of-possession certificate, checked the way Azure checks it: by its signature."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from pop_provider.core import certificates, proof
from pop_provider.core.signers import LocalKeySigner
from tests.pki import SUPPORTED_KEY_TYPES, KeyPool, KeyType, make_ca
from tests.pop_provider.conftest import CaFactory, Role

CODE = "00DF14B96E8E24DBB613F4BC6027DF1814FC8F051E6B0C39"  # the shape of a real Azure code
NOW = datetime(2030, 6, 1, 12, 0, 0, tzinfo=UTC)
EXPECTED_HASH = {
    KeyType.RSA_2048: hashes.SHA256,
    KeyType.RSA_4096: hashes.SHA256,
    KeyType.EC_P256: hashes.SHA256,
    KeyType.EC_P384: hashes.SHA384,
    KeyType.EC_P521: hashes.SHA512,
}
SPKI = (serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)


@pytest.mark.parametrize("role", ["root", "intermediate"])
@pytest.mark.parametrize("key_type", SUPPORTED_KEY_TYPES, ids=lambda k: k.name)
def test_the_proof_is_what_azure_checks_for(
    ca_factory: CaFactory, key_type: KeyType, role: Role
) -> None:
    ca = ca_factory(key_type, role)
    signer = LocalKeySigner(ca.key)  # from_pem is test_signers' business (and slow for RSA 4096)

    leaf = proof.build_proof_certificate(ca.certificate, signer, CODE, now=NOW)

    leaf.verify_directly_issued_by(ca.certificate)  # raises unless the CA key signed it
    assert leaf.subject == x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, CODE)])
    assert certificates.common_name(leaf) == CODE
    assert leaf.issuer == ca.certificate.subject
    assert isinstance(leaf.signature_hash_algorithm, EXPECTED_HASH[key_type])
    assert leaf.not_valid_before_utc == NOW - timedelta(minutes=5)
    assert leaf.not_valid_after_utc == NOW + timedelta(days=1)
    placeholder = leaf.public_key()
    assert isinstance(placeholder, ec.EllipticCurvePublicKey)
    assert isinstance(placeholder.curve, ec.SECP256R1)
    assert placeholder.public_bytes(*SPKI) != ca.certificate.public_key().public_bytes(*SPKI)


def test_extensions_are_a_leaf_under_the_ca(ca_factory: CaFactory) -> None:
    ca = ca_factory(KeyType.EC_P256, "intermediate")
    leaf = proof.build_proof_certificate(ca.certificate, LocalKeySigner(ca.key), CODE)

    constraints = leaf.extensions.get_extension_for_class(x509.BasicConstraints)
    assert constraints.critical and constraints.value.ca is False
    aki = leaf.extensions.get_extension_for_class(x509.AuthorityKeyIdentifier).value
    ski = ca.certificate.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
    assert aki.key_identifier == ski.key_identifier
    assert len(leaf.extensions) == 2


def test_aki_copies_an_unusual_ski_verbatim(key_pool: KeyPool) -> None:
    # Some CAs carry an SKI not computed from the key (e.g. a random one); chains match bytes.
    odd = make_ca("Odd SKI", key=key_pool.get(), subject_key_identifier=False)
    key = key_pool.get()
    builder = (
        x509.CertificateBuilder()
        .subject_name(odd.certificate.subject)
        .issuer_name(odd.certificate.subject)
        .public_key(key.public_key())
        .serial_number(7)
        .not_valid_before(odd.certificate.not_valid_before_utc)
        .not_valid_after(odd.certificate.not_valid_after_utc)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(x509.SubjectKeyIdentifier(b"\x01" * 8), critical=False)
    )
    ca_cert = builder.sign(key, hashes.SHA256())
    leaf = proof.build_proof_certificate(ca_cert, LocalKeySigner(key), CODE)
    aki = leaf.extensions.get_extension_for_class(x509.AuthorityKeyIdentifier).value
    assert aki.key_identifier == b"\x01" * 8


def test_a_ca_without_ski_gets_an_aki_from_its_key(key_pool: KeyPool) -> None:
    ca = make_ca("No SKI", key=key_pool.get(KeyType.RSA_2048), subject_key_identifier=False)
    leaf = proof.build_proof_certificate(ca.certificate, LocalKeySigner(ca.key), CODE)
    aki = leaf.extensions.get_extension_for_class(x509.AuthorityKeyIdentifier).value
    expected = x509.SubjectKeyIdentifier.from_public_key(ca.key.public_key())
    assert aki.key_identifier == expected.key_identifier
    leaf.verify_directly_issued_by(ca.certificate)


def test_an_encrypted_key_signs_a_valid_proof(ca_factory: CaFactory) -> None:
    ca = ca_factory(KeyType.EC_P384, "root")
    signer = LocalKeySigner.from_pem(ca.encrypted_private_key_pem("correct horse"), "correct horse")
    leaf = proof.build_proof_certificate(ca.certificate, signer, CODE)
    leaf.verify_directly_issued_by(ca.certificate)


def test_a_proof_signed_by_another_key_does_not_verify(key_pool: KeyPool) -> None:
    # An impostor CA with the same name but its own key: its proof must not pass for the real CA.
    real = make_ca("Fleet Root", key=key_pool.get(KeyType.RSA_2048, n=0))
    impostor = make_ca("Fleet Root", key=key_pool.get(KeyType.RSA_2048, n=1))
    assert impostor.certificate.subject == real.certificate.subject

    forged = proof.build_proof_certificate(impostor.certificate, LocalKeySigner(impostor.key), CODE)

    assert forged.issuer == real.certificate.subject
    with pytest.raises(InvalidSignature):
        forged.verify_directly_issued_by(real.certificate)


def test_a_signer_that_does_not_hold_the_ca_key_is_refused(key_pool: KeyPool) -> None:
    real = make_ca("Fleet Root", key=key_pool.get(KeyType.EC_P256, n=0))
    other = LocalKeySigner(key_pool.get(KeyType.EC_P256, n=1))
    with pytest.raises(ValueError, match="not the CA certificate's key"):
        proof.build_proof_certificate(real.certificate, other, CODE)


def test_each_proof_is_fresh(ca_factory: CaFactory) -> None:
    ca = ca_factory(KeyType.EC_P256, "root")
    signer = LocalKeySigner(ca.key)
    first, second = (proof.build_proof_certificate(ca.certificate, signer, CODE) for _ in "12")
    assert first.serial_number != second.serial_number
    assert first.public_key() != second.public_key()
    for leaf in (first, second):
        assert leaf.serial_number.bit_length() == 159


def test_now_defaults_to_the_current_time(ca_factory: CaFactory) -> None:
    ca = ca_factory(KeyType.EC_P256, "root")
    before = datetime.now(UTC).replace(microsecond=0)
    leaf = proof.build_proof_certificate(ca.certificate, LocalKeySigner(ca.key), CODE)
    after = datetime.now(UTC)
    assert before - timedelta(minutes=5) <= leaf.not_valid_before_utc <= after
    assert leaf.not_valid_after_utc - leaf.not_valid_before_utc == timedelta(days=1, minutes=5)


def test_an_aware_now_in_another_zone_is_taken_as_the_same_instant(ca_factory: CaFactory) -> None:
    ca = ca_factory(KeyType.EC_P256, "root")
    paris_summer = timezone(timedelta(hours=2))
    now = datetime(2030, 6, 1, 14, 0, 0, tzinfo=paris_summer)
    leaf = proof.build_proof_certificate(ca.certificate, LocalKeySigner(ca.key), CODE, now=now)
    assert leaf.not_valid_before_utc == datetime(2030, 6, 1, 11, 55, 0, tzinfo=UTC)


def test_a_naive_now_is_refused(ca_factory: CaFactory) -> None:
    ca = ca_factory(KeyType.EC_P256, "root")
    with pytest.raises(ValueError, match="timezone-aware"):
        proof.build_proof_certificate(
            ca.certificate, LocalKeySigner(ca.key), CODE, now=datetime(2030, 1, 1)
        )


@pytest.mark.parametrize(
    ("code", "complaint"),
    [
        ("", "empty"),
        ("   ", "empty"),
        ("A" * 65, "65 characters"),
        ("ABC\nDEF", "non-printable"),
        ("ABC\x00", "non-printable"),
    ],
)
def test_codes_that_cannot_be_a_cn_are_refused(
    ca_factory: CaFactory, code: str, complaint: str
) -> None:
    ca = ca_factory(KeyType.EC_P256, "root")
    with pytest.raises(ValueError, match=complaint):
        proof.build_proof_certificate(ca.certificate, LocalKeySigner(ca.key), code)


@pytest.mark.parametrize("code", ["A" * 64, "x", "code-with spaces and ünïcode"])
def test_codes_up_to_the_cn_limit_are_kept_exactly(ca_factory: CaFactory, code: str) -> None:
    ca = ca_factory(KeyType.EC_P256, "root")
    leaf = proof.build_proof_certificate(ca.certificate, LocalKeySigner(ca.key), code)
    assert certificates.common_name(leaf) == code


def test_pem_form_parses_back_to_a_verifying_proof(ca_factory: CaFactory) -> None:
    ca = ca_factory(KeyType.RSA_2048, "root")
    signer = LocalKeySigner.from_pem(ca.private_key_pem, None)
    pem = proof.proof_certificate_pem(ca.certificate, signer, CODE, now=NOW)
    assert pem.startswith("-----BEGIN CERTIFICATE-----")
    leaf = certificates.parse_certificate(pem, "proof")
    leaf.verify_directly_issued_by(ca.certificate)
    assert leaf.not_valid_before_utc == NOW - timedelta(minutes=5)
