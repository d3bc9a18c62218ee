"""Throw-away PKIs for tests: real keys and certificates, built by code rather than stored blobs.

Each test says what it needs in one line, so a reader sees why a certificate is odd::

    root = make_ca("Fleet Root")                                  # EC P-256, self-signed
    issuing = make_intermediate_ca(root, "Fleet Issuing CA")      # CA signed by root
    device = make_leaf(issuing, "device-1")                       # CA:FALSE
    big = make_ca("RSA Root", key_type=KeyType.RSA_4096)
    old = make_expired_ca("Old Root")                             # expired yesterday
    odd = make_certificate("No BC", is_ca=None)                   # no basicConstraints at all
    same = make_reproducible_ca("Fleet Root 7")                   # same bytes on every run
    pem = root.private_key_pem                                    # unencrypted PKCS#8
    locked = root.encrypted_private_key_pem("pw", KeyFormat.TRADITIONAL)

Key generation is the slow part (RSA 4096 takes about a second), so every builder takes `key=`
to reuse a key; `KeyPool` hands out one key per type and is shared by the pytest fixtures.

ECDSA signatures are deterministic (RFC 6979), as RSA PKCS#1 v1.5 and EdDSA ones already are:
a certificate is a function of its key, serial, validity and names, so a test that fixes those
(`make_reproducible_ca`) gets the same certificate, and the same thumbprint, on every run.
"""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import Enum
from typing import Literal, TypeAlias, TypedDict, Unpack

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import dsa, ec, ed448, ed25519, rsa
from cryptography.hazmat.primitives.serialization import pkcs7, pkcs12
from cryptography.x509.oid import NameOID

PrivateKey: TypeAlias = (
    rsa.RSAPrivateKey
    | ec.EllipticCurvePrivateKey
    | ed25519.Ed25519PrivateKey
    | ed448.Ed448PrivateKey
    | dsa.DSAPrivateKey
)

ORGANIZATION = "pop-provider tests"


class KeyType(Enum):
    """Key types a test can ask for; each value is how `signers.key_description` names it."""

    RSA_2048 = "RSA 2048"
    RSA_4096 = "RSA 4096"
    EC_P256 = "EC P-256"
    EC_P384 = "EC P-384"
    EC_P521 = "EC P-521"
    EC_SECP256K1 = "EC secp256k1"  # a curve Azure does not accept
    ED25519 = "Ed25519"
    ED448 = "Ed448"
    DSA_1024 = "DSA 1024"  # small: DSA parameter generation is slow, and any DSA is refused


#: The key types Azure proof of possession accepts, and those it does not.
SUPPORTED_KEY_TYPES = (
    KeyType.RSA_2048,
    KeyType.RSA_4096,
    KeyType.EC_P256,
    KeyType.EC_P384,
    KeyType.EC_P521,
)
UNSUPPORTED_KEY_TYPES = tuple(kind for kind in KeyType if kind not in SUPPORTED_KEY_TYPES)


class KeyFormat(Enum):
    """How a private key is written as PEM."""

    PKCS8 = "PKCS#8"  # BEGIN PRIVATE KEY, or BEGIN ENCRYPTED PRIVATE KEY
    TRADITIONAL = "traditional"  # BEGIN RSA/EC PRIVATE KEY, encrypted with a Proc-Type header


def generate_key(key_type: KeyType = KeyType.EC_P256) -> PrivateKey:
    """A fresh private key of `key_type`."""
    match key_type:
        case KeyType.RSA_2048:
            return rsa.generate_private_key(public_exponent=65537, key_size=2048)
        case KeyType.RSA_4096:
            return rsa.generate_private_key(public_exponent=65537, key_size=4096)
        case KeyType.EC_P256:
            return ec.generate_private_key(ec.SECP256R1())
        case KeyType.EC_P384:
            return ec.generate_private_key(ec.SECP384R1())
        case KeyType.EC_P521:
            return ec.generate_private_key(ec.SECP521R1())
        case KeyType.EC_SECP256K1:
            return ec.generate_private_key(ec.SECP256K1())
        case KeyType.ED25519:
            return ed25519.Ed25519PrivateKey.generate()
        case KeyType.ED448:
            return ed448.Ed448PrivateKey.generate()
        case KeyType.DSA_1024:
            return dsa.generate_private_key(key_size=1024)
    raise AssertionError(key_type)


def seeded_key(seed: str, key_type: KeyType = KeyType.EC_P256) -> ec.EllipticCurvePrivateKey:
    """The EC key of `key_type` that `seed` names: the same key on every run and machine.

    The private value is a digest of the seed cut below the curve's order, so it is always a
    valid key; only EC types can be derived this way (RSA, EdDSA and DSA cannot be).
    """
    curves: dict[KeyType, ec.EllipticCurve] = {
        KeyType.EC_P256: ec.SECP256R1(),
        KeyType.EC_P384: ec.SECP384R1(),
        KeyType.EC_P521: ec.SECP521R1(),
        KeyType.EC_SECP256K1: ec.SECP256K1(),
    }
    if key_type not in curves:
        raise ValueError(f"seeded_key derives EC keys only, not {key_type.value}")
    curve = curves[key_type]
    digest = int.from_bytes(hashlib.sha512(f"{key_type.value}/{seed}".encode()).digest())
    return ec.derive_private_key(digest % 2 ** (curve.key_size - 1) or 1, curve)


