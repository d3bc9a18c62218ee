"""The GitHub Actions token service stand-in, as a pipeline step (and a verifier) sees it."""

from __future__ import annotations

import time
from typing import Any

import jwt
import pytest
import requests

from azure_iot_emulator.testing import AdminClient, EmulatorInfo

ISSUER = "https://token.actions.githubusercontent.com"
EXCHANGE = "api://AzureADTokenExchange"


def get(info: EmulatorInfo, path_or_url: str, **kwargs: Any) -> requests.Response:
    url = path_or_url if path_or_url.startswith("https://") else info.base_url + path_or_url
    return requests.get(url, verify=info.ca_bundle, timeout=30, **kwargs)


def request_id_token(info: EmulatorInfo, audience: str | None) -> dict[str, Any]:
    assert info.federated is not None
    url = info.federated["request_url"] + (f"&audience={audience}" if audience else "")
    response = get(
        info, url, headers={"Authorization": f"Bearer {info.federated['request_token']}"}
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def verified_claims(info: EmulatorInfo, token: str, audience: str) -> dict[str, Any]:
    """Verify as an OIDC relying party would: discovery, then the JWKS it names."""
    discovery = get(info, "/_emulator/oidc/github/.well-known/openid-configuration").json()
    assert discovery["issuer"] == ISSUER
    assert "RS256" in discovery["id_token_signing_alg_values_supported"]
    jwks = get(info, discovery["jwks_uri"]).json()
    kid = jwt.get_unverified_header(token)["kid"]
    key = jwt.PyJWKSet.from_dict(jwks)[kid].key
    claims: dict[str, Any] = jwt.decode(
        token, key, algorithms=["RS256"], audience=audience, issuer=ISSUER
    )
    return claims


def test_the_request_url_answers_like_github(emulator: EmulatorInfo) -> None:
    body = request_id_token(emulator, "api://custom-audience")
    assert set(body) == {"count", "value"} and body["count"] == 1
    claims = verified_claims(emulator, body["value"], "api://custom-audience")
    assert claims["sub"] == "repo:contoso/fleet:environment:production"
    assert claims["exp"] - claims["iat"] == 600
    assert claims["nbf"] <= claims["iat"] and claims["jti"]
    assert claims["repository"] == "contoso/fleet"
    assert claims["repository_owner"] == "contoso"
    assert claims["environment"] == "production"
    assert claims["ref"].startswith("refs/")


def test_the_audience_defaults_to_azures_token_exchange(emulator: EmulatorInfo) -> None:
    token = request_id_token(emulator, None)["value"]
    assert verified_claims(emulator, token, EXCHANGE)["aud"] == EXCHANGE


@pytest.mark.parametrize(
    "headers",
    [{}, {"Authorization": "Bearer not-the-request-token"}, {"Authorization": "Basic abc"}],
)
def test_a_wrong_request_token_is_401_json(emulator: EmulatorInfo, headers: dict[str, str]) -> None:
    assert emulator.federated is not None
    response = get(emulator, emulator.federated["request_url"], headers=headers)
    assert response.status_code == 401
    assert response.headers["content-type"].startswith("application/json")
    assert "request token" in response.json()["message"]


def test_the_admin_mint_signs_with_the_issuer_key(
    emulator: EmulatorInfo, admin: AdminClient
) -> None:
    token = admin.federated_token("repo:octo/app:ref:refs/tags/v1", audience="aud-x")
    claims = verified_claims(emulator, token, "aud-x")
    assert claims["sub"] == "repo:octo/app:ref:refs/tags/v1"
    assert claims["ref"] == "refs/tags/v1" and claims["ref_type"] == "tag"
    other = admin.federated_token("anything", issuer="https://elsewhere.example", lifetime_s=-60)
    unverified = jwt.decode(other, options={"verify_signature": False})
    assert unverified["iss"] == "https://elsewhere.example"
    assert unverified["exp"] < time.time()  # already expired


def test_the_admin_mint_refuses_bad_fields(emulator: EmulatorInfo) -> None:
    for body in ({}, {"subject": "s", "lifetime_s": "long"}, {"subject": "s", "colour": "red"}):
        response = requests.post(
            emulator.admin_url + "/oidc/tokens",
            json=body,
            verify=emulator.ca_bundle,
            timeout=30,
        )
        assert response.status_code == 400, body
        assert response.json()["error"]["code"] == "BadRequest"
