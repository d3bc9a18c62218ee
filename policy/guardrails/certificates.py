"""What the pack reads from a CA certificate: its key, its signature's hash, its validity.

The pack parses the certificate itself (PEM, base64 DER, or base64 of a PEM file, as the provider
accepts it) and never a key. A certificate it cannot read is left to the provider, whose check
refuses it with its own message.
"""

from __future__ import annotations

import base64
import binascii
from datetime import datetime

from cryptography import x509
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import dsa, ec, ed448, ed25519, rsa

#: The curves the pack accepts, by the names a fix quotes.
STRONG_CURVES = {"secp256r1": "P-256", "secp384r1": "P-384", "secp521r1": "P-521"}
#: Signature hashes broken by collisions: a CA signed with one can be forged.
WEAK_SIGNATURE_HASHES = frozenset({"md2", "md4", "md5", "sha1"})
DEFAULT_MINIMUM_RSA_BITS = 2048


def read_certificate(text: str) -> x509.Certificate | None:
    """The first certificate in `text`, or None if there is none the pack can read."""
    stripped = text.strip()
    try:
        if "-----BEGIN" not in stripped:
            data = base64.b64decode("".join(stripped.split()), validate=True)
            if not data.lstrip().startswith(b"-----BEGIN"):
                return x509.load_der_x509_certificate(data)
            stripped = data.decode("ascii", errors="replace")
        return x509.load_pem_x509_certificates(stripped.encode())[0]
    except (ValueError, binascii.Error, IndexError):
        return None


def key_description(certificate: x509.Certificate) -> str:
    """`RSA 2048`, `EC P-256`, `EC secp256k1`, `Ed25519`...: how a message names the key."""
    key = certificate.public_key()
    if isinstance(key, rsa.RSAPublicKey):
        return f"RSA {key.key_size}"
    if isinstance(key, ec.EllipticCurvePublicKey):
        return f"EC {STRONG_CURVES.get(key.curve.name, key.curve.name)}"
    if isinstance(key, ed25519.Ed25519PublicKey):
        return "Ed25519"
    if isinstance(key, ed448.Ed448PublicKey):
        return "Ed448"
    if isinstance(key, dsa.DSAPublicKey):
        return f"DSA {key.key_size}"
    return type(key).__name__


def weak_key(certificate: x509.Certificate, minimum_rsa_bits: int) -> str | None:
    """Why the CA's key is too weak, or None: RSA of at least `minimum_rsa_bits`, or EC on
    P-256, P-384 or P-521."""
    key = certificate.public_key()
    if isinstance(key, rsa.RSAPublicKey):
        if key.key_size >= minimum_rsa_bits:
            return None
        return f"an RSA {key.key_size} key (RSA needs at least {minimum_rsa_bits} bits)"
    if isinstance(key, ec.EllipticCurvePublicKey) and key.curve.name in STRONG_CURVES:
        return None
    return f"an {key_description(certificate)} key (not RSA, nor EC on P-256, P-384 or P-521)"


def weak_signature(certificate: x509.Certificate) -> str | None:
    """The name of the broken hash the certificate is signed with, or None."""
    try:
        algorithm = certificate.signature_hash_algorithm
    except UnsupportedAlgorithm:
        return None
    if isinstance(algorithm, hashes.HashAlgorithm) and algorithm.name in WEAK_SIGNATURE_HASHES:
        return algorithm.name.upper().replace("SHA", "SHA-")
    return None


def days_left(certificate: x509.Certificate, now: datetime) -> int:
    """Whole days until the certificate expires (negative once it has)."""
    return (certificate.not_valid_after_utc - now).days


def sha256_fingerprint(certificate: x509.Certificate) -> str:
    """Uppercase hex SHA-256 of the DER, as `openssl x509 -fingerprint -sha256` prints it
    without the colons."""
    return certificate.fingerprint(hashes.SHA256()).hex().upper()
