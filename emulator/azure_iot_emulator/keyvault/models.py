"""Key Vault keys: state and rules, no HTTP.

A vault is one seeded name; its keys live in the ``keyvault_keys`` table, one row per version,
with the private key as PKCS#8 PEM. Nothing here ever returns private key material: a key leaves
the backend as its public JWK, and signing happens here.
"""

from __future__ import annotations

import base64
import binascii
import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa, utils

from azure_iot_emulator.keyvault.exceptions import BadParameter, KeyNotFound, OperationNotAllowed
from azure_iot_emulator.store import Store
from azure_iot_emulator.wire import utcnow

PrivateKey = rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey
_Hash = type[hashes.SHA256] | type[hashes.SHA384] | type[hashes.SHA512]

# Key Vault's JWK curve names and the curves behind them [doc] JsonWebKeyCurveName.
CURVES: dict[str, ec.EllipticCurve] = {
    "P-256": ec.SECP256R1(),
    "P-384": ec.SECP384R1(),
    "P-521": ec.SECP521R1(),
}
_CURVE_NAMES = {curve.name: name for name, curve in CURVES.items()}
RSA_KEY_TYPES = ("RSA", "RSA-HSM")
EC_KEY_TYPES = ("EC", "EC-HSM")
ALL_KEY_OPS = ["encrypt", "decrypt", "sign", "verify", "wrapKey", "unwrapKey"]
_RSA_SIGN: dict[str, _Hash] = {
    "RS256": hashes.SHA256,
    "RS384": hashes.SHA384,
    "RS512": hashes.SHA512,
}
_PSS_SIGN: dict[str, _Hash] = {
    "PS256": hashes.SHA256,
    "PS384": hashes.SHA384,
    "PS512": hashes.SHA512,
}
# ES* names both the hash and the curve (RFC 7518 section 3.4) [doc] JsonWebKeySignatureAlgorithm.
_EC_SIGN: dict[str, tuple[_Hash, str]] = {
    "ES256": (hashes.SHA256, "P-256"),
    "ES384": (hashes.SHA384, "P-384"),
    "ES512": (hashes.SHA512, "P-521"),
}


def b64url_encode(data: bytes) -> str:
    """Unpadded base64url, as JWK fields and sign results are written."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(text: object, what: str) -> bytes:
    """Base64url with or without padding; BadParameter naming ``what`` otherwise."""
    if not isinstance(text, str):
        raise BadParameter(f"The parameter '{what}' must be a base64url string.")
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError):
        raise BadParameter(f"The parameter '{what}' is not valid base64url.") from None


def _uint(value: int, length: int | None = None) -> str:
    size = length if length is not None else max(1, (value.bit_length() + 7) // 8)
    return b64url_encode(value.to_bytes(size, "big"))


def _int(jwk: dict[str, Any], field: str) -> int:
    if field not in jwk:
        raise BadParameter(f"The key is missing the JWK parameter '{field}'.")
    return int.from_bytes(b64url_decode(jwk[field], f"key.{field}"), "big")


@dataclass(frozen=True)
class StoredKey:
    """One version of a key: its private half stays inside the backend's methods."""

    name: str
    version: str
    kty: str
    key_ops: list[str]
    enabled: bool
    created: int
    updated: int
    tags: dict[str, str]
    private_key: PrivateKey

    def public_jwk(self, kid: str) -> dict[str, Any]:
        """The public JWK, as GET key answers: never ``d``, ``p``, ``q``..."""
        jwk: dict[str, Any] = {"kid": kid, "kty": self.kty, "key_ops": list(self.key_ops)}
        public = self.private_key.public_key()
        if isinstance(public, rsa.RSAPublicKey):
            numbers = public.public_numbers()
            jwk.update(n=_uint(numbers.n), e=_uint(numbers.e))
        else:
            point = public.public_numbers()
            size = (public.curve.key_size + 7) // 8
            jwk.update(
                crv=_CURVE_NAMES[public.curve.name],
                x=_uint(point.x, size),
                y=_uint(point.y, size),
            )
        return jwk


