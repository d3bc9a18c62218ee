"""KeyVaultSigner against the emulator's Key Vault, through azure-keyvault-keys unchanged."""

from __future__ import annotations

import pickle

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import NameOID

from azure_iot_emulator.testing import (
    AdminClient,
    EmulatorInfo,
    management_credential,
)
from pop_provider.core import proof
from pop_provider.core.errors import InvalidInput
from pop_provider.core.keyvault_signer import KEY_NAME, VAULT_URL, KeyVaultSigner
from tests.keyvault import import_key, vault_kwargs
from tests.pki import KeyType, generate_key, make_ca
from tests.sockets import refusing_port

CODE = "3F2A9C0D1E4B5A6978877665544332211000FFEEDDCCBBAA"


@pytest.fixture(scope="module")
def vault(module_emulator: EmulatorInfo) -> EmulatorInfo:
    """The module's emulator: its default seed has a vault with no keys."""
    return module_emulator


def signer(info: EmulatorInfo, name: str, version: str | None = None) -> KeyVaultSigner:
    return KeyVaultSigner(
        info.base_url, name, version, management_credential(info), **vault_kwargs(info)
    )


@pytest.mark.parametrize(
    ("key_type", "hash_name"),
    [
        (KeyType.RSA_2048, "sha256"),
        (KeyType.EC_P256, "sha256"),
        (KeyType.EC_P384, "sha384"),
        (KeyType.EC_P521, "sha512"),
    ],
)
def test_proof_signed_in_the_vault_verifies_against_the_ca(
    vault: EmulatorInfo, key_type: KeyType, hash_name: str
) -> None:
    ca = make_ca(f"Vault CA {key_type.value}", key_type=key_type)
    name = f"ca-{key_type.name.lower().replace('_', '-')}"
    import_key(vault, name, ca.key)
    kv = signer(vault, name)

    certificate = proof.build_proof_certificate(ca.certificate, kv, CODE)

    certificate.verify_directly_issued_by(ca.certificate)
    cn = certificate.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
    assert [attribute.value for attribute in cn] == [CODE]
    assert certificate.signature_hash_algorithm is not None
    assert certificate.signature_hash_algorithm.name == hash_name
    assert kv.hash_algorithm().name == hash_name


def test_public_key_is_read_once_and_signing_uses_that_version(vault: EmulatorInfo) -> None:
    ca = make_ca("Rotating CA", key_type=KeyType.EC_P256)
    first = import_key(vault, "rotating", ca.key)
    kv = signer(vault, "rotating", first.properties.version)
    admin = AdminClient(vault)
    admin.clear_requests()
    assert isinstance(kv.public_key(), ec.EllipticCurvePublicKey)
    import_key(vault, "rotating", generate_key(KeyType.EC_P256))  # a newer version appears

    proof.build_proof_certificate(ca.certificate, kv, CODE).verify_directly_issued_by(
        ca.certificate
    )
    operations = [e["operation"] for e in admin.requests() if e["status"] == 200]
    assert operations.count("KeyVault_GetKey") == 1
    assert operations.count("KeyVault_Sign") == 1
    signs = [e["path"] for e in admin.requests() if e["operation"] == "KeyVault_Sign"]
    assert all(f"/keys/rotating/{first.properties.version}/sign" in p for p in signs)


def test_unversioned_signer_uses_the_latest_version(vault: EmulatorInfo) -> None:
    old, new = make_ca("Old CA", key_type=KeyType.RSA_2048), make_ca("New CA")
    import_key(vault, "latest", old.key)
    import_key(vault, "latest", new.key)
    kv = signer(vault, "latest")
    proof.build_proof_certificate(new.certificate, kv, CODE).verify_directly_issued_by(
        new.certificate
    )
    with pytest.raises(ValueError, match="not the CA certificate's key"):
        proof.build_proof_certificate(old.certificate, kv, CODE)


def test_missing_key_is_invalid_input_naming_the_vault(vault: EmulatorInfo) -> None:
    kv = signer(vault, "no-such-key")
    with pytest.raises(InvalidInput) as error:
        kv.public_key()
    assert error.value.field == KEY_NAME
    assert "'no-such-key'" in str(error.value)
    assert vault.base_url in str(error.value)


def test_missing_version_is_invalid_input(vault: EmulatorInfo) -> None:
    import_key(vault, "versioned", generate_key(KeyType.EC_P256))
    with pytest.raises(InvalidInput, match="version '0123456789abcdef0123456789abcdef'"):
        signer(vault, "versioned", "0123456789abcdef0123456789abcdef").public_key()


def test_challenge_resource_check_stays_on_by_default(vault: EmulatorInfo) -> None:
    checked = KeyVaultSigner(
        vault.base_url,
        "anything",
        None,
        management_credential(vault),
        connection_verify=vault.ca_bundle,
        # Without this kwarg the SDK refuses the 127.0.0.1 challenge itself: the check is on.
    )
    with pytest.raises(ValueError, match="verify_challenge_resource"):
        checked.public_key()


def test_unreachable_vault_names_the_url(vault: EmulatorInfo) -> None:
    with refusing_port() as port:
        url = f"https://127.0.0.1:{port}"
        kv = KeyVaultSigner(
            url, "k", None, management_credential(vault), retry_total=0, **vault_kwargs(vault)
        )
        with pytest.raises(RuntimeError, match=f"Key Vault {url} is unreachable") as error:
            kv.public_key()
    assert "Bearer" not in str(error.value)


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("", "is empty"),
        ("http://kv.vault.azure.net", "not an https URL"),
        ("https://kv.vault.azure.net/keys", "has a path"),
        ("https://user:pw@kv.vault.azure.net", "credentials"),
    ],
)
def test_malformed_vault_url_is_invalid_input(vault: EmulatorInfo, url: str, reason: str) -> None:
    with pytest.raises(InvalidInput, match=reason) as error:
        KeyVaultSigner(url, "k", None, management_credential(vault))
    assert error.value.field == VAULT_URL


def test_malformed_key_name_is_invalid_input(vault: EmulatorInfo) -> None:
    with pytest.raises(InvalidInput) as error:
        KeyVaultSigner(vault.base_url, "bad/name", None, management_credential(vault))
    assert error.value.field == KEY_NAME


def test_refuses_pickling_and_repr_shows_no_credential(vault: EmulatorInfo) -> None:
    kv = signer(vault, "some-key")
    with pytest.raises(TypeError, match="must not be serialized"):
        pickle.dumps(kv)
    assert "secret" not in repr(kv)
    assert "some-key" in repr(kv)


def test_rsa_signer_reports_sha256(vault: EmulatorInfo) -> None:
    key = generate_key(KeyType.RSA_2048)
    assert isinstance(key, rsa.RSAPrivateKey)
    import_key(vault, "rsa-hash", key)
    assert isinstance(signer(vault, "rsa-hash").hash_algorithm(), hashes.SHA256)
