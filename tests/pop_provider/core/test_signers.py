"""Loading the CA private key, and keeping it out of every message, repr and pickle."""

from __future__ import annotations

import copy
import logging
import pickle
import traceback
from collections.abc import Callable
from dataclasses import dataclass

import dill
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization

from pop_provider.core.errors import InvalidInput
from pop_provider.core.signers import LocalKeySigner, ProofSigner, key_description
from tests.pki import (
    SUPPORTED_KEY_TYPES,
    CertifiedKey,
    KeyFormat,
    KeyPool,
    KeyType,
    key_pem,
    make_ca,
)

PASSWORD = "Tr0ub4dor&3-not-in-any-message"


@pytest.fixture
def ca(key_pool: KeyPool) -> CertifiedKey:
    return make_ca("Signer Root", key=key_pool.get(KeyType.RSA_2048))


# -- loading ------------------------------------------------------------------------------------


@pytest.mark.parametrize("key_type", SUPPORTED_KEY_TYPES, ids=lambda k: k.name)
def test_supported_key_types_load(key_pool: KeyPool, key_type: KeyType) -> None:
    key = key_pool.get(key_type)
    signer = LocalKeySigner.from_pem(key_pem(key), None)
    assert signer.public_key() == key.public_key()
    assert isinstance(signer, ProofSigner)


# RSA 4096 is left out here: loading validates the key, which takes a third of a second.
@pytest.mark.parametrize("key_type", [KeyType.RSA_2048, KeyType.EC_P256], ids=lambda k: k.name)
@pytest.mark.parametrize("key_format", list(KeyFormat), ids=lambda f: f.name)
@pytest.mark.parametrize("password", [None, PASSWORD], ids=["plain", "encrypted"])
def test_every_pem_flavour_loads(
    key_pool: KeyPool, key_type: KeyType, key_format: KeyFormat, password: str | None
) -> None:
    key = key_pool.get(key_type)
    signer = LocalKeySigner.from_pem(key_pem(key, key_format, password), password)
    assert signer.public_key() == key.public_key()


def test_text_around_the_key_is_ignored(ca: CertifiedKey) -> None:
    # OpenSSL's pkcs12 export prefixes "Bag Attributes"; some users keep cert and key together.
    text = f"Bag Attributes\r\n    localKeyID: 01\r\n{ca.private_key_pem}{ca.certificate_pem}"
    assert LocalKeySigner.from_pem(text.replace("\n", "\r\n"), None).matches(ca.certificate)


def test_an_empty_password_counts_as_none(ca: CertifiedKey) -> None:
    assert LocalKeySigner.from_pem(ca.private_key_pem, "").matches(ca.certificate)


@pytest.mark.parametrize(
    ("key_type", "expected"),
    [
        (KeyType.RSA_2048, hashes.SHA256),
        (KeyType.RSA_4096, hashes.SHA256),
        (KeyType.EC_P256, hashes.SHA256),
        (KeyType.EC_P384, hashes.SHA384),
        (KeyType.EC_P521, hashes.SHA512),
    ],
)
def test_the_hash_matches_the_key(key_pool: KeyPool, key_type: KeyType, expected: type) -> None:
    signer = LocalKeySigner(key_pool.get(key_type))
    assert isinstance(signer.hash_algorithm(), expected)


def test_matches_only_the_certificate_of_its_own_key(key_pool: KeyPool, ca: CertifiedKey) -> None:
    signer = LocalKeySigner.from_pem(ca.private_key_pem, None)
    impostor = make_ca("Signer Root", key=key_pool.get(KeyType.RSA_2048, n=1))
    assert signer.matches(ca.certificate)
    assert not signer.matches(impostor.certificate)
    assert not signer.matches(make_ca(key=key_pool.get(KeyType.EC_P256)).certificate)


def test_sign_uses_the_ca_key_and_its_hash(key_pool: KeyPool) -> None:
    ca = make_ca(key=key_pool.get(KeyType.EC_P384))
    signer = LocalKeySigner(ca.key)
    cert = signer.sign(_builder_under(ca.certificate, key_pool))
    cert.verify_directly_issued_by(ca.certificate)
    assert isinstance(cert.signature_hash_algorithm, hashes.SHA384)