def private_key_from_jwk(jwk: object) -> tuple[str, PrivateKey]:
    """The key type and private key of an import body's JWK (RSA or EC with ``d``)."""
    if not isinstance(jwk, dict):
        raise BadParameter("The parameter 'key' must be a JSON Web Key object.")
    kty = jwk.get("kty")
    if kty in RSA_KEY_TYPES:
        public = rsa.RSAPublicNumbers(_int(jwk, "e"), _int(jwk, "n"))
        private = rsa.RSAPrivateNumbers(
            p=_int(jwk, "p"),
            q=_int(jwk, "q"),
            d=_int(jwk, "d"),
            dmp1=_int(jwk, "dp"),
            dmq1=_int(jwk, "dq"),
            iqmp=_int(jwk, "qi"),
            public_numbers=public,
        )
        try:
            return str(kty), private.private_key()
        except ValueError:
            raise BadParameter("The RSA key parameters are inconsistent.") from None
    if kty in EC_KEY_TYPES:
        curve = CURVES.get(str(jwk.get("crv")))
        if curve is None:
            raise BadParameter(f"The curve '{jwk.get('crv')}' is not supported.")
        try:
            key = ec.derive_private_key(_int(jwk, "d"), curve)
        except ValueError:
            raise BadParameter("The EC private key is not valid for its curve.") from None
        point = key.public_key().public_numbers()
        if ("x" in jwk and _int(jwk, "x") != point.x) or ("y" in jwk and _int(jwk, "y") != point.y):
            raise BadParameter("The EC key's public point does not match its private key.")
        return str(kty), key
    raise BadParameter(f"The key type '{kty}' cannot be imported; use RSA, RSA-HSM, EC or EC-HSM.")


def generate_private_key(kty: str, key_size: int | None, curve: str | None) -> PrivateKey:
    """A new key for a create-key call (RSA 2048 by default, as the service defaults)."""
    if kty in RSA_KEY_TYPES:
        size = key_size or 2048
        if size not in (2048, 3072, 4096):
            raise BadParameter(f"The key size {size} is not supported; use 2048, 3072 or 4096.")
        return rsa.generate_private_key(public_exponent=65537, key_size=size)
    if kty in EC_KEY_TYPES:
        chosen = CURVES.get(curve or "P-256")
        if chosen is None:
            raise BadParameter(f"The curve '{curve}' is not supported.")
        return ec.generate_private_key(chosen)
    raise BadParameter(f"The key type '{kty}' is not supported; use RSA, RSA-HSM, EC or EC-HSM.")


def sign_digest(key: PrivateKey, algorithm: str, digest: bytes) -> bytes:
    """Key Vault's sign: a prehashed digest in, a JWS-form signature out (EC: raw r || s)."""
    if isinstance(key, rsa.RSAPrivateKey):
        if algorithm in _RSA_SIGN:
            chosen: hashes.HashAlgorithm = _RSA_SIGN[algorithm]()
            _check_digest(digest, chosen, algorithm)
            return key.sign(digest, padding.PKCS1v15(), utils.Prehashed(chosen))
        if algorithm in _PSS_SIGN:
            chosen = _PSS_SIGN[algorithm]()
            _check_digest(digest, chosen, algorithm)
            pss = padding.PSS(mgf=padding.MGF1(chosen), salt_length=chosen.digest_size)
            return key.sign(digest, pss, utils.Prehashed(chosen))
        raise BadParameter(f"The algorithm '{algorithm}' cannot be used with an RSA key.")
    if algorithm not in _EC_SIGN:
        raise BadParameter(f"The algorithm '{algorithm}' cannot be used with an EC key.")
    hash_type, curve_name = _EC_SIGN[algorithm]
    if _CURVE_NAMES[key.curve.name] != curve_name:
        raise BadParameter(
            f"The algorithm '{algorithm}' needs a {curve_name} key; this key is "
            f"{_CURVE_NAMES[key.curve.name]}."
        )
    chosen = hash_type()
    _check_digest(digest, chosen, algorithm)
    r, s = utils.decode_dss_signature(key.sign(digest, ec.ECDSA(utils.Prehashed(chosen))))
    size = (key.curve.key_size + 7) // 8
    return r.to_bytes(size, "big") + s.to_bytes(size, "big")