class KeyPool:
    """Keys made once and handed out again: a test session pays for each RSA 4096 key once.

    `get(kind, n)` returns the same key for the same (kind, n); a different `n` gives another
    key of that type, for tests that need two CAs whose keys differ.
    """

    def __init__(self) -> None:
        self._keys: dict[tuple[KeyType, int], PrivateKey] = {}

    def get(self, key_type: KeyType = KeyType.EC_P256, n: int = 0) -> PrivateKey:
        if (key_type, n) not in self._keys:
            self._keys[key_type, n] = generate_key(key_type)
        return self._keys[key_type, n]


def key_pem(
    key: PrivateKey, key_format: KeyFormat = KeyFormat.PKCS8, password: str | None = None
) -> str:
    """`key` as PEM text, encrypted with `password` (AES-256) when one is given."""
    private_format = (
        serialization.PrivateFormat.PKCS8
        if key_format is KeyFormat.PKCS8
        else serialization.PrivateFormat.TraditionalOpenSSL
    )
    encryption: serialization.KeySerializationEncryption = (
        serialization.BestAvailableEncryption(password.encode())
        if password is not None
        else serialization.NoEncryption()
    )
    return key.private_bytes(serialization.Encoding.PEM, private_format, encryption).decode()


@dataclass(frozen=True)
class CertifiedKey:
    """A certificate and its private key, in every encoding a test may want to paste."""

    certificate: x509.Certificate
    key: PrivateKey

    @property
    def certificate_pem(self) -> str:
        return self.certificate.public_bytes(serialization.Encoding.PEM).decode()

    @property
    def certificate_der(self) -> bytes:
        return self.certificate.public_bytes(serialization.Encoding.DER)

    @property
    def certificate_der_base64(self) -> str:
        """Base64 of the DER, as PowerShell uploads a .cer file."""
        return base64.b64encode(self.certificate_der).decode()

    @property
    def private_key_pem(self) -> str:
        """The key as unencrypted PKCS#8 PEM."""
        return key_pem(self.key)

    def encrypted_private_key_pem(
        self, password: str, key_format: KeyFormat = KeyFormat.PKCS8
    ) -> str:
        """The key as PEM encrypted with `password`."""
        return key_pem(self.key, key_format, password)


class KeyOptions(TypedDict, total=False):
    """Which key a certificate gets: `key` if given, else a fresh one of `key_type`."""

    key: PrivateKey
    key_type: KeyType


class CertificateOptions(KeyOptions, total=False):
    """Knobs shared by every certificate builder here.

    key_usage: "default" gives CAs keyCertSign+cRLSign+digitalSignature and leaves
        digitalSignature; None leaves the extension out.
    subject_key_identifier: whether to add an SKI (children's AKI copies it).
    not_before / not_after: validity; default one day ago to a year ahead.
    serial_number: default a random one.
    """

    key_usage: x509.KeyUsage | None | Literal["default"]
    subject_key_identifier: bool
    not_before: datetime
    not_after: datetime
    serial_number: int


def key_usage(*, cert_sign: bool, digital_signature: bool = True) -> x509.KeyUsage:
    """A keyUsage value: with cert_sign, the CA usages (keyCertSign and cRLSign)."""
    return x509.KeyUsage(
        digital_signature=digital_signature,
        content_commitment=False,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=cert_sign,
        crl_sign=cert_sign,
        encipher_only=False,
        decipher_only=False,
    )


def make_certificate(
    common_name: str | None,
    *,
    issuer: CertifiedKey | None = None,
    is_ca: bool | None = True,
    **options: Unpack[CertificateOptions],
) -> CertifiedKey:
    """The general builder the others wrap: any certificate, odd ones included.

    common_name: None gives a subject without CN (only O=pop-provider tests).
    issuer: the signing CA; None makes the certificate self-signed.
    is_ca: basicConstraints CA:TRUE / CA:FALSE; None leaves basicConstraints out.
    """
    key = options.get("key") or generate_key(options.get("key_type", KeyType.EC_P256))
    now = datetime.now(UTC)
    attributes = [x509.NameAttribute(NameOID.ORGANIZATION_NAME, ORGANIZATION)]
    if common_name is not None:
        attributes.append(x509.NameAttribute(NameOID.COMMON_NAME, common_name))
    subject = x509.Name(attributes)
    signing_key = issuer.key if issuer else key
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer.certificate.subject if issuer else subject)
        .public_key(key.public_key())
        .serial_number(options.get("serial_number") or x509.random_serial_number())
        .not_valid_before(options.get("not_before", now - timedelta(days=1)))
        .not_valid_after(options.get("not_after", now + timedelta(days=365)))
    )
    if is_ca is not None:
        builder = builder.add_extension(
            x509.BasicConstraints(ca=is_ca, path_length=None), critical=True
        )
    usage = options.get("key_usage", "default")
    if usage == "default":
        usage = key_usage(cert_sign=bool(is_ca))
    if usage is not None:
        builder = builder.add_extension(usage, critical=True)
    if options.get("subject_key_identifier", True):
        builder = builder.add_extension(
            x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False
        )
    if issuer is not None:
        builder = builder.add_extension(_authority_key_identifier(issuer), critical=False)
    deterministic = True if isinstance(signing_key, ec.EllipticCurvePrivateKey) else None
    certificate = builder.sign(
        signing_key, _signature_hash(signing_key), ecdsa_deterministic=deterministic
    )
    return CertifiedKey(certificate, key)


