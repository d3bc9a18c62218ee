"""A ProofSigner whose CA key lives in Azure Key Vault and never leaves it.

cryptography cannot sign a builder with a remote key, so the certificate is assembled here: the
builder is signed once with a throw-away local key of the same family and hash, which yields the
exact to-be-signed bytes (with the signatureAlgorithm the vault's signature will match); the vault
signs their digest; the throw-away signature is swapped for the vault's (pyasn1 re-encodes the
outer SEQUENCE) and the result is checked against the vault key before it is returned.
"""

from __future__ import annotations

import functools
from typing import Any, TypeAlias

from azure.core.credentials import TokenCredential
from azure.core.exceptions import (
    ClientAuthenticationError,
    HttpResponseError,
    ResourceNotFoundError,
    ServiceRequestError,
)
from azure.keyvault.keys import KeyClient, KeyType, KeyVaultKey
from azure.keyvault.keys.crypto import CryptographyClient, SignatureAlgorithm
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.asymmetric.types import CertificatePublicKeyTypes
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
from cryptography.x509.oid import SignatureAlgorithmOID
from pyasn1.codec.der import decoder as der_decoder  # type: ignore[import-untyped]
from pyasn1.codec.der import encoder as der_encoder
from pyasn1.type import namedtype, univ  # type: ignore[import-untyped]

from pop_provider.core.certificates import SUPPORTED_KEYS
from pop_provider.core.errors import InvalidInput
from pop_provider.core.keyvault_reference import (
    KEY_NAME,
    KEY_VERSION,
    VAULT_URL,
    validate_key_reference,
)
from pop_provider.core.retries import RefusalIsFinalRetryPolicy
from pop_provider.core.signers import NeverSerialized

__all__ = ["KEY_NAME", "KEY_VERSION", "VAULT_URL", "KeyVaultSigner"]

# The input properties a Key Vault signer is built from (InvalidInput names them).

_RSA_TYPES = (KeyType.rsa, KeyType.rsa_hsm)
_EC_TYPES = (KeyType.ec, KeyType.ec_hsm)
# Per curve: the local curve, the hash of equal strength (as LocalKeySigner pairs them), and
# the JWS algorithm that signs a digest of that hash on that curve (RFC 7518 section 3.4).
_ProofHash: TypeAlias = hashes.SHA256 | hashes.SHA384 | hashes.SHA512
_EC_CURVES: dict[str, tuple[ec.EllipticCurve, type[_ProofHash], SignatureAlgorithm]] = {
    "P-256": (ec.SECP256R1(), hashes.SHA256, SignatureAlgorithm.es256),
    "P-384": (ec.SECP384R1(), hashes.SHA384, SignatureAlgorithm.es384),
    "P-521": (ec.SECP521R1(), hashes.SHA512, SignatureAlgorithm.es512),
}
# What the to-be-signed certificate must announce for each vault algorithm.
_EXPECTED_OID = {
    SignatureAlgorithm.rs256: SignatureAlgorithmOID.RSA_WITH_SHA256,
    SignatureAlgorithm.es256: SignatureAlgorithmOID.ECDSA_WITH_SHA256,
    SignatureAlgorithm.es384: SignatureAlgorithmOID.ECDSA_WITH_SHA384,
    SignatureAlgorithm.es512: SignatureAlgorithmOID.ECDSA_WITH_SHA512,
}


class _Certificate(univ.Sequence):  # type: ignore[misc]
    """RFC 5280 Certificate with its first two fields kept as opaque, already-encoded DER."""

    componentType = namedtype.NamedTypes(
        namedtype.NamedType("tbsCertificate", univ.Any()),
        namedtype.NamedType("signatureAlgorithm", univ.Any()),
        namedtype.NamedType("signatureValue", univ.BitString()),
    )