def _check_digest(digest: bytes, chosen: hashes.HashAlgorithm, algorithm: str) -> None:
    if len(digest) != chosen.digest_size:
        raise BadParameter(
            f"The digest is {len(digest)} bytes; '{algorithm}' signs a {chosen.digest_size}-byte "
            "digest."
        )


def _private_pem(key: PrivateKey) -> str:
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode("ascii")


class KeyVaultBackend:
    """The keys of one vault: import, create, get (latest or a version), sign."""

    def __init__(
        self,
        store: Store,
        vault_name: str,
        tenant_id: str,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self.store = store
        self.vault_name = vault_name
        self.tenant_id = tenant_id
        self.clock = clock

    def import_key(
        self,
        name: str,
        jwk: object,
        enabled: bool = True,
        tags: dict[str, str] | None = None,
    ) -> StoredKey:
        """A new version of ``name`` holding the private key of ``jwk``."""
        kty, key = private_key_from_jwk(jwk)
        assert isinstance(jwk, dict)  # private_key_from_jwk refused anything else
        ops = jwk.get("key_ops")
        key_ops = [str(op) for op in ops] if isinstance(ops, list) and ops else ALL_KEY_OPS
        return self._add_version(name, kty, key, key_ops, enabled, tags or {})

    def create_key(
        self,
        name: str,
        kty: str,
        key_size: int | None = None,
        curve: str | None = None,
        key_ops: list[str] | None = None,
        enabled: bool = True,
        tags: dict[str, str] | None = None,
    ) -> StoredKey:
        """A new version of ``name`` with a key generated here."""
        key = generate_private_key(kty, key_size, curve)
        return self._add_version(name, kty, key, key_ops or ALL_KEY_OPS, enabled, tags or {})

    def _add_version(
        self,
        name: str,
        kty: str,
        key: PrivateKey,
        key_ops: list[str],
        enabled: bool,
        tags: dict[str, str],
    ) -> StoredKey:
        stamp = int(self.clock().timestamp())
        version = uuid.uuid4().hex
        with self.store.write() as conn:
            # The latest version is the one with the highest sequence number, not the newest
            # timestamp: two imports within one second must still be ordered.
            conn.execute(
                "INSERT INTO keyvault_keys (vault, name, version, seq, kty, key_ops, enabled, "
                "created, updated, tags, private_key_pem) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    self.vault_name,
                    name,
                    version,
                    self.store.next_rowversion(conn),
                    kty,
                    json.dumps(key_ops),
                    int(enabled),
                    stamp,
                    stamp,
                    json.dumps(tags),
                    _private_pem(key),
                ),
            )
        return StoredKey(name, version, kty, key_ops, enabled, stamp, stamp, tags, key)

    def get_key(self, name: str, version: str | None) -> StoredKey:
        """The given version of ``name``, or its latest; KeyNotFound otherwise."""
        with self.store.read() as conn:
            if version:
                row = conn.execute(
                    "SELECT * FROM keyvault_keys WHERE vault = ? AND name = ? AND version = ?",
                    (self.vault_name, name, version),
                ).fetchone()
            else:
                row = conn.execute(
                    "SELECT * FROM keyvault_keys WHERE vault = ? AND name = ? "
                    "ORDER BY seq DESC LIMIT 1",
                    (self.vault_name, name),
                ).fetchone()
        if row is None:
            raise KeyNotFound(name, version)
        loaded = serialization.load_pem_private_key(row["private_key_pem"].encode(), None)
        assert isinstance(loaded, rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey)
        return StoredKey(
            row["name"],
            row["version"],
            row["kty"],
            json.loads(row["key_ops"]),
            bool(row["enabled"]),
            row["created"],
            row["updated"],
            json.loads(row["tags"]),
            loaded,
        )

    def sign(
        self, name: str, version: str | None, algorithm: str, digest: bytes
    ) -> tuple[str, bytes]:
        """Sign ``digest`` with the key: (the version used, the signature)."""
        stored = self.get_key(name, version)
        if "sign" not in stored.key_ops:
            raise OperationNotAllowed("sign")
        if not stored.enabled:
            raise OperationNotAllowed("sign (the key is disabled)")
        return stored.version, sign_digest(stored.private_key, algorithm, digest)