def _builder_under(issuer: x509.Certificate, key_pool: KeyPool) -> x509.CertificateBuilder:
    import datetime as dt

    now = dt.datetime.now(dt.UTC)
    return (
        x509.CertificateBuilder()
        .subject_name(x509.Name.from_rfc4514_string("CN=child"))
        .issuer_name(issuer.subject)
        .public_key(key_pool.get(KeyType.EC_P256, n=2).public_key())
        .serial_number(1)
        .not_valid_before(now)
        .not_valid_after(now + dt.timedelta(hours=1))
    )


def test_key_description(key_pool: KeyPool) -> None:
    assert key_description(key_pool.get(KeyType.EC_P521)) == "EC P-521"
    assert key_description(key_pool.get(KeyType.RSA_2048).public_key()) == "RSA 2048"


# -- refusals: right field, actionable reason, no secret ------------------------------------------


@dataclass(frozen=True)
class Refusal:
    """An input that must be refused: what is given, and which field and words must come back."""

    key_pem: str
    password: str | None
    field: str
    says: str


KEY, PASSWORD_FIELD = "private_key_pem", "private_key_password"


class Pasted:
    """The texts the refusals are cut from: one RSA key in every form a user could paste, and
    the pool's keys of other types."""

    def __init__(self, pool: KeyPool) -> None:
        self.pool = pool
        rsa = pool.get(KeyType.RSA_2048)
        self.certificate = make_ca("Pasted", key=rsa).certificate_pem
        self.pkcs8 = key_pem(rsa)
        self.traditional = key_pem(rsa, KeyFormat.TRADITIONAL)
        self.locked = key_pem(rsa, KeyFormat.PKCS8, PASSWORD)
        self.locked_traditional = key_pem(rsa, KeyFormat.TRADITIONAL, PASSWORD)
        self.public = (
            rsa.public_key()
            .public_bytes(
                serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
            )
            .decode()
        )
        self.openssh = (
            pool.get(KeyType.ED25519)
            .private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.OpenSSH,
                serialization.NoEncryption(),
            )
            .decode()
        )

    @property
    def lines(self) -> list[str]:
        """The PKCS#8 key's lines, BEGIN and END included."""
        return self.pkcs8.splitlines()

    def corrupted(self) -> str:
        """The PKCS#8 key with its first line of base64 reversed."""
        body = self.lines
        return "\n".join([body[0], body[1][::-1], *body[2:]])

    def other(self, key_type: KeyType, password: str | None = None) -> str:
        """The pool's key of `key_type`, as PKCS#8."""
        return key_pem(self.pool.get(key_type), password=password)


# Each input that must be refused, by name: the parametrization below is made from this one
# table, so a case written here is a case tested.
REFUSALS: dict[str, Callable[[Pasted], Refusal]] = {
    "empty": lambda _: Refusal("", None, KEY, "is empty"),
    "blank": lambda _: Refusal(" \r\n ", None, KEY, "is empty"),
    "certificate": lambda p: Refusal(p.certificate, None, KEY, "looks like a certificate"),
    "public-key": lambda p: Refusal(p.public, None, KEY, "public key"),
    "not-pem": lambda p: Refusal(p.lines[1], None, KEY, "is not a PEM private key"),
    "truncated": lambda p: Refusal("\n".join(p.lines[:-3]), None, KEY, "without its matching END"),
    "corrupted": lambda p: Refusal(p.corrupted(), None, KEY, "does not parse"),
    "two-keys": lambda p: Refusal(p.pkcs8 + p.traditional, None, KEY, "contains 2 private keys"),
    "openssh": lambda p: Refusal(p.openssh, None, KEY, "convert it to PKCS#8"),
    "encrypted-no-password": lambda p: Refusal(p.locked, None, PASSWORD_FIELD, "is encrypted"),
    "encrypted-traditional-no-password": lambda p: Refusal(
        p.locked_traditional, None, PASSWORD_FIELD, "is encrypted"
    ),
    "wrong-password": lambda p: Refusal(
        p.locked,
        PASSWORD[::-1],
        PASSWORD_FIELD,
        "the password does not decrypt the private key",
    ),
    "wrong-password-traditional": lambda p: Refusal(
        p.locked_traditional, PASSWORD + "x", PASSWORD_FIELD, "does not decrypt"
    ),
    "password-for-plain-key": lambda p: Refusal(
        p.pkcs8, PASSWORD, PASSWORD_FIELD, "no password is needed"
    ),
    "ed25519": lambda p: Refusal(p.other(KeyType.ED25519), None, KEY, "Ed25519"),
    "ed448": lambda p: Refusal(p.other(KeyType.ED448), None, KEY, "Ed448"),
    "dsa": lambda p: Refusal(p.other(KeyType.DSA_1024), None, KEY, "DSA 1024"),
    "secp256k1": lambda p: Refusal(
        p.other(KeyType.EC_SECP256K1, PASSWORD), PASSWORD, KEY, "EC secp256k1"
    ),
}