class KeyVaultSigner(NeverSerialized):
    """A ProofSigner backed by an RSA or EC (P-256/384/521) key in Azure Key Vault.

    The vault is asked for the key's public JWK once (on first use) and for one signature per
    proof. `client_kwargs` go to azure-keyvault-keys' KeyClient unchanged (`connection_verify`,
    `api_version`, `retry_total`, `verify_challenge_resource`...). Not picklable: it holds a
    credential, which must not end up in the Pulumi state.
    """

    _why_not = (
        "KeyVaultSigner holds an Azure credential, which must not be serialized (pickled): it "
        "would end up in the Pulumi state; build the signer from its inputs where it is needed "
        "instead"
    )

    __slots__ = (
        "_client",
        "_client_kwargs",
        "_credential",
        "_crypto",
        "_key",
        "_key_name",
        "_key_version",
        "_vault_url",
    )

    def __init__(
        self,
        vault_url: str,
        key_name: str,
        key_version: str | None,
        credential: TokenCredential,
        **client_kwargs: Any,
    ) -> None:
        self._vault_url, self._key_name, self._key_version = validate_key_reference(
            vault_url, key_name, key_version
        )
        self._credential = credential
        # azure-core's retries (`retry_*` in client_kwargs), but a refused connection, a wrong
        # vault URL or port, fails at once as on every other endpoint (core.retries).
        client_kwargs.setdefault("retry_policy", RefusalIsFinalRetryPolicy(**client_kwargs))
        self._client_kwargs = dict(client_kwargs)
        self._client = KeyClient(self._vault_url, credential, **client_kwargs)
        self._key: rsa.RSAPublicKey | ec.EllipticCurvePublicKey | None = None
        self._crypto: CryptographyClient | None = None

    def public_key(self) -> CertificatePublicKeyTypes:
        """The vault key's public half, read from its JWK once and cached."""
        return self._load()

    def hash_algorithm(self) -> hashes.HashAlgorithm:
        """SHA-256 for RSA and P-256, SHA-384 for P-384, SHA-512 for P-521."""
        return self._scheme()[0]

    def sign(self, builder: x509.CertificateBuilder) -> x509.Certificate:
        """Sign the builder's to-be-signed bytes in the vault and assemble the certificate."""
        key = self._load()
        assert self._crypto is not None
        hash_algorithm, algorithm = self._scheme()
        template = _template(builder, key, hash_algorithm)
        if template.signature_algorithm_oid != _EXPECTED_OID[algorithm]:
            raise RuntimeError(
                f"the to-be-signed certificate announces {template.signature_algorithm_oid}, "
                f"not what {algorithm.value} produces"
            )
        tbs = template.tbs_certificate_bytes
        digest = hashes.Hash(hash_algorithm)
        digest.update(tbs)
        try:
            result = self._crypto.sign(algorithm, digest.finalize())
        except HttpResponseError as error:
            raise self._failure("sign with", error) from None
        except ServiceRequestError as error:
            raise self._unreachable(error) from None
        signature = result.signature
        if isinstance(key, ec.EllipticCurvePublicKey):
            signature = _der_ecdsa_signature(signature, key.curve)
        try:
            if isinstance(key, rsa.RSAPublicKey):
                key.verify(signature, tbs, padding.PKCS1v15(), hash_algorithm)
            else:
                key.verify(signature, tbs, ec.ECDSA(hash_algorithm))
        except InvalidSignature:
            raise RuntimeError(
                f"the signature Key Vault {self._vault_url} returned for key "
                f"'{self._key_name}' does not verify with that key's public key"
            ) from None
        return x509.load_der_x509_certificate(_with_signature(template, signature))

    def _load(self) -> rsa.RSAPublicKey | ec.EllipticCurvePublicKey:
        if self._key is not None:
            return self._key
        try:
            vault_key = self._client.get_key(self._key_name, self._key_version)
        except ResourceNotFoundError:
            shown = f"'{self._key_name}'" + (
                f" version '{self._key_version}'" if self._key_version else ""
            )
            raise InvalidInput(
                KEY_NAME,
                f"the key {shown} was not found in Key Vault {self._vault_url}; check the key "
                "name (and version) and that the vault URL is the right vault",
            ) from None
        except HttpResponseError as error:
            raise self._failure("read", error) from None
        except ServiceRequestError as error:
            raise self._unreachable(error) from None
        key = self._public_key_of(vault_key)
        # Built from the key just read: it signs with exactly that version (even if the key
        # rotates meanwhile) and does not fetch the key a second time.
        self._crypto = CryptographyClient(vault_key, self._credential, **self._client_kwargs)
        self._key = key
        return key

    def _public_key_of(
        self, vault_key: KeyVaultKey
    ) -> rsa.RSAPublicKey | ec.EllipticCurvePublicKey:
        jwk, kind = vault_key.key, vault_key.key_type
        # JsonWebKey sets its fields from keyword arguments, so they are read by name.
        n, e, x, y = (_jwk_int(jwk, field) for field in ("n", "e", "x", "y"))
        curve_name = _enum_text(getattr(jwk, "crv", None))
        if kind in _RSA_TYPES and n and e:
            return rsa.RSAPublicNumbers(e, n).public_key()
        if kind in _EC_TYPES and curve_name in _EC_CURVES and x and y:
            return ec.EllipticCurvePublicNumbers(x, y, _EC_CURVES[curve_name][0]).public_key()
        kind_name = _enum_text(kind)
        described = f"{kind_name} {curve_name}".strip() if kind in _EC_TYPES else kind_name
        raise InvalidInput(
            KEY_NAME,
            f"the key '{self._key_name}' in Key Vault {self._vault_url} is a {described} key; "
            f"{SUPPORTED_KEYS}",
        )

    def _scheme(self) -> tuple[_ProofHash, SignatureAlgorithm]:
        key = self._load()
        if isinstance(key, rsa.RSAPublicKey):
            # PKCS#1 v1.5, as LocalKeySigner and Azure's accepted examples sign.
            return hashes.SHA256(), SignatureAlgorithm.rs256
        for curve, hash_type, algorithm in _EC_CURVES.values():
            if curve.name == key.curve.name:
                return hash_type(), algorithm
        raise AssertionError("unreachable: _public_key_of admits only these curves")

    def _failure(self, verb: str, error: HttpResponseError) -> Exception:
        """A clear error for a service answer; the message is the service's, never a token."""
        status = error.status_code
        detail = error.message or (error.reason or "")
        if isinstance(error, ClientAuthenticationError) or status in (401, 403):
            return RuntimeError(
                f"could not {verb} key '{self._key_name}' in Key Vault {self._vault_url}: the "
                f"credential was refused (HTTP {status}); give its identity 'get' and 'sign' "
                f"permission on keys: {detail}"
            )
        return RuntimeError(
            f"could not {verb} key '{self._key_name}' in Key Vault {self._vault_url} "
            f"(HTTP {status}): {detail}"
        )

    def _unreachable(self, error: ServiceRequestError) -> RuntimeError:
        return RuntimeError(
            f"Key Vault {self._vault_url} is unreachable ({type(error).__name__}); check the "
            "vault URL, the network and the trusted CA bundle"
        )

    def __repr__(self) -> str:
        version = f"/{self._key_version}" if self._key_version else ""
        return f"KeyVaultSigner(<{self._vault_url} key {self._key_name}{version}>)"