def make_ca(
    common_name: str = "Test Root CA", **options: Unpack[CertificateOptions]
) -> CertifiedKey:
    """A self-signed root CA (EC P-256 unless `key`/`key_type` say otherwise)."""
    return make_certificate(common_name, **options)


#: The validity of reproducible CAs: fixed dates (not "from now"), long past and far ahead.
REPRODUCIBLE_VALIDITY = (datetime(2025, 1, 1, tzinfo=UTC), datetime(2045, 1, 1, tzinfo=UTC))


def make_reproducible_ca(common_name: str, key_type: KeyType = KeyType.EC_P256) -> CertifiedKey:
    """A self-signed root CA that is byte for byte the same on every run: its key derives from
    the name, its serial too, its validity is fixed. So are its thumbprint and the certificate
    name the provider generates from it, for a test that needs the same run twice (the
    emulator's random faults, say, are drawn per certificate name)."""
    not_before, not_after = REPRODUCIBLE_VALIDITY
    serial = int.from_bytes(hashlib.sha256(common_name.encode()).digest()[:16]) >> 1 or 1
    return make_certificate(
        common_name,
        key=seeded_key(common_name, key_type),
        serial_number=serial,
        not_before=not_before,
        not_after=not_after,
    )


def make_intermediate_ca(
    issuer: CertifiedKey,
    common_name: str = "Test Intermediate CA",
    **options: Unpack[CertificateOptions],
) -> CertifiedKey:
    """A CA signed by `issuer`: what Azure calls a subordinate CA."""
    return make_certificate(common_name, issuer=issuer, **options)


def make_leaf(
    issuer: CertifiedKey | None,
    common_name: str = "test-device",
    **options: Unpack[CertificateOptions],
) -> CertifiedKey:
    """A non-CA certificate (basicConstraints CA:FALSE), signed by `issuer` or self-signed."""
    return make_certificate(common_name, issuer=issuer, is_ca=False, **options)


def make_expired_ca(
    common_name: str = "Expired Test CA",
    *,
    expired_at: datetime | None = None,
    **options: Unpack[KeyOptions],
) -> CertifiedKey:
    """A root CA whose validity ended at `expired_at` (default: a day ago), a year long."""
    end = expired_at or datetime.now(UTC) - timedelta(days=1)
    return make_certificate(
        common_name, not_before=end - timedelta(days=365), not_after=end, **options
    )


def make_not_yet_valid_ca(
    common_name: str = "Future Test CA",
    *,
    valid_from: datetime | None = None,
    **options: Unpack[KeyOptions],
) -> CertifiedKey:
    """A root CA whose validity starts at `valid_from` (default: a day from now)."""
    start = valid_from or datetime.now(UTC) + timedelta(days=1)
    return make_certificate(
        common_name, not_before=start, not_after=start + timedelta(days=365), **options
    )


def pkcs7_bundle(*certificates: x509.Certificate, der: bool = False) -> bytes:
    """Certificates in a PKCS#7 (.p7b) container, PEM unless `der`."""
    encoding = serialization.Encoding.DER if der else serialization.Encoding.PEM
    return pkcs7.serialize_certificates(list(certificates), encoding)


def pkcs12_bundle(certified: CertifiedKey, password: str | None = None) -> bytes:
    """Certificate and key in a PKCS#12 (.pfx) file, DER, encrypted when `password` is given."""
    encryption: serialization.KeySerializationEncryption = (
        serialization.BestAvailableEncryption(password.encode())
        if password is not None
        else serialization.NoEncryption()
    )
    return pkcs12.serialize_key_and_certificates(
        b"test", certified.key, certified.certificate, None, encryption
    )


def _signature_hash(
    key: PrivateKey,
) -> hashes.SHA256 | hashes.SHA384 | hashes.SHA512 | None:
    if isinstance(key, ed25519.Ed25519PrivateKey | ed448.Ed448PrivateKey):
        return None  # EdDSA hashes internally
    if isinstance(key, ec.EllipticCurvePrivateKey):
        if isinstance(key.curve, ec.SECP384R1):
            return hashes.SHA384()
        if isinstance(key.curve, ec.SECP521R1):
            return hashes.SHA512()
    return hashes.SHA256()


def _authority_key_identifier(issuer: CertifiedKey) -> x509.AuthorityKeyIdentifier:
    try:
        ski = issuer.certificate.extensions.get_extension_for_class(x509.SubjectKeyIdentifier)
    except x509.ExtensionNotFound:
        return x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer.key.public_key())
    return x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ski.value)
