"""The emulator's Key Vault keys data plane: the wire, checked with azure-keyvault-keys unchanged,
and the backend without HTTP."""

from __future__ import annotations

import base64
import http.client
import json
import ssl
from pathlib import Path
from urllib.parse import urlparse

import pytest
from azure.core.exceptions import ResourceNotFoundError
from azure.keyvault.keys import KeyType as VaultKeyType
from azure.keyvault.keys.crypto import CryptographyClient, SignatureAlgorithm
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa, utils

from azure_iot_emulator.keyvault.exceptions import BadParameter, KeyNotFound
from azure_iot_emulator.keyvault.models import KeyVaultBackend
from azure_iot_emulator.store import Store
from azure_iot_emulator.testing import (
    AdminClient,
    EmulatorInfo,
    management_credential,
)
from tests.keyvault import import_key, vault_client, vault_kwargs
from tests.pki import KeyType, generate_key


@pytest.fixture(scope="module")
def vault(module_emulator: EmulatorInfo) -> EmulatorInfo:
    return module_emulator


def raw(info: EmulatorInfo, method: str, path: str, token: str | None = None, body: object = None):
    url = urlparse(info.base_url)
    connection = http.client.HTTPSConnection(
        url.hostname or "", url.port, context=ssl.create_default_context(cafile=info.ca_bundle)
    )
    headers = {"content-type": "application/json"}
    if token:
        headers["authorization"] = f"Bearer {token}"
    payload = None if body is None else json.dumps(body).encode()
    try:
        connection.request(method, path, body=payload, headers=headers)
        response = connection.getresponse()
        return response.status, dict(response.getheaders()), json.loads(response.read() or b"null")
    finally:
        connection.close()


def vault_token(info: EmulatorInfo) -> str:
    return management_credential(info).get_token("https://vault.azure.net/.default").token


def test_unauthenticated_request_gets_the_challenge(vault: EmulatorInfo) -> None:
    status, headers, body = raw(vault, "GET", "/keys/any?api-version=7.5")
    assert status == 401
    tenant = vault.credentials[0]["tenant_id"]
    challenge = {k.lower(): v for k, v in headers.items()}["www-authenticate"]
    assert challenge == (
        f'Bearer authorization="{vault.base_url}/{tenant}", resource="https://vault.azure.net"'
    )
    assert body["error"]["code"] == "Unauthorized"


def test_arm_token_is_refused_by_the_vault(vault: EmulatorInfo) -> None:
    arm = management_credential(vault).get_token("https://management.azure.com/.default").token
    status, _, body = raw(vault, "GET", "/keys/any?api-version=7.5", arm)
    assert status == 401
    assert "AKV10022" in body["error"]["message"]


def test_missing_key_has_key_vault_error_body(vault: EmulatorInfo) -> None:
    status, _, body = raw(vault, "GET", "/keys/nope?api-version=7.6", vault_token(vault))
    assert status == 404
    assert body["error"]["code"] == "KeyNotFound"
    with pytest.raises(ResourceNotFoundError):
        vault_client(vault).get_key("nope")


@pytest.mark.parametrize("version", ["7.4", "7.5", "7.6", "2025-07-01"])
def test_api_versions_accepted(vault: EmulatorInfo, version: str) -> None:
    import_key(vault, "versions", generate_key(KeyType.EC_P256))
    status, _, _ = raw(vault, "GET", f"/keys/versions?api-version={version}", vault_token(vault))
    assert status == 200


def test_unknown_or_missing_api_version_is_bad_parameter(vault: EmulatorInfo) -> None:
    token = vault_token(vault)
    for query in ("?api-version=1.0", ""):
        status, _, body = raw(vault, "GET", f"/keys/x{query}", token)
        assert (status, body["error"]["code"]) == (400, "BadParameter")


def test_get_key_never_returns_private_parts(vault: EmulatorInfo) -> None:
    import_key(vault, "private-rsa", generate_key(KeyType.RSA_2048))
    status, _, body = raw(vault, "GET", "/keys/private-rsa?api-version=7.5", vault_token(vault))
    assert status == 200
    assert set(body["key"]) == {"kid", "kty", "key_ops", "n", "e"}
    assert body["key"]["kid"].startswith(f"{vault.base_url}/keys/private-rsa/")


def test_create_and_sign_ec_with_microsofts_client(vault: EmulatorInfo) -> None:
    client = vault_client(vault)
    created = client.create_ec_key("made-here", curve="P-384")
    assert created.key_type == VaultKeyType.ec
    crypto = CryptographyClient(created, management_credential(vault), **vault_kwargs(vault))
    digest = hashes.Hash(hashes.SHA384())
    digest.update(b"proof")
    value = digest.finalize()
    result = crypto.sign(SignatureAlgorithm.es384, value)
    assert len(result.signature) == 96  # raw r || s
    r, s = (
        int.from_bytes(result.signature[:48], "big"),
        int.from_bytes(result.signature[48:], "big"),
    )
    public = client.get_key("made-here").key
    key = ec.EllipticCurvePublicNumbers(
        int.from_bytes(getattr(public, "x"), "big"),  # noqa: B009 - JsonWebKey sets it by name
        int.from_bytes(getattr(public, "y"), "big"),  # noqa: B009
        ec.SECP384R1(),
    ).public_key()
    key.verify(utils.encode_dss_signature(r, s), value, ec.ECDSA(utils.Prehashed(hashes.SHA384())))


def test_request_log_names_key_vault_operations(vault: EmulatorInfo) -> None:
    admin = AdminClient(vault)
    admin.clear_requests()
    key = import_key(vault, "logged", generate_key(KeyType.RSA_2048))
    crypto = CryptographyClient(key, management_credential(vault), **vault_kwargs(vault))
    crypto.sign(SignatureAlgorithm.rs256, b"\0" * 32)
    operations = {e["operation"] for e in admin.requests()}
    assert {"KeyVault_ImportKey", "KeyVault_Sign"} <= operations


def test_backend_signs_and_checks_without_http(tmp_path: Path) -> None:
    store = Store(tmp_path / "state.sqlite3")
    backend = KeyVaultBackend(store, "kv", "tenant")
    stored = backend.create_key("k", "RSA")
    version, signature = backend.sign("k", None, "RS256", b"\1" * 32)
    assert version == stored.version
    rsa_key = stored.private_key
    assert isinstance(rsa_key, rsa.RSAPrivateKey)
    rsa_key.public_key().verify(
        signature, b"\1" * 32, padding.PKCS1v15(), utils.Prehashed(hashes.SHA256())
    )
    with pytest.raises(BadParameter, match="32-byte digest"):
        backend.sign("k", None, "RS256", b"short")
    with pytest.raises(BadParameter, match="cannot be used with an RSA key"):
        backend.sign("k", None, "ES256", b"\1" * 32)
    with pytest.raises(KeyNotFound):
        backend.get_key("k", "0" * 32)
    with pytest.raises(BadParameter):
        backend.import_key("oct", {"kty": "oct", "k": base64.urlsafe_b64encode(b"k").decode()})
    store.close()
