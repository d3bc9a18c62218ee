"""Who signs the proof of possession with the CA's key, behind a small interface.

The proof builder only needs a public key, a hash and "sign this builder", so a key held in
memory (LocalKeySigner) and a key that never leaves a vault (an Azure Key Vault signer, which
signs a digest remotely) are interchangeable.

The CA private key and its password are the most sensitive values this provider touches: no
message, repr or pickle produced here ever contains them.
"""

from __future__ import annotations

import hashlib
import re
import threading
from typing import ClassVar, NoReturn, Protocol, SupportsIndex, TypeAlias, runtime_checkable

from cryptography import x509
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.asymmetric.types import (
    CertificatePublicKeyTypes,
    PrivateKeyTypes,
)

from pop_provider.core.certificates import (
    SUPPORTED_KEYS,
    is_supported_key,
    key_description,
    pem_labels,
)
from pop_provider.core.errors import InvalidInput

__all__ = ["LocalKeySigner", "ProofSigner", "key_description"]

_PRIVATE_KEY_BLOCK = re.compile(
    r"-----BEGIN ((?:[A-Z0-9]+ )*PRIVATE KEY)-----.*?-----END \1-----", re.DOTALL
)
_ProofHash: TypeAlias = hashes.SHA256 | hashes.SHA384 | hashes.SHA512
# The hash matching each curve's strength (RFC 5480 section 4), as Azure's own tooling pairs them.
_EC_HASHES: dict[str, type[_ProofHash]] = {
    "secp256r1": hashes.SHA256,
    "secp384r1": hashes.SHA384,
    "secp521r1": hashes.SHA512,
}


@runtime_checkable
class ProofSigner(Protocol):
    """Signs certificates with a CA's private key, wherever that key lives."""

    def public_key(self) -> CertificatePublicKeyTypes:
        """The CA's public key: what Azure verifies the proof with."""
        ...

    def sign(self, builder: x509.CertificateBuilder) -> x509.Certificate:
        """Sign a prepared builder with the CA key, using `hash_algorithm()`."""
        ...

    def hash_algorithm(self) -> hashes.HashAlgorithm:
        """The signature hash matching the key (SHA-256 for RSA and P-256, stronger curves more)."""
        ...


class NeverSerialized:
    """A signer holds a key or a credential: pickling it (as Pulumi's dynamic providers pickle
    what they reference) would put it in the state, so it refuses, saying why."""

    __slots__ = ()
    _why_not: ClassVar[str]

    def __reduce_ex__(self, protocol: SupportsIndex) -> NoReturn:
        raise TypeError(self._why_not)

    def __getstate__(self) -> NoReturn:
        raise TypeError(self._why_not)


