"""The proof-of-possession check: does the verification certificate prove the CA key?

Rules (learn.microsoft.com: iot-dps/how-to-verify-certificates and
iot-hub/tutorial-x509-prove-possession): the verification certificate's subject is the current
verification code [doc], its issuer is the uploaded CA's subject and it is signed with the CA's
private key [doc; IH400053 message in Azure/azure-cli#5376]. Supported signatures: RSA PKCS#1 v1.5
and PSS, ECDSA on P-256/P-384/P-521 (Microsoft's own tooling uses RSA and ECDSA P-256:
Azure/azure-iot-sdk-c tools/CACertificates, certGen.sh and ca-certs.ps1). Nothing else (EKU, key
usage, validity) is checked, because nothing else is documented.
"""

from __future__ import annotations

import enum

from cryptography import x509
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.x509.oid import NameOID

SUPPORTED_CURVES = (ec.SECP256R1, ec.SECP384R1, ec.SECP521R1)


class ProofOutcome(enum.Enum):
    """Why a proof succeeded or failed; the backend maps each to the service's error."""

    OK = "ok"
    ISSUER_MISMATCH = "issuer-mismatch"
    BAD_SIGNATURE = "bad-signature"
    UNSUPPORTED_KEY = "unsupported-key"
    SUBJECT_MISMATCH = "subject-mismatch"


def common_name(name: x509.Name) -> str:
    """The bare CN of a name ("simple name", as the service reports ``subject``); "" if none."""
    attributes = name.get_attributes_for_oid(NameOID.COMMON_NAME)
    if not attributes:
        return ""
    value = attributes[0].value
    return value if isinstance(value, str) else value.decode("utf-8", "replace")


def display_name(name: x509.Name) -> str:
    """A distinguished name as .NET prints it: most specific RDN first, ", " separated."""
    return ", ".join(rdn.rfc4514_string() for rdn in reversed(name.rdns))


def _signature_valid(ca: x509.Certificate, leaf: x509.Certificate) -> ProofOutcome:
    key = ca.public_key()
    hash_algorithm = leaf.signature_hash_algorithm
    if hash_algorithm is None or not isinstance(hash_algorithm, hashes.HashAlgorithm):
        return ProofOutcome.UNSUPPORTED_KEY
    try:
        if isinstance(key, rsa.RSAPublicKey):
            pad = leaf.signature_algorithm_parameters
            if not isinstance(pad, padding.PKCS1v15 | padding.PSS):
                return ProofOutcome.UNSUPPORTED_KEY
            key.verify(leaf.signature, leaf.tbs_certificate_bytes, pad, hash_algorithm)
        elif isinstance(key, ec.EllipticCurvePublicKey):
            if not isinstance(key.curve, SUPPORTED_CURVES):
                return ProofOutcome.UNSUPPORTED_KEY
            key.verify(leaf.signature, leaf.tbs_certificate_bytes, ec.ECDSA(hash_algorithm))
        else:
            return ProofOutcome.UNSUPPORTED_KEY
    except InvalidSignature:
        return ProofOutcome.BAD_SIGNATURE
    except (UnsupportedAlgorithm, ValueError, TypeError):
        return ProofOutcome.BAD_SIGNATURE
    return ProofOutcome.OK


def check_proof(
    ca: x509.Certificate, verification: x509.Certificate, expected_code: str
) -> ProofOutcome:
    """Check a verification certificate against the uploaded CA and the outstanding code.

    Order [guess]: issuer, then signature, then subject, so that a certificate signed by the wrong
    CA reports the documented IH400053 issuer message first.
    """
    if verification.issuer != ca.subject:
        return ProofOutcome.ISSUER_MISMATCH
    outcome = _signature_valid(ca, verification)
    if outcome is not ProofOutcome.OK:
        return outcome
    # Exact, case-sensitive comparison [guess: no Microsoft doc states a case rule].
    if common_name(verification.subject) != expected_code:
        return ProofOutcome.SUBJECT_MISMATCH
    return ProofOutcome.OK
