"""The CA certificate a user gives: parsed once at the edge, then the facts Azure and we rely on.

Users paste certificates in whatever shape their tooling produced (PEM, base64 DER, a .p7b, a
.pfx, sometimes the key by mistake), so parsing names what it found and what to do instead. The
input is not secret, but a pasted private key is: no message ever quotes the input back.
"""

from __future__ import annotations

import base64
import binascii
import re
from datetime import UTC, datetime
from typing import TypeVar

from cryptography import x509
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import dsa, ec, ed448, ed25519, rsa, x448, x25519
from cryptography.hazmat.primitives.asymmetric.types import PrivateKeyTypes, PublicKeyTypes
from cryptography.x509.oid import NameOID

from pop_provider.core.errors import InvalidInput

# What Azure's proof-of-possession check is known to accept (Microsoft's own tooling uses RSA and
# ECDSA P-256; the NIST curves P-384/P-521 are the other ones X.509 stacks support alike).
SUPPORTED_KEYS = "Azure proof of possession supports RSA and ECDSA P-256/P-384/P-521 keys"
_SUPPORTED_CURVES = (ec.SECP256R1, ec.SECP384R1, ec.SECP521R1)
_CURVE_NAMES = {"secp256r1": "P-256", "secp384r1": "P-384", "secp521r1": "P-521"}

# Only the label is captured: it is safe to name in a message, the body is not.
_PEM_LABEL = re.compile(r"-----BEGIN ([A-Z0-9][A-Z0-9 ]{0,40})-----")
_CERTIFICATE_BLOCK = re.compile(
    r"-----BEGIN CERTIFICATE-----\s.*?-----END CERTIFICATE-----", re.DOTALL
)

# DER prefixes (after the outer SEQUENCE header) of the container formats people mistake for a
# certificate: PKCS#7 ContentInfo starts with the signedData OID, PFX with INTEGER version 3.
_PKCS7_SIGNED_DATA_OID = bytes.fromhex("06092a864886f70d010702")
_PKCS12_VERSION_3 = bytes.fromhex("020103")

_E = TypeVar("_E", bound=x509.ExtensionType)

_EXPECTED = "give the CA certificate as PEM text (a BEGIN CERTIFICATE block) or base64-encoded DER"


def parse_certificate(text: str, field: str = "certificate_pem") -> x509.Certificate:
    """The single X.509 certificate in `text` (PEM, base64 DER, or base64 of a PEM file).

    Raises InvalidInput naming what was found instead and how to fix it.
    """
    if not isinstance(text, str):
        raise InvalidInput(field, f"must be text, got {type(text).__name__}; {_EXPECTED}")
    stripped = text.strip()
    if not stripped:
        raise InvalidInput(field, f"is empty; {_EXPECTED}")
    if "-----BEGIN" in stripped:
        return _parse_pem(stripped, field)
    data = _decode_base64(stripped, field)
    if data.lstrip().startswith(b"-----BEGIN"):
        # base64 of the PEM file bytes: what the az CLI uploads, so users copy it from there.
        return _parse_pem(data.decode("ascii", errors="replace"), field)
    return _parse_der(data, field)


def pem_labels(text: str) -> list[str]:
    """The labels of the PEM blocks in `text` ("CERTIFICATE", "PRIVATE KEY", ...), in order."""
    return _PEM_LABEL.findall(text)


def _parse_pem(text: str, field: str) -> x509.Certificate:
    labels = pem_labels(text)
    certificates = labels.count("CERTIFICATE")
    if any(label.endswith("PRIVATE KEY") for label in labels):
        if certificates:
            raise InvalidInput(
                field,
                "contains a private key next to the certificate; this input is not secret and "
                "is stored in the state, so remove the key from it and give the key in "
                "private_key_pem (as a secret)",
            )
        raise InvalidInput(
            field,
            "this looks like a private key, not a certificate; give the CA certificate here "
            "and its key in private_key_pem (as a secret)",
        )
    if certificates == 0:
        raise InvalidInput(field, _no_certificate_reason(labels))
    if certificates > 1:
        raise InvalidInput(
            field,
            f"contains {certificates} certificates; give exactly one CA certificate per resource "
            "(for a chain, declare one resource for each CA the hub must trust)",
        )
    block = _CERTIFICATE_BLOCK.search(text)
    cert = _load_pem_certificate(block.group(0)) if block else None
    if cert is None:
        raise InvalidInput(
            field,
            "the CERTIFICATE block does not parse as an X.509 certificate (truncated or "
            "edited?); paste the PEM file exactly as written",
        ) from None
    return cert