@pytest.mark.parametrize("name", list(REFUSALS))
def test_refusals_name_the_field_and_quote_no_secret(
    key_pool: KeyPool, name: str, caplog: pytest.LogCaptureFixture
) -> None:
    case = REFUSALS[name](Pasted(key_pool))
    caplog.set_level(logging.DEBUG)

    with pytest.raises(InvalidInput) as caught:
        LocalKeySigner.from_pem(case.key_pem, case.password)

    error = caught.value
    assert error.field == case.field
    assert case.says in error.reason
    # Everything a user, a log or Pulumi's diagnostics could show of the error:
    shown = "\n".join(
        [
            str(error),
            repr(error),
            repr(error.args),
            "".join(traceback.format_exception(error)),
            caplog.text,
        ]
    )
    assert PASSWORD not in shown and PASSWORD[::-1] not in shown
    for line in case.key_pem.splitlines():
        assert line.strip() == "" or line.strip() not in shown
    # Nothing of cryptography's error (which can embed input) rides along.
    assert error.__cause__ is None and error.__context__ is None


def test_field_names_follow_the_caller(ca: CertifiedKey) -> None:
    locked = ca.encrypted_private_key_pem(PASSWORD)
    with pytest.raises(InvalidInput) as caught:
        LocalKeySigner.from_pem("", None, field="ca_key")
    assert caught.value.field == "ca_key"
    with pytest.raises(InvalidInput) as caught:
        LocalKeySigner.from_pem(locked, None, field="ca_key", password_field="ca_key_password")
    assert caught.value.field == "ca_key_password"


def test_an_unsupported_key_object_is_refused_directly(key_pool: KeyPool) -> None:
    with pytest.raises(InvalidInput, match="Ed25519"):
        LocalKeySigner(key_pool.get(KeyType.ED25519))


# -- the key never leaves the object ------------------------------------------------------------


@pytest.mark.parametrize(
    ("key_type", "shown"),
    [
        (KeyType.EC_P256, "LocalKeySigner(<EC P-256 key>)"),
        (KeyType.RSA_4096, "LocalKeySigner(<RSA 4096 key>)"),
    ],
)
def test_repr_names_the_key_type_only(key_pool: KeyPool, key_type: KeyType, shown: str) -> None:
    signer = LocalKeySigner(key_pool.get(key_type))
    assert repr(signer) == str(signer) == f"{signer}" == shown


@pytest.mark.parametrize(
    "serialize",
    [
        pytest.param(pickle.dumps, id="pickle"),
        pytest.param(lambda obj: pickle.dumps(obj, protocol=0), id="pickle-protocol-0"),
        pytest.param(dill.dumps, id="dill-as-pulumi-uses"),
        pytest.param(lambda obj: pickle.dumps({"provider": [obj]}), id="nested"),
        pytest.param(copy.deepcopy, id="deepcopy"),
    ],
)
def test_pickling_is_refused(ca: CertifiedKey, serialize) -> None:
    signer = LocalKeySigner.from_pem(ca.private_key_pem, None)
    with pytest.raises(TypeError, match="must not be serialized"):
        serialize(signer)


def test_getstate_is_refused_too(ca: CertifiedKey) -> None:
    with pytest.raises(TypeError, match="must not be serialized"):
        LocalKeySigner.from_pem(ca.private_key_pem, None).__getstate__()
