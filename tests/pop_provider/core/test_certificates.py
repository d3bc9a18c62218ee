"""Parsing the user's CA certificate, and the checks that it can serve as a CA on a hub."""

from __future__ import annotations

import base64
import hashlib
from datetime import UTC, datetime, timedelta
from typing import TypedDict

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.x509.oid import NameOID

from pop_provider.core import certificates
from pop_provider.core.certificates import ca_problems, parse_certificate, thumbprint
from pop_provider.core.errors import InvalidInput
from tests.pki import (
    CertifiedKey,
    KeyFormat,
    KeyPool,
    KeyType,
    key_usage,
    make_ca,
    make_certificate,
    make_expired_ca,
    make_intermediate_ca,
    make_leaf,
    make_not_yet_valid_ca,
    pkcs7_bundle,
    pkcs12_bundle,
)


@pytest.fixture
def root(key_pool: KeyPool) -> CertifiedKey:
    return make_ca("Parse Root", key=key_pool.get(KeyType.EC_P256))


def reason_for(text: str, field: str = "certificate_pem") -> str:
    with pytest.raises(InvalidInput) as caught:
        parse_certificate(text, field)
    assert caught.value.field == field
    assert str(caught.value) == caught.value.reason
    return caught.value.reason


def assert_quotes_no_line_of(secret_text: str, message: str) -> None:
    for line in secret_text.splitlines():
        if line.strip():
            assert line.strip() not in message


# -- accepted encodings -------------------------------------------------------------------------


def test_pem_and_base64_der_give_the_same_certificate(root: CertifiedKey) -> None:
    from_pem = parse_certificate(root.certificate_pem)
    from_der = parse_certificate(root.certificate_der_base64)
    assert thumbprint(from_pem) == thumbprint(from_der) == thumbprint(root.certificate)
    assert from_pem == from_der == root.certificate


def test_thumbprint_is_uppercase_sha1_of_the_der(root: CertifiedKey) -> None:
    expected = hashlib.sha1(root.certificate_der).hexdigest().upper()
    assert thumbprint(root.certificate) == expected
    assert len(expected) == 40 and expected == expected.upper()


@pytest.mark.parametrize(
    "dress",
    [
        pytest.param(lambda pem: f"\n\n  {pem}  \n\n", id="surrounding-whitespace"),
        pytest.param(lambda pem: pem.replace("\n", "\r\n"), id="crlf"),
        pytest.param(
            lambda pem: f"subject=CN = Parse Root\nissuer=CN = x\n{pem}", id="openssl-text"
        ),
        pytest.param(
            lambda pem: base64.b64encode(pem.encode()).decode(), id="base64-of-pem-az-cli"
        ),
    ],
)
def test_pem_as_users_paste_it(root: CertifiedKey, dress) -> None:
    assert parse_certificate(dress(root.certificate_pem)) == root.certificate


def test_base64_der_may_be_wrapped_and_indented(root: CertifiedKey) -> None:
    b64 = root.certificate_der_base64
    wrapped = "\n".join("    " + b64[i : i + 64] for i in range(0, len(b64), 64))
    assert parse_certificate(wrapped + "\r\n") == root.certificate


# -- refused input ------------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["", "   ", "\r\n\t\n"])
def test_empty(text: str) -> None:
    assert "is empty" in reason_for(text)


def test_the_field_named_is_the_callers() -> None:
    assert reason_for("", field="proof_pem")


@pytest.mark.parametrize(
    ("key_format", "password"),
    [
        (KeyFormat.PKCS8, None),
        (KeyFormat.TRADITIONAL, None),
        (KeyFormat.PKCS8, "hunter2-encrypted"),
        (KeyFormat.TRADITIONAL, "hunter2-encrypted"),
    ],
)
def test_a_private_key_pasted_by_mistake_is_named_but_not_echoed(
    key_pool: KeyPool, key_format: KeyFormat, password: str | None
) -> None:
    from tests.pki import key_pem

    pem = key_pem(key_pool.get(KeyType.RSA_2048), key_format, password)
    reason = reason_for(pem)
    assert "this looks like a private key, not a certificate" in reason
    assert_quotes_no_line_of(pem, reason)