def _load_pem_certificate(block: str) -> x509.Certificate | None:
    # None rather than raising from inside the handler: cryptography's error text can quote the
    # input, and it must not ride along as the context of ours.
    try:
        return x509.load_pem_x509_certificate(block.encode("utf-8"))
    except ValueError:
        return None


def _no_certificate_reason(labels: list[str]) -> str:
    """Why a PEM text without a CERTIFICATE block was refused, naming what it holds instead."""
    if "PKCS7" in labels:
        return (
            "is PKCS#7 (.p7b), not a certificate; convert it to PEM "
            "(openssl pkcs7 -print_certs -in ca.p7b) and give the one CA certificate"
        )
    if "CERTIFICATE REQUEST" in labels or "NEW CERTIFICATE REQUEST" in labels:
        return (
            "is a certificate signing request (CSR), not a certificate; give the CA "
            "certificate issued from it"
        )
    if "TRUSTED CERTIFICATE" in labels:
        return (
            "is an OpenSSL TRUSTED CERTIFICATE; convert it to a plain certificate "
            "(openssl x509 -in ca.pem -out ca-plain.pem)"
        )
    if any(label.endswith("PUBLIC KEY") for label in labels):
        return f"this is a public key, not a certificate; {_EXPECTED}"
    if labels:
        return f"contains no certificate (found a PEM block '{labels[0]}'); {_EXPECTED}"
    return f"has a BEGIN line but no complete PEM block; {_EXPECTED}"


def _decode_base64(text: str, field: str) -> bytes:
    compact = "".join(text.split())
    try:
        data = base64.b64decode(compact, validate=True)
    except (binascii.Error, ValueError):
        data = b""
    if not data:
        raise InvalidInput(
            field,
            f"is neither PEM (no BEGIN CERTIFICATE line) nor valid base64; {_EXPECTED}",
        ) from None
    return data


def _parse_der(data: bytes, field: str) -> x509.Certificate:
    container = _der_container(data)
    if container == "PKCS#7":
        raise InvalidInput(
            field,
            "is PKCS#7 (.p7b/.p7c), not a certificate; convert it to PEM "
            "(openssl pkcs7 -inform DER -print_certs -in ca.p7b) and give the one CA certificate",
        )
    if container == "PKCS#12":
        raise InvalidInput(
            field,
            "is PKCS#12 (.pfx/.p12), which bundles the private key; export the certificate "
            "alone as PEM (openssl pkcs12 -in ca.pfx -nokeys -clcerts) and give the key in "
            "private_key_pem (as a secret)",
        )
    try:
        return x509.load_der_x509_certificate(data)
    except ValueError:
        pass
    if _is_private_key_der(data):
        raise InvalidInput(
            field,
            "this looks like a private key (DER), not a certificate; give the CA certificate "
            "here and its key in private_key_pem (as a secret)",
        ) from None
    raise InvalidInput(
        field,
        f"decodes from base64 but is not a DER X.509 certificate; {_EXPECTED}",
    ) from None


def _der_container(data: bytes) -> str | None:
    """'PKCS#7' or 'PKCS#12' when the DER is one of those containers, from its first bytes."""
    if len(data) < 2 or data[0] != 0x30:
        return None
    length_octets = data[1] & 0x7F if data[1] & 0x80 else 0
    body = data[2 + length_octets :]
    if body.startswith(_PKCS7_SIGNED_DATA_OID):
        return "PKCS#7"
    if body.startswith(_PKCS12_VERSION_3):
        return "PKCS#12"
    return None


def _is_private_key_der(data: bytes) -> bool:
    try:
        serialization.load_der_private_key(data, password=None)
    except TypeError:  # recognised as a key, but encrypted
        return True
    except UnsupportedAlgorithm:  # recognised as a key of an unknown type
        return True
    except ValueError:
        return False
    return True


def thumbprint(cert: x509.Certificate) -> str:
    """Uppercase hex SHA-1 of the DER: the `thumbprint` Azure shows and matches on."""
    return cert.fingerprint(hashes.SHA1()).hex().upper()  # Azure's identifier, not a security check


