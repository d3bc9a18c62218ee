"""Which resource a scope names, as Entra reads it: the az CLI's `<resource>/.default` with a
resource id that already ends in a slash, and the emulator's own URL as an ARM resource."""

from __future__ import annotations

import jwt
import pytest
import requests
from azure.core.exceptions import ClientAuthenticationError

from azure_iot_emulator.identity.models import resource_of_scope
from azure_iot_emulator.testing import EmulatorInfo, management_credential


def audience(info: EmulatorInfo, scope: str) -> str:
    token = management_credential(info).get_token(scope).token
    aud: str = jwt.decode(token, options={"verify_signature": False})["aud"]
    return aud


@pytest.mark.parametrize(
    "scope",
    ["https://management.azure.com//.default", "https://management.azure.com/.default"],
)
def test_either_spelling_gives_the_arm_resource_without_a_double_slash(emulator, scope) -> None:
    assert audience(emulator, scope) == "https://management.azure.com/"


def test_a_token_asked_with_the_double_slash_is_taken_by_arm(emulator) -> None:
    token = management_credential(emulator).get_token("https://management.azure.com//.default")
    response = requests.get(
        f"{emulator.base_url}/subscriptions/{emulator.subscription_id}?api-version=2022-12-01",
        headers={"Authorization": f"Bearer {token.token}"},
        verify=emulator.ca_bundle,
    )
    assert response.status_code == 200  # was 401 InvalidAuthenticationTokenAudience


def test_the_emulator_url_is_an_arm_resource_of_its_own_token_service(emulator) -> None:
    assert audience(emulator, emulator.base_url + "//.default") == emulator.base_url + "/"


def test_an_iot_hub_token_is_issued(emulator) -> None:
    # azure-iot-hub's from_token_credential asks for this scope.
    assert audience(emulator, "https://iothubs.azure.net/.default") == "https://iothubs.azure.net/"


def test_other_resources_stay_unknown(emulator) -> None:
    with pytest.raises(ClientAuthenticationError) as info:
        management_credential(emulator).get_token("https://graph.microsoft.com//.default")
    assert "AADSTS500011" in str(info.value)


@pytest.mark.parametrize(
    "scope,resource",
    [
        ("https://management.azure.com//.default", "https://management.azure.com/"),
        ("https://management.azure.com/.default", "https://management.azure.com/"),
        ("https://vault.azure.net/.default", "https://vault.azure.net/"),
    ],
)
def test_resource_of_scope(scope, resource) -> None:
    assert resource_of_scope(scope) == resource


@pytest.mark.parametrize("scope", ["https://management.azure.com", "x///.default", "/.default"])
def test_scopes_that_name_no_resource_are_refused(scope) -> None:
    with pytest.raises(ValueError):
        resource_of_scope(scope)


@pytest.mark.parametrize("alias", ["organizations", "common", "consumers"])
def test_multi_tenant_aliases_have_a_discovery_document(emulator, alias) -> None:
    # MSAL (the az CLI's `logout`) reads it before it touches its token cache.
    response = requests.get(
        f"{emulator.authority_host}/{alias}/v2.0/.well-known/openid-configuration",
        verify=emulator.ca_bundle,
    )
    assert response.status_code == 200
    document = response.json()
    assert document["issuer"] == f"{emulator.authority_host}/{{tenantid}}/v2.0"
    assert document["token_endpoint"] == f"{emulator.authority_host}/{alias}/oauth2/v2.0/token"


def test_no_token_is_issued_for_an_alias(emulator) -> None:
    c = emulator.credentials[0]
    response = requests.post(
        f"{emulator.authority_host}/organizations/oauth2/v2.0/token",
        data={
            "grant_type": "client_credentials",
            "client_id": c["client_id"],
            "client_secret": c["client_secret"],
            "scope": "https://management.azure.com/.default",
        },
        verify=emulator.ca_bundle,
    )
    assert response.status_code == 400 and "AADSTS90002" in response.text
