"""Helpers for tests that use the emulator's Key Vault through azure-keyvault-keys, unchanged.

Only constructor kwargs differ from a real vault: the emulator's CA bundle, and
``verify_challenge_resource=False`` because the vault answers on 127.0.0.1, not on a
``*.vault.azure.net`` host (see emulator/README.md, "Key Vault").
"""

from __future__ import annotations

from typing import Any

from azure.keyvault.keys import JsonWebKey, KeyClient, KeyVaultKey
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from azure_iot_emulator.testing import EmulatorInfo, management_credential
from tests.pki import PrivateKey

_CURVES = {"secp256r1": "P-256", "secp384r1": "P-384", "secp521r1": "P-521"}


def vault_kwargs(info: EmulatorInfo) -> dict[str, Any]:
    """KeyClient / KeyVaultSigner kwargs for the emulator's vault."""
    return {"connection_verify": info.ca_bundle, "verify_challenge_resource": False}


def vault_client(info: EmulatorInfo, principal: int = 0) -> KeyClient:
    """A KeyClient on the emulator's vault (its URL is the emulator's origin)."""
    return KeyClient(info.base_url, management_credential(info, principal), **vault_kwargs(info))


def _b(value: int, length: int | None = None) -> bytes:
    return value.to_bytes(length or max(1, (value.bit_length() + 7) // 8), "big")


def jwk_of(key: rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey) -> JsonWebKey:
    """The private JWK import_key takes."""
    if isinstance(key, rsa.RSAPrivateKey):
        numbers = key.private_numbers()
        public = numbers.public_numbers
        return JsonWebKey(
            kty="RSA",
            n=_b(public.n),
            e=_b(public.e),
            d=_b(numbers.d),
            p=_b(numbers.p),
            q=_b(numbers.q),
            dp=_b(numbers.dmp1),
            dq=_b(numbers.dmq1),
            qi=_b(numbers.iqmp),
        )
    size = (key.curve.key_size + 7) // 8
    private = key.private_numbers()
    return JsonWebKey(
        kty="EC",
        crv=_CURVES[key.curve.name],
        x=_b(private.public_numbers.x, size),
        y=_b(private.public_numbers.y, size),
        d=_b(private.private_value, size),
    )


def import_key(info: EmulatorInfo, name: str, key: PrivateKey) -> KeyVaultKey:
    """Import ``key`` (RSA or EC) into the emulator's vault as a new version of ``name``."""
    if not isinstance(key, rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey):
        raise TypeError(f"Key Vault holds RSA and EC keys, not {type(key).__name__}")
    return vault_client(info).import_key(name, jwk_of(key))