def test_a_private_key_as_base64_der_is_named_but_not_echoed(key_pool: KeyPool) -> None:
    der = key_pool.get(KeyType.EC_P256).private_bytes(
        serialization.Encoding.DER,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    text = base64.b64encode(der).decode()
    reason = reason_for(text)
    assert "looks like a private key" in reason
    assert text not in reason


def test_a_certificate_with_its_key_appended_is_refused_so_the_key_stays_out_of_the_state(
    root: CertifiedKey,
) -> None:
    text = root.certificate_pem + root.private_key_pem
    reason = reason_for(text)
    assert "private key" in reason and "private_key_pem" in reason
    assert_quotes_no_line_of(root.private_key_pem, reason)


@pytest.mark.parametrize("count", [2, 3])
def test_a_chain_is_refused_with_its_length(root: CertifiedKey, count: int) -> None:
    chain = [make_intermediate_ca(root, f"Issuing {n}") for n in range(count - 1)]
    text = "".join(c.certificate_pem for c in chain) + root.certificate_pem
    reason = reason_for(text)
    assert f"contains {count} certificates" in reason
    assert "exactly one CA certificate per resource" in reason


@pytest.mark.parametrize(
    "text",
    ["not a certificate at all!", "MIIB%%%%", "abc", "-----BEGIN garbage"],
)
def test_garbage_is_refused_without_being_echoed(text: str) -> None:
    reason = reason_for(text)
    assert "PEM" in reason
    assert text not in reason


def test_base64_that_is_not_der(root: CertifiedKey) -> None:
    reason = reason_for(base64.b64encode(b"hello, this is not DER").decode())
    assert "not a DER X.509 certificate" in reason


def test_truncated_der(root: CertifiedKey) -> None:
    truncated = base64.b64encode(root.certificate_der[:-20]).decode()
    assert "not a DER X.509 certificate" in reason_for(truncated)


def test_a_corrupted_pem_block(root: CertifiedKey) -> None:
    lines = root.certificate_pem.splitlines()
    lines[3] = lines[3][::-1]  # a body line scrambled: still base64, no longer a certificate
    reason = reason_for("\n".join(lines))
    assert "does not parse as an X.509 certificate" in reason


@pytest.mark.parametrize(
    ("encode", "hint"),
    [
        pytest.param(lambda c: pkcs7_bundle(c.certificate).decode(), "openssl pkcs7", id="p7b-pem"),
        pytest.param(
            lambda c: base64.b64encode(pkcs7_bundle(c.certificate, der=True)).decode(),
            "openssl pkcs7 -inform DER",
            id="p7b-der",
        ),
        pytest.param(
            lambda c: base64.b64encode(pkcs12_bundle(c)).decode(), "openssl pkcs12", id="pfx"
        ),
        pytest.param(
            lambda c: base64.b64encode(pkcs12_bundle(c, "pfx-password")).decode(),
            "openssl pkcs12",
            id="pfx-encrypted",
        ),
    ],
)
def test_containers_are_refused_with_how_to_convert_them(root: CertifiedKey, encode, hint) -> None:
    reason = reason_for(encode(root))
    assert "PKCS#" in reason and hint in reason
    assert "pfx-password" not in reason


def test_a_certificate_signing_request(root: CertifiedKey) -> None:
    csr = (
        x509.CertificateSigningRequestBuilder()
        .subject_name(root.certificate.subject)
        .sign(root.key, hashes.SHA256())
    )
    reason = reason_for(csr.public_bytes(serialization.Encoding.PEM).decode())
    assert "certificate signing request" in reason


def test_a_public_key(root: CertifiedKey) -> None:
    pem = root.key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    assert "public key, not a certificate" in reason_for(pem.decode())


def test_not_text() -> None:
    assert "must be text" in reason_for(b"-----BEGIN CERTIFICATE-----")  # type: ignore[arg-type]


# -- facts --------------------------------------------------------------------------------------


def test_common_name_is_the_bare_cn(root: CertifiedKey) -> None:
    assert certificates.common_name(root.certificate) == "Parse Root"
    assert len(root.certificate.subject.rdns) == 2  # O= as well: only the CN is returned


def test_common_name_is_empty_without_a_cn(key_pool: KeyPool) -> None:
    cert = make_certificate(None, key=key_pool.get()).certificate
    assert cert.subject.get_attributes_for_oid(NameOID.ORGANIZATION_NAME)
    assert certificates.common_name(cert) == ""


def test_certificate_pem_round_trips(root: CertifiedKey) -> None:
    pem = certificates.certificate_pem(root.certificate)
    assert pem.startswith("-----BEGIN CERTIFICATE-----\n")
    assert pem.endswith("-----END CERTIFICATE-----\n")
    assert parse_certificate(pem) == root.certificate


def test_not_after_is_aware_utc(key_pool: KeyPool) -> None:
    end = datetime(2031, 5, 6, 7, 8, 9, tzinfo=UTC)
    cert = make_ca(key=key_pool.get(), not_after=end).certificate
    assert certificates.not_after(cert) == end
    assert certificates.not_after(cert).utcoffset() == timedelta(0)


# -- can it be a CA? ----------------------------------------------------------------------------

NOW = datetime(2030, 1, 1, tzinfo=UTC)


class Validity(TypedDict):
    not_before: datetime
    not_after: datetime


VALID: Validity = {
    "not_before": NOW - timedelta(days=1),
    "not_after": NOW + timedelta(days=365),
}


@pytest.mark.parametrize("key_type", [KeyType.RSA_2048, KeyType.EC_P384, KeyType.EC_P521])
def test_a_proper_root_has_no_problems(key_pool: KeyPool, key_type: KeyType) -> None:
    assert ca_problems(make_ca(key=key_pool.get(key_type), **VALID).certificate, NOW) == []


def test_a_proper_intermediate_has_no_problems(key_pool: KeyPool) -> None:
    root = make_ca(key=key_pool.get(n=0), **VALID)
    issuing = make_intermediate_ca(root, key=key_pool.get(n=1), **VALID)
    assert ca_problems(issuing.certificate, NOW) == []


def test_a_leaf_is_not_a_ca(key_pool: KeyPool) -> None:
    leaf = make_leaf(None, key=key_pool.get(), key_usage=None, **VALID).certificate
    (problem,) = ca_problems(leaf, NOW)
    assert problem.startswith("is not a CA certificate (basicConstraints CA:TRUE missing")
    assert "CA:FALSE" in problem


def test_no_basic_constraints_is_not_a_ca(key_pool: KeyPool) -> None:
    usage = key_usage(cert_sign=True)
    cert = make_certificate("Legacy", is_ca=None, key_usage=usage, key=key_pool.get(), **VALID)
    assert ca_problems(cert.certificate, NOW) == [
        "is not a CA certificate (basicConstraints CA:TRUE missing)"
    ]


def test_key_usage_without_key_cert_sign(key_pool: KeyPool) -> None:
    usage = key_usage(cert_sign=False)
    cert = make_ca(key=key_pool.get(), key_usage=usage, **VALID).certificate
    (problem,) = ca_problems(cert, NOW)
    assert "keyCertSign" in problem


def test_no_key_usage_at_all_is_fine(key_pool: KeyPool) -> None:
    cert = make_ca(key=key_pool.get(), key_usage=None, **VALID).certificate
    assert ca_problems(cert, NOW) == []


def test_expired_says_when(key_pool: KeyPool) -> None:
    ended = datetime(2029, 12, 31, 23, 59, 58, tzinfo=UTC)
    cert = make_expired_ca(expired_at=ended, key=key_pool.get()).certificate
    assert ca_problems(cert, NOW) == ["expired on 2029-12-31 23:59:58 UTC"]


def test_not_yet_valid_says_when(key_pool: KeyPool) -> None:
    start = datetime(2030, 1, 2, 3, 4, 5, tzinfo=UTC)
    cert = make_not_yet_valid_ca(valid_from=start, key=key_pool.get()).certificate
    assert ca_problems(cert, NOW) == ["is not valid until 2030-01-02 03:04:05 UTC"]


def test_validity_bounds_are_inclusive(key_pool: KeyPool) -> None:
    cert = make_ca(key=key_pool.get(), not_before=NOW, not_after=NOW).certificate
    assert ca_problems(cert, NOW) == []
    assert ca_problems(cert, NOW + timedelta(seconds=1)) == ["expired on 2030-01-01 00:00:00 UTC"]


@pytest.mark.parametrize(
    "key_type", [KeyType.ED25519, KeyType.ED448, KeyType.DSA_1024, KeyType.EC_SECP256K1]
)
def test_unsupported_key_types_are_explained(key_pool: KeyPool, key_type: KeyType) -> None:
    cert = make_ca(key=key_pool.get(key_type), **VALID).certificate
    (problem,) = ca_problems(cert, NOW)
    assert key_type.value in problem
    assert "RSA and ECDSA P-256/P-384/P-521" in problem


def test_every_problem_is_reported_at_once(key_pool: KeyPool) -> None:
    cert = make_leaf(
        None,
        key=key_pool.get(KeyType.ED25519),
        key_usage=None,
        not_before=NOW - timedelta(days=30),
        not_after=NOW - timedelta(days=1),
    ).certificate
    problems = ca_problems(cert, NOW)
    assert len(problems) == 3
    assert [p.split()[0] for p in problems] == ["is", "expired", "has"]


def test_naive_now_is_a_programming_error(root: CertifiedKey) -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        ca_problems(root.certificate, datetime(2030, 1, 1))


@pytest.mark.parametrize(
    ("key_type", "description"),
    [(kind, kind.value) for kind in KeyType],
)
def test_key_description_names_every_key_type(
    key_pool: KeyPool, key_type: KeyType, description: str
) -> None:
    key = key_pool.get(key_type)
    assert certificates.key_description(key) == description
    assert certificates.key_description(key.public_key()) == description