class LocalKeySigner(NeverSerialized):
    """A ProofSigner whose RSA or EC private key is held in this process's memory.

    It refuses to be pickled: Pulumi pickles the dynamic provider into the state, and a key that
    slipped in there would be stored in plain text.
    """

    _why_not = (
        "LocalKeySigner holds a CA private key, which must not be serialized (pickled): it "
        "would end up in the Pulumi state; parse the key from its secret input where it is "
        "needed instead"
    )

    __slots__ = ("_key",)

    def __init__(self, key: PrivateKeyTypes, field: str = "private_key_pem") -> None:
        supported = isinstance(key, rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey)
        if not (supported and is_supported_key(key)):
            raise InvalidInput(
                field, f"the private key is {key_description(key)}; {SUPPORTED_KEYS}"
            )
        assert isinstance(key, rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey)
        self._key: rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey = key

    @classmethod
    def from_pem(
        cls,
        key_pem: str,
        password: str | None,
        field: str = "private_key_pem",
        password_field: str = "private_key_password",
    ) -> LocalKeySigner:
        """Load a PKCS#8 or traditional (RSA/EC) PEM key, encrypted or not.

        Raises InvalidInput against `field` or `password_field` with a reason that never quotes
        the key or the password.
        """
        block, label = _private_key_block(key_pem, field)
        encrypted = label == "ENCRYPTED PRIVATE KEY" or "Proc-Type: 4,ENCRYPTED" in block
        if encrypted and not password:
            raise InvalidInput(
                password_field,
                f"the private key is encrypted; set {password_field} to its password (as a secret)",
            )
        if not encrypted and password:
            # Rejected rather than ignored: a password the user believes protects the key, or one
            # meant for another key, is a mistake worth hearing about.
            raise InvalidInput(
                password_field,
                f"the private key is not encrypted, so no password is needed; remove "
                f"{password_field}",
            )
        key = _load_private_key_once(block, password if encrypted else None, field, password_field)
        return cls(key, field)

    def public_key(self) -> CertificatePublicKeyTypes:
        """The CA's public key."""
        return self._key.public_key()

    def hash_algorithm(self) -> hashes.HashAlgorithm:
        """SHA-256 for RSA and P-256, SHA-384 for P-384, SHA-512 for P-521."""
        return self._hash()

    def sign(self, builder: x509.CertificateBuilder) -> x509.Certificate:
        """Sign with the in-memory key (RSA: PKCS#1 v1.5, as in Azure's accepted examples)."""
        rsa_padding = padding.PKCS1v15() if isinstance(self._key, rsa.RSAPrivateKey) else None
        return builder.sign(self._key, self._hash(), rsa_padding=rsa_padding)

    def matches(self, cert: x509.Certificate) -> bool:
        """Whether this key is the key of `cert` (the only key Azure accepts a proof from)."""
        spki = (serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
        try:
            theirs = cert.public_key().public_bytes(*spki)
        except (UnsupportedAlgorithm, ValueError):
            return False
        return theirs == self._key.public_key().public_bytes(*spki)

    def _hash(self) -> _ProofHash:
        if isinstance(self._key, rsa.RSAPrivateKey):
            return hashes.SHA256()
        return _EC_HASHES[self._key.curve.name]()

    def __repr__(self) -> str:
        return f"LocalKeySigner(<{key_description(self._key)} key>)"


def _private_key_block(text: str, field: str) -> tuple[str, str]:
    """The one PEM private key block in `text` and its label; InvalidInput when there is not one.

    Only the block is handed to cryptography, so text around it (OpenSSL's "Bag Attributes",
    EC PARAMETERS, the certificate of a combined file) does not get in the way.
    """
    if not isinstance(text, str):
        raise InvalidInput(field, f"must be PEM text, got {type(text).__name__}")
    if not text.strip():
        raise InvalidInput(field, "is empty; give the CA's private key as PEM text")
    blocks = list(_PRIVATE_KEY_BLOCK.finditer(text))
    if len(blocks) > 1:
        raise InvalidInput(
            field,
            f"contains {len(blocks)} private keys; give exactly one: the key of the CA certificate",
        )
    if blocks:
        label = blocks[0].group(1)
        if label == "OPENSSH PRIVATE KEY":
            raise InvalidInput(
                field,
                "is an OpenSSH private key; convert it to PKCS#8 PEM "
                "(ssh-keygen -p -m PKCS8 -f <a copy of the key file>)",
            )
        return blocks[0].group(0), label
    labels = pem_labels(text)
    if any(label.endswith("PRIVATE KEY") for label in labels):
        reason = "has a private key BEGIN line without its matching END line (truncated?)"
    elif "CERTIFICATE" in labels:
        reason = (
            "this looks like a certificate, not a private key; give the certificate in "
            "certificate_pem and the CA's private key here"
        )
    elif any(label.endswith("PUBLIC KEY") for label in labels):
        reason = "this is a public key; proof of possession needs the CA's private key"
    elif labels:
        reason = f"contains no private key (found a PEM block '{labels[0]}')"
    else:
        reason = (
            "is not a PEM private key (no BEGIN ... PRIVATE KEY line); give the key file's PEM text"
        )
    raise InvalidInput(field, reason)


# Keys this process has loaded, by a digest of their PEM block and password: `check` and
# `create` each load the key of every resource, OpenSSL validates an RSA key on every load
# (tens of ms for RSA 2048, hundreds for RSA 4096), and a CA trusted on many targets is one key.
# Only keys that loaded are kept, so every failure is found and reported as before.
_LOADED_KEYS: dict[bytes, PrivateKeyTypes] = {}
_LOADED_KEYS_MAX = 256
_LOADED_KEYS_LOCK = threading.Lock()


def _load_private_key_once(
    block: str, password: str | None, field: str, password_field: str
) -> PrivateKeyTypes:
    """`_load_private_key`, once per process for each key and password."""
    secret = block.encode("utf-8") + (b"\1" + password.encode("utf-8") if password else b"\0")
    digest = hashlib.sha256(secret).digest()
    with _LOADED_KEYS_LOCK:
        known = _LOADED_KEYS.get(digest)
    if known is not None:
        return known
    key = _load_private_key(block, password, field, password_field)
    with _LOADED_KEYS_LOCK:
        if len(_LOADED_KEYS) >= _LOADED_KEYS_MAX:
            del _LOADED_KEYS[next(iter(_LOADED_KEYS))]
        _LOADED_KEYS[digest] = key
    return key


def _load_private_key(
    block: str, password: str | None, field: str, password_field: str
) -> PrivateKeyTypes:
    """cryptography's key loader, with its errors replaced by ones that quote nothing.

    The replacement is raised outside the handler, so the original error (whose text can embed
    parts of the input) is neither the cause nor the context of what the user sees.
    """
    try:
        return serialization.load_pem_private_key(
            block.encode("utf-8"), password.encode("utf-8") if password is not None else None
        )
    except ValueError:
        failure = (
            InvalidInput(password_field, "the password does not decrypt the private key")
            if password is not None
            else InvalidInput(
                field,
                "the private key block does not parse (truncated or edited?); paste the key "
                "file exactly as written",
            )
        )
    except TypeError:
        # Our encryption sniffing disagreed with the file's real state (an unusual header).
        failure = InvalidInput(
            password_field,
            "the private key's encryption does not match whether a password was given",
        )
    except UnsupportedAlgorithm:
        failure = InvalidInput(
            field,
            f"the private key uses an algorithm or encryption that cannot be read; "
            f"{SUPPORTED_KEYS}, in PKCS#8 or traditional PEM",
        )
    raise failure from None
