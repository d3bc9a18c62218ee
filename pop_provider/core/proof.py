"""The proof-of-possession ("verification") certificate Azure asks for.

Azure hands out a verification code; we answer with a certificate whose subject is exactly
CN=<code>, issued under the CA's name and signed with the CA's key. Only that signature matters:
the certificate is checked once and thrown away, so it is short-lived and its own key is a
cheap placeholder that nobody keeps.
"""

from __future__ import annotations

import secrets
from datetime import UTC, datetime, timedelta

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import NameOID

from pop_provider.core.certificates import certificate_pem
from pop_provider.core.signers import ProofSigner

# Tolerate a hub whose clock runs behind ours.
CLOCK_SKEW = timedelta(minutes=5)
# Long enough for any retry of the verify call, short enough to be worthless if it leaks.
PROOF_VALIDITY = timedelta(days=1)
# X.520 ub-common-name: the longest CN a certificate may carry.
MAX_CODE_LENGTH = 64
# RFC 5280 allows 20 octets; 159 bits with the top bit set is positive and always fits.
_SERIAL_BITS = 159


def build_proof_certificate(
    ca_cert: x509.Certificate,
    signer: ProofSigner,
    verification_code: str,
    now: datetime | None = None,
) -> x509.Certificate:
    """A certificate proving `signer` holds the key of `ca_cert`, for Azure's verify call.

    Raises ValueError for a code that cannot be a CN, a naive `now`, or a signer whose key is
    not the CA's (Azure would reject that proof, after a round trip and with a vaguer message).
    """
    _check_code(verification_code)
    moment = _utc(now)
    if not _same_key(signer.public_key(), ca_cert.public_key()):
        raise ValueError(
            "the signer's key is not the CA certificate's key; Azure only accepts a proof "
            "signed by the key of the certificate being verified"
        )
    # A throw-away key for the subject: generated, used as a public key and dropped. Never the
    # CA key, which would advertise it in a second certificate.
    placeholder = ec.generate_private_key(ec.SECP256R1())
    builder = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, verification_code)]))
        .issuer_name(ca_cert.subject)
        .public_key(placeholder.public_key())
        .serial_number(_serial_number())
        .not_valid_before(moment - CLOCK_SKEW)
        .not_valid_after(moment + PROOF_VALIDITY)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(_authority_key_identifier(ca_cert), critical=False)
    )
    return signer.sign(builder)


def proof_certificate_pem(
    ca_cert: x509.Certificate,
    signer: ProofSigner,
    verification_code: str,
    now: datetime | None = None,
) -> str:
    """`build_proof_certificate` as PEM text, the form the verify call sends."""
    return certificate_pem(build_proof_certificate(ca_cert, signer, verification_code, now))


def _check_code(code: str) -> None:
    if not isinstance(code, str) or not code.strip():
        raise ValueError("the verification code is empty")
    if len(code) > MAX_CODE_LENGTH:
        raise ValueError(
            f"the verification code has {len(code)} characters; a certificate CN holds at most "
            f"{MAX_CODE_LENGTH}"
        )
    if not code.isprintable():
        raise ValueError("the verification code contains non-printable characters")


def _utc(now: datetime | None) -> datetime:
    if now is None:
        return datetime.now(UTC)
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    return now.astimezone(UTC)


def _serial_number() -> int:
    return (1 << (_SERIAL_BITS - 1)) | secrets.randbits(_SERIAL_BITS - 1)


def _same_key(ours: object, theirs: object) -> bool:
    spki = (serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    keys = (rsa.RSAPublicKey, ec.EllipticCurvePublicKey)
    if not isinstance(ours, keys) or not isinstance(theirs, keys):
        return False
    return bool(ours.public_bytes(*spki) == theirs.public_bytes(*spki))


def _authority_key_identifier(ca_cert: x509.Certificate) -> x509.AuthorityKeyIdentifier:
    """The CA's key id as the CA itself states it (its SKI), else derived from its key.

    Chain builders match AKI to SKI byte for byte, so copying the SKI matters for CAs whose
    SKI was not computed by the usual SHA-1 method.
    """
    try:
        ski = ca_cert.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
    except x509.ExtensionNotFound:
        key = ca_cert.public_key()
        if not isinstance(key, rsa.RSAPublicKey | ec.EllipticCurvePublicKey):
            # Unreachable after _same_key; narrows the type for from_issuer_public_key.
            raise ValueError("the CA certificate's key is neither RSA nor EC") from None
        return x509.AuthorityKeyIdentifier.from_issuer_public_key(key)
    return x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ski)
