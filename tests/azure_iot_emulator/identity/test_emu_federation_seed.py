"""A seed with its own federation: an external issuer whose keys are given inline, a principal
trusting it, and the GitHub Actions stand-in's request token and subject chosen by the seed."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import jwt
import pytest
import requests
from azure.core.exceptions import ClientAuthenticationError
from azure.identity import ClientAssertionCredential
from azure.mgmt.iothub import IotHubClient
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

from azure_iot_emulator.testing import AdminClient, EmulatorInfo, EmulatorProcess, client_kwargs

SCOPE = "https://management.azure.com/.default"
TENANT = "fed-tenant"
SUBSCRIPTION = "22222222-3333-4444-5555-666666666666"
CLUSTER_ISSUER = "https://oidc.cluster.example/issuer"
SUBJECT = "system:serviceaccount:fleet:deployer"
GITHUB_SUBJECT = "repo:octo/fleet:ref:refs/heads/release"


@pytest.fixture(scope="module")
def cluster_key() -> rsa.RSAPrivateKey:
    """The external issuer's private key: only this test holds it; the seed has its JWKS."""
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture(scope="module")
def seeded(
    tmp_path_factory: pytest.TempPathFactory, cluster_key: rsa.RSAPrivateKey
) -> Iterator[EmulatorInfo]:
    jwk = {**json.loads(RSAAlgorithm.to_jwk(cluster_key.public_key())), "kid": "cluster-1"}
    scope = f"/subscriptions/{SUBSCRIPTION}"
    seed = {
        "tenants": [{"tenant_id": TENANT}],
        "subscriptions": [
            {
                "subscription_id": SUBSCRIPTION,
                "tenant_id": TENANT,
                "resource_groups": [{"name": "rg-fed", "iot_hubs": ["hub-fed"]}],
            }
        ],
        "service_principals": [
            {
                "tenant_id": TENANT,
                "client_id": "cluster-app",
                "role_assignments": [{"role": "Reader", "scope": scope}],
                "federated_credentials": [
                    {"name": "deployer", "issuer": CLUSTER_ISSUER, "subject": SUBJECT},
                    {"issuer": "https://keys-unknown.example", "subject": SUBJECT},
                ],
            },
            {
                "tenant_id": TENANT,
                "client_id": "pipeline-app",
                "role_assignments": [{"role": "Contributor", "scope": scope}],
                "federated_credentials": [
                    {"issuer": "https://token.actions.githubusercontent.com", "subject": "other"},
                    {
                        "issuer": "https://token.actions.githubusercontent.com",
                        "subject": GITHUB_SUBJECT,
                    },
                ],
            },
        ],
        "oidc_issuers": [{"issuer": CLUSTER_ISSUER, "jwks": {"keys": [jwk]}}],
        "github_actions": {"request_token": "seeded-request-token", "subject": GITHUB_SUBJECT},
    }
    directory = tmp_path_factory.mktemp("federation-seed")
    path = directory / "seed.json"
    path.write_text(json.dumps(seed))
    with EmulatorProcess(directory / "state", seed=path) as process:
        yield process.info


@pytest.fixture(scope="module")
def admin_of_seeded(seeded: EmulatorInfo) -> AdminClient:
    return AdminClient(seeded)


def cluster_token(key: rsa.RSAPrivateKey, issuer: str = CLUSTER_ISSUER) -> str:
    now = int(datetime.now(UTC).timestamp())
    claims: dict[str, Any] = {
        "iss": issuer,
        "sub": SUBJECT,
        "aud": ["api://AzureADTokenExchange"],
        "iat": now,
        "nbf": now,
        "exp": now + 3600,
    }
    return jwt.encode(claims, key, algorithm="RS256", headers={"kid": "cluster-1"})


def sign_in(info: EmulatorInfo, client_id: str, token: str) -> ClientAssertionCredential:
    return ClientAssertionCredential(
        TENANT,
        client_id,
        func=lambda: token,
        authority=info.authority_host,
        connection_verify=info.ca_bundle,
        disable_instance_discovery=True,
    )


def test_a_seeded_issuers_own_token_reads_the_hub(seeded: EmulatorInfo, cluster_key) -> None:
    credential = sign_in(seeded, "cluster-app", cluster_token(cluster_key))
    client = IotHubClient(credential, SUBSCRIPTION, **client_kwargs(seeded))
    assert client.certificates.list_by_iot_hub("rg-fed", "hub-fed").value == []


def test_a_token_signed_by_another_key_fails_signature_validation(
    seeded: EmulatorInfo, admin_of_seeded: AdminClient
) -> None:
    # The emulator's GitHub key signs it, but the seeded JWKS has a different key.
    token = admin_of_seeded.federated_token(SUBJECT, issuer=CLUSTER_ISSUER)
    with pytest.raises(ClientAuthenticationError) as info:
        sign_in(seeded, "cluster-app", token).get_token(SCOPE)
    assert "AADSTS700027:" in str(info.value)


def test_an_issuer_on_the_app_whose_keys_nobody_gave_is_unknown(
    seeded: EmulatorInfo, cluster_key
) -> None:
    token = cluster_token(cluster_key, issuer="https://keys-unknown.example")
    with pytest.raises(ClientAuthenticationError) as info:
        sign_in(seeded, "cluster-app", token).get_token(SCOPE)
    assert "AADSTS700211:" in str(info.value)


def test_the_seed_chooses_the_request_token_and_subject(seeded: EmulatorInfo) -> None:
    assert seeded.federated is not None
    assert seeded.federated["client_id"] == "pipeline-app"
    assert seeded.federated["subject"] == GITHUB_SUBJECT
    assert seeded.federated["request_token"] == "seeded-request-token"
    url = seeded.federated["request_url"]
    refused = requests.get(
        url,
        headers={"Authorization": "Bearer emulator-actions-request-token"},
        verify=seeded.ca_bundle,
        timeout=30,
    )
    assert refused.status_code == 401
    answer = requests.get(
        url,
        headers={"Authorization": "Bearer seeded-request-token"},
        verify=seeded.ca_bundle,
        timeout=30,
    )
    token = answer.json()["value"]
    assert jwt.decode(token, options={"verify_signature": False})["sub"] == GITHUB_SUBJECT
    assert sign_in(seeded, "pipeline-app", token).get_token(SCOPE).token


def test_the_issuer_key_is_its_own_file_in_the_state_dir(seeded: EmulatorInfo) -> None:
    state = Path(seeded.ca_bundle).parents[1]
    assert sorted(p.name for p in (state / "identity").iterdir()) == [
        "github-oidc-key.pem",
        "signing-key.pem",
    ]
