"""CAs the pack must refuse that tests/pki.py does not make: signed with SHA-1, or on a short
RSA key. Built by code, as every fixture here."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from tests.pki import CertifiedKey, KeyType, make_ca


def rsa_1024_ca(common_name: str = "Short RSA CA") -> CertifiedKey:
    """A CA on an RSA 1024 key (signed with SHA-256)."""
    return make_ca(common_name, key=rsa.generate_private_key(public_exponent=65537, key_size=1024))


# AlgorithmIdentifier DER of sha256WithRSAEncryption and sha1WithRSAEncryption: same length, so
# one can replace the other in a signed certificate without touching any length.
_RSA_SHA256 = bytes.fromhex("300d06092a864886f70d01010b0500")
_RSA_SHA1 = bytes.fromhex("300d06092a864886f70d0101050500")


def sha1_ca(common_name: str = "SHA-1 CA") -> CertifiedKey:
    """A self-signed RSA 2048 CA whose signature uses SHA-1. cryptography no longer signs with
    SHA-1, so a SHA-256 certificate is re-signed: its algorithm identifiers (in the signed part
    and beside the signature) swapped for SHA-1's, and the signature made over the new bytes."""
    template = make_ca(common_name, key_type=KeyType.RSA_2048)
    key = template.key
    assert isinstance(key, rsa.RSAPrivateKey)
    der = template.certificate_der
    tbs = template.certificate.tbs_certificate_bytes.replace(_RSA_SHA256, _RSA_SHA1)
    signature = key.sign(tbs, padding.PKCS1v15(), hashes.SHA1())
    old_signature = template.certificate.signature
    assert der.endswith(old_signature) and len(signature) == len(old_signature)
    body = der[: -len(old_signature)].replace(_RSA_SHA256, _RSA_SHA1)
    return CertifiedKey(x509.load_der_x509_certificate(body + signature), key)


def ca_expiring_in(days: int, common_name: str = "Expiring CA") -> CertifiedKey:
    """An EC P-256 CA with `days` whole days of validity left (and a few hours)."""
    return make_ca(common_name, not_after=datetime.now(UTC) + timedelta(days=days, hours=6))
