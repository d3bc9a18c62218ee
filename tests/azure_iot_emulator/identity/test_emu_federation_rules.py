"""Workload identity federation without HTTP: the seed schema, Entra's order of checks, the
issuer key in the state dir."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

from azure_iot_emulator.github_oidc.models import GITHUB_ISSUER, GithubActionsIssuer
from azure_iot_emulator.identity.exceptions import (
    AssertionOutsideValidity,
    AssertionSignatureInvalid,
    InvalidClientAssertionType,
    InvalidClientSecret,
    MalformedClientAssertion,
    MissingClientSecret,
    NoMatchingAudience,
    NoMatchingIssuer,
    NoMatchingSubject,
    SubjectCaseMismatch,
)
from azure_iot_emulator.identity.federation import TOKEN_EXCHANGE_AUDIENCE
from azure_iot_emulator.identity.keys import (
    load_or_create_oidc_issuer_key,
    load_or_create_signing_key,
)
from azure_iot_emulator.identity.models import IdentityBackend
from azure_iot_emulator.seed import (
    FEDERATED_CLIENT_ID,
    SeedError,
    apply_seed,
    default_seed,
    federated_sign_in,
    parse_seed,
)
from azure_iot_emulator.store import Store
from azure_iot_emulator.testing import EmulatorInfo
from azure_iot_emulator.wire import utcnow

JWT_BEARER = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
SCOPE = "https://management.azure.com/.default"
SUBJECT = "repo:contoso/fleet:environment:production"
OTHER_ISSUER = "https://issuer.example/tenant-a"


@pytest.fixture(scope="module")
def other_key() -> rsa.RSAPrivateKey:
    """The key of a seeded external issuer (the emulator never holds its private half)."""
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def minimal(**extra: Any) -> dict[str, Any]:
    """A valid seed with one tenant and subscription, plus ``extra`` top-level keys."""
    return {
        "tenants": [{"tenant_id": "t"}],
        "subscriptions": [{"subscription_id": "s", "tenant_id": "t"}],
        **extra,
    }


def principal(**fields: Any) -> dict[str, Any]:
    return {"tenant_id": "t", "client_id": "app", **fields}


GITHUB_CREDENTIAL = {"issuer": GITHUB_ISSUER, "subject": SUBJECT}


@pytest.mark.parametrize(
    ("document", "message"),
    [
        (minimal(service_principals=[principal()]), "needs a 'client_secret'"),
        (
            minimal(
                service_principals=[
                    principal(federated_credentials=[{**GITHUB_CREDENTIAL, "audiences": []}])
                ]
            ),
            "'audiences' must be a non-empty list",
        ),
        (
            minimal(
                service_principals=[
                    principal(federated_credentials=[GITHUB_CREDENTIAL, GITHUB_CREDENTIAL])
                ]
            ),
            "repeat an earlier credential",
        ),
        (
            minimal(service_principals=[principal(federated_credentials=[{"issuer": "x"}])]),
            "'subject' must be a non-empty string",
        ),
        (minimal(oidc_issuers=[{"issuer": OTHER_ISSUER}]), "'jwks' must be an object"),
        (
            minimal(oidc_issuers=[{"issuer": OTHER_ISSUER, "jwks": {"keys": [{"kty": "EC"}]}}]),
            "must be an RSA JWK",
        ),
        (
            minimal(oidc_issuers=[{"issuer": GITHUB_ISSUER, "jwks": {"keys": []}}]),
            "is built in",
        ),
        (minimal(github_actions={"request_token": ""}), "'request_token' must be a non-empty"),
    ],
)
def test_invalid_federation_seeds_name_the_field(document: dict[str, Any], message: str) -> None:
    with pytest.raises(SeedError, match=message):
        parse_seed(document)


def test_default_seed_keeps_three_secret_principals_and_adds_the_federated_one() -> None:
    seed = default_seed()
    assert [p.display_name for p in seed.principals] == [
        "sp-contributor",
        "sp-other-rg",
        "sp-reader",
        "federated-pipeline",
    ]
    federated = seed.principals[3]
    assert federated.client_id == FEDERATED_CLIENT_ID
    assert federated.client_secret is None
    assert federated.role_assignments == [
        ("Contributor", f"/subscriptions/{seed.subscriptions[0].subscription_id}")
    ]
    [credential] = federated.federated_credentials
    assert (credential.issuer, credential.subject, credential.audiences) == (
        GITHUB_ISSUER,
        SUBJECT,
        (TOKEN_EXCHANGE_AUDIENCE,),
    )
    assert federated_sign_in(seed) is federated
    assert seed.github_actions.request_token == "emulator-actions-request-token"


def test_github_subject_defaults_to_the_first_github_credential() -> None:
    seed = parse_seed(
        minimal(
            service_principals=[
                principal(
                    federated_credentials=[{"issuer": GITHUB_ISSUER, "subject": "repo:a/b:ref:x"}]
                )
            ]
        )
    )
    assert seed.github_actions.subject == "repo:a/b:ref:x"
    assert federated_sign_in(seed) is seed.principals[0]
    assert federated_sign_in(parse_seed(minimal())) is None


@pytest.fixture
def backend(tmp_path: Path, other_key: rsa.RSAPrivateKey) -> IdentityBackend:
    """The default seed plus a principal trusting a seeded issuer and one with no known keys."""
    document = {
        "tenants": [{"tenant_id": "t"}],
        "subscriptions": [{"subscription_id": "s", "tenant_id": "t"}],
        "service_principals": [
            principal(
                client_id="external",
                federated_credentials=[
                    {"issuer": OTHER_ISSUER, "subject": "workload-a", "audiences": ["aud-a"]},
                    {"issuer": "https://keys-unknown.example", "subject": "workload-b"},
                ],
            ),
            principal(client_id="secret-only", client_secret="s3cret"),
            principal(client_id="github", federated_credentials=[GITHUB_CREDENTIAL]),
        ],
        "oidc_issuers": [{"issuer": OTHER_ISSUER, "jwks": {"keys": [jwk_of(other_key, "k1")]}}],
    }
    seed = parse_seed(document)
    store = Store(tmp_path / "s.db")
    apply_seed(store, seed)
    github = GithubActionsIssuer(load_or_create_oidc_issuer_key(tmp_path))
    return IdentityBackend(
        store,
        load_or_create_signing_key(tmp_path),
        issuers={i.issuer: i for i in [github.trusted(), *seed.oidc_issuers]},
    )


def jwk_of(key: rsa.RSAPrivateKey, kid: str) -> dict[str, Any]:
    jwk: dict[str, Any] = json.loads(RSAAlgorithm.to_jwk(key.public_key()))
    return {**jwk, "kid": kid}


def assertion(key: rsa.RSAPrivateKey, kid: str = "k1", lifetime: int = 600, **claims: Any) -> str:
    """A token of the seeded external issuer; ``claims`` override the matching defaults."""
    now = int(utcnow().timestamp())
    exp = now + lifetime
    body: dict[str, Any] = {"iss": OTHER_ISSUER, "sub": "workload-a", "aud": "aud-a"}
    body.update(nbf=min(now, exp) - 5, exp=exp)
    return jwt.encode({**body, **claims}, key, algorithm="RS256", headers={"kid": kid})


def sign_in(backend: IdentityBackend, client_id: str, token: str | None, secret: str | None = None):
    return backend.issue_client_credentials_token(
        "t",
        "client_credentials",
        client_id,
        secret,
        SCOPE,
        "https://emulator",
        JWT_BEARER if token is not None else None,
        token,
    )


def test_a_seeded_issuer_signs_in_with_its_own_key(backend, other_key) -> None:
    issued = sign_in(backend, "external", assertion(other_key))
    claims = jwt.decode(issued.access_token, options={"verify_signature": False})
    assert claims["appid"] == "external" and claims["appidacr"] == "2"
    # Within the clock skew, a just-expired assertion still counts.
    sign_in(backend, "external", assertion(other_key, lifetime=-120))


def test_checks_run_in_entras_order(backend, other_key) -> None:
    stranger = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    cases = [
        # Unknown issuer wins over a bad signature, an expired token and a wrong subject.
        (
            assertion(stranger, lifetime=-900, iss="https://nobody.example", sub="x"),
            NoMatchingIssuer,
        ),
        # Issuer in the app's credentials, but nobody knows its keys.
        (
            assertion(other_key, iss="https://keys-unknown.example", sub="workload-b"),
            NoMatchingIssuer,
        ),
        # Bad signature wins over expiry and subject.
        (assertion(stranger, lifetime=-900, sub="x"), AssertionSignatureInvalid),
        # A kid the issuer does not publish.
        (assertion(other_key, kid="k2"), AssertionSignatureInvalid),
        # Expiry wins over subject and audience.
        (assertion(other_key, lifetime=-900, sub="x", aud="y"), AssertionOutsideValidity),
        (assertion(other_key, nbf=int(utcnow().timestamp()) + 900), AssertionOutsideValidity),
        # Subject wins over audience; case-only differences have their own code.
        (assertion(other_key, sub="workload-x", aud="y"), NoMatchingSubject),
        (assertion(other_key, sub="Workload-A"), SubjectCaseMismatch),
        (assertion(other_key, aud="aud-b"), NoMatchingAudience),
        ("not-a-jwt", MalformedClientAssertion),
    ]
    for token, error in cases:
        with pytest.raises(error):
            sign_in(backend, "external", token)


def test_expired_assertion_says_when(backend, other_key) -> None:
    with pytest.raises(AssertionOutsideValidity) as info:
        sign_in(backend, "external", assertion(other_key, lifetime=-900))
    assert "Current time: " in info.value.description
    assert "expiry time of assertion " in info.value.description


def test_secret_and_assertion_rules(backend, other_key) -> None:
    # A principal without a secret: no credential at all, or any secret, is refused as Entra does.
    with pytest.raises(MissingClientSecret):
        sign_in(backend, "github", None)
    with pytest.raises(InvalidClientSecret):
        sign_in(backend, "github", None, secret="guess")
    # A principal with only a secret has no federated record for any issuer.
    with pytest.raises(NoMatchingIssuer):
        sign_in(backend, "secret-only", assertion(other_key))
    with pytest.raises(InvalidClientAssertionType):
        sign_in(backend, "external", assertion(other_key), secret="s3cret")
    with pytest.raises(InvalidClientAssertionType):
        backend.issue_client_credentials_token(
            "t", "client_credentials", "external", None, SCOPE, "https://x", "other-type", "t"
        )


def test_github_tokens_sign_in_and_the_issuer_key_survives_a_restart(tmp_path, backend) -> None:
    issuer = GithubActionsIssuer(load_or_create_oidc_issuer_key(tmp_path))
    sign_in(backend, "github", issuer.id_token(None))
    again = load_or_create_oidc_issuer_key(tmp_path)
    assert again.kid == issuer.key.kid
    assert again.kid != load_or_create_signing_key(tmp_path).kid
    assert (tmp_path / "identity" / "github-oidc-key.pem").stat().st_mode & 0o777 == 0o600
    # An Entra access token is not a GitHub assertion: different keys.
    access = sign_in(backend, "github", issuer.id_token(None)).access_token
    forged = jwt.encode(
        {**jwt.decode(access, options={"verify_signature": False}), "iss": GITHUB_ISSUER},
        backend.key.private_key,
        algorithm="RS256",
        headers={"kid": issuer.key.kid},
    )
    with pytest.raises(AssertionSignatureInvalid):
        sign_in(backend, "github", forged)


def test_minted_tokens_carry_github_claims(tmp_path) -> None:
    issuer = GithubActionsIssuer(load_or_create_oidc_issuer_key(tmp_path))
    claims = jwt.decode(
        issuer.mint(SUBJECT),
        issuer.key.public_key,
        algorithms=["RS256"],
        audience=TOKEN_EXCHANGE_AUDIENCE,
        issuer=GITHUB_ISSUER,
    )
    assert claims["exp"] - claims["iat"] == 600 and claims["nbf"] == claims["iat"]
    assert claims["repository"] == "contoso/fleet" and claims["environment"] == "production"
    expired = jwt.decode(issuer.mint(SUBJECT, lifetime_s=-60), options={"verify_signature": False})
    assert expired["nbf"] < expired["exp"] < utcnow().timestamp()
    assert expired["exp"] - expired["nbf"] == int(timedelta(minutes=10).total_seconds())


def test_emulator_info_reads_a_startup_line_without_federated() -> None:
    line = {
        "base_url": "https://127.0.0.1:1",
        "authority_host": "https://127.0.0.1:1",
        "ca_bundle": "/ca.pem",
        "admin_url": "https://127.0.0.1:1/_emulator",
        "subscription_id": "s",
        "resource_group": "rg",
        "iot_hubs": [],
        "dps": [],
        "credentials": [],
        "pid": 1,
    }
    assert EmulatorInfo.from_json(json.dumps(line)).federated is None