def common_name(cert: x509.Certificate) -> str:
    """The subject CN ("" if none): Azure's `subject` property is this bare CN."""
    attributes = cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
    if not attributes:
        return ""
    value = attributes[0].value
    return value if isinstance(value, str) else value.decode("utf-8", errors="replace")


def certificate_pem(cert: x509.Certificate) -> str:
    """PEM text of the certificate: the encoding every Azure client accepts for upload."""
    return cert.public_bytes(serialization.Encoding.PEM).decode("ascii")


def not_after(cert: x509.Certificate) -> datetime:
    """End of validity as an aware UTC datetime (Azure's `expiry`)."""
    return cert.not_valid_after_utc


def ca_problems(cert: x509.Certificate, now: datetime) -> list[str]:
    """Reasons Azure (or devices) could not use `cert` as a CA at `now`; empty when it can.

    Checked before upload so the user learns at preview, not from a half-done deployment.
    """
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    problems: list[str] = []
    try:
        extensions = cert.extensions
    except ValueError:
        problems.append("has malformed or duplicate extensions, so its CA constraints are unknown")
        extensions = x509.Extensions([])

    constraints = _extension(extensions, x509.BasicConstraints)
    if constraints is None:
        problems.append("is not a CA certificate (basicConstraints CA:TRUE missing)")
    elif not constraints.ca:
        problems.append(
            "is not a CA certificate (basicConstraints CA:TRUE missing; it says CA:FALSE, "
            "so it is a leaf)"
        )
    usage = _extension(extensions, x509.KeyUsage)
    if usage is not None and not usage.key_cert_sign:
        problems.append(
            "its keyUsage lacks keyCertSign, so it may not sign certificates (neither devices' "
            "nor the proof of possession)"
        )

    if now > cert.not_valid_after_utc:
        problems.append(f"expired on {_when(cert.not_valid_after_utc)}")
    if now < cert.not_valid_before_utc:
        problems.append(f"is not valid until {_when(cert.not_valid_before_utc)}")

    try:
        key: PublicKeyTypes = cert.public_key()
    except (UnsupportedAlgorithm, ValueError):
        problems.append(f"has a public key of a type that cannot be read; {SUPPORTED_KEYS}")
    else:
        if not is_supported_key(key):
            problems.append(f"has an unsupported {key_description(key)} key; {SUPPORTED_KEYS}")
    return problems


def _extension(extensions: x509.Extensions, kind: type[_E]) -> _E | None:
    try:
        return extensions.get_extension_for_class(kind).value
    except x509.ExtensionNotFound:
        return None


def _when(moment: datetime) -> str:
    return f"{moment.astimezone(UTC):%Y-%m-%d %H:%M:%S} UTC"


def is_supported_key(key: PublicKeyTypes | PrivateKeyTypes) -> bool:
    """Whether Azure proof of possession can use this key type (RSA, ECDSA on NIST curves)."""
    if isinstance(key, rsa.RSAPublicKey | rsa.RSAPrivateKey):
        return True
    if isinstance(key, ec.EllipticCurvePublicKey | ec.EllipticCurvePrivateKey):
        return isinstance(key.curve, _SUPPORTED_CURVES)
    return False


def key_description(key: PublicKeyTypes | PrivateKeyTypes) -> str:
    """Names a key in messages without revealing it: "RSA 2048", "EC P-256", "Ed25519"..."""
    if isinstance(key, rsa.RSAPublicKey | rsa.RSAPrivateKey):
        return f"RSA {key.key_size}"
    if isinstance(key, ec.EllipticCurvePublicKey | ec.EllipticCurvePrivateKey):
        return f"EC {_CURVE_NAMES.get(key.curve.name, key.curve.name)}"
    if isinstance(key, dsa.DSAPublicKey | dsa.DSAPrivateKey):
        return f"DSA {key.key_size}"
    if isinstance(key, ed25519.Ed25519PublicKey | ed25519.Ed25519PrivateKey):
        return "Ed25519"
    if isinstance(key, ed448.Ed448PublicKey | ed448.Ed448PrivateKey):
        return "Ed448"
    if isinstance(key, x25519.X25519PublicKey | x25519.X25519PrivateKey):
        return "X25519"
    if isinstance(key, x448.X448PublicKey | x448.X448PrivateKey):
        return "X448"
    return type(key).__name__.removesuffix("PublicKey").removesuffix("PrivateKey") or "unknown"