def _enum_text(value: object) -> str:
    """The wire text of an SDK enum member ("EC", "P-256"), or of a plain string."""
    return str(getattr(value, "value", value) or "")


def _jwk_int(jwk: object, field: str) -> int | None:
    value = getattr(jwk, field, None)
    return int.from_bytes(value, "big") if isinstance(value, bytes) and value else None


@functools.cache
def _throwaway_key(family: str) -> rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey:
    """One local key per family, only ever used to obtain to-be-signed bytes.

    Its signature is discarded, so one per process is enough; the signatureAlgorithm it makes the
    builder write depends on the family and the hash alone, not on the key size or the curve.
    """
    if family == "rsa":
        return rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return ec.generate_private_key(ec.SECP256R1())


def _template(
    builder: x509.CertificateBuilder,
    key: rsa.RSAPublicKey | ec.EllipticCurvePublicKey,
    hash_algorithm: _ProofHash,
) -> x509.Certificate:
    if isinstance(key, rsa.RSAPublicKey):
        return builder.sign(_throwaway_key("rsa"), hash_algorithm, rsa_padding=padding.PKCS1v15())
    return builder.sign(_throwaway_key("ec"), hash_algorithm)


def _der_ecdsa_signature(raw: bytes, curve: ec.EllipticCurve) -> bytes:
    """Key Vault's JWS form (r || s, fixed width) as the DER Ecdsa-Sig-Value X.509 carries."""
    size = (curve.key_size + 7) // 8
    if len(raw) != 2 * size:
        raise RuntimeError(
            f"Key Vault returned a {len(raw)}-byte EC signature; {curve.name} needs {2 * size}"
        )
    return encode_dss_signature(
        int.from_bytes(raw[:size], "big"), int.from_bytes(raw[size:], "big")
    )


def _with_signature(template: x509.Certificate, signature: bytes) -> bytes:
    """The template's DER with its signatureValue replaced (tbs and algorithm untouched)."""
    der = template.public_bytes(serialization.Encoding.DER)
    decoded, rest = der_decoder.decode(der, asn1Spec=_Certificate())
    if rest:
        raise RuntimeError("the template certificate has trailing bytes")
    decoded["signatureValue"] = univ.BitString.fromOctetString(signature)
    encoded: bytes = der_encoder.encode(decoded)
    return encoded
