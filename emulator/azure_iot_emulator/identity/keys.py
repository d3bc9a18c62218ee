"""The RS256 keys the emulator signs with, kept in the state dir so tokens survive a restart.

Two keys, two files: Entra's access-token key (``identity/signing-key.pem``) and the key of the
emulated GitHub Actions OIDC issuer (``identity/github-oidc-key.pem``). Separate keys, because an
access token must never verify as a federated assertion, nor the other way round.
"""

from __future__ import annotations

import base64
import hashlib
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa


def _b64url_uint(value: int) -> str:
    raw = value.to_bytes((value.bit_length() + 7) // 8, "big")
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


@dataclass(frozen=True)
class SigningKey:
    """The private key, its key id (``kid``) and its public half as a JWK."""

    private_key: rsa.RSAPrivateKey
    kid: str

    @property
    def public_key(self) -> rsa.RSAPublicKey:
        """The verification key."""
        return self.private_key.public_key()

    def jwks(self) -> dict[str, Any]:
        """The JWKS document with this key, served at its issuer's ``jwks_uri``."""
        numbers = self.public_key.public_numbers()
        return {
            "keys": [
                {
                    "kty": "RSA",
                    "use": "sig",
                    "alg": "RS256",
                    "kid": self.kid,
                    "n": _b64url_uint(numbers.n),
                    "e": _b64url_uint(numbers.e),
                }
            ]
        }


def load_or_create_signing_key(state_dir: Path) -> SigningKey:
    """Reuse ``<state-dir>/identity/signing-key.pem`` or create it (mode 0600)."""
    return _load_or_create(state_dir / "identity" / "signing-key.pem")


def load_or_create_oidc_issuer_key(state_dir: Path) -> SigningKey:
    """Reuse ``<state-dir>/identity/github-oidc-key.pem`` or create it (mode 0600)."""
    return _load_or_create(state_dir / "identity" / "github-oidc-key.pem")


def key_id(public_key: rsa.RSAPublicKey) -> str:
    """A stable ``kid``: a digest of the public key, so a key keeps its id across restarts."""
    public_der = public_key.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return base64.urlsafe_b64encode(hashlib.sha256(public_der).digest()[:15]).decode("ascii")


def _load_or_create(path: Path) -> SigningKey:
    path.parent.mkdir(parents=True, exist_ok=True)
    key: rsa.RSAPrivateKey
    if path.exists():
        loaded = serialization.load_pem_private_key(path.read_bytes(), password=None)
        if not isinstance(loaded, rsa.RSAPrivateKey):
            raise ValueError(f"{path} is not an RSA private key")
        key = loaded
    else:
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        pem = key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        tmp = path.with_suffix(".tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(pem)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    return SigningKey(private_key=key, kid=key_id(key.public_key()))
