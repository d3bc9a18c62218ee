"""ARM's /metadata/endpoints: what the az CLI's endpoint discovery reads to register a cloud."""

from __future__ import annotations

from typing import Any

import jwt
import pytest
import requests

from azure_iot_emulator.testing import EmulatorInfo, management_credential


def metadata(info: EmulatorInfo, query: str) -> requests.Response:
    """No token: public ARM answers this to anyone, as the CLI asks before it signs in."""
    return requests.get(f"{info.base_url}/metadata/endpoints{query}", verify=info.ca_bundle)


def test_2022_09_01_announces_the_emulator_as_login_arm_and_audience(emulator) -> None:
    response = metadata(emulator, "?api-version=2022-09-01")
    assert response.status_code == 200
    cloud: dict[str, Any] = response.json()
    assert cloud["authentication"]["loginEndpoint"] == emulator.authority_host
    assert cloud["authentication"]["audiences"] == [emulator.base_url + "/"]
    assert cloud["resourceManager"] == emulator.base_url + "/"
    assert cloud["suffixes"] == {}  # the CLI requires the key; the emulator serves no suffix


def test_2019_05_01_is_a_list_of_clouds(emulator) -> None:
    clouds = metadata(emulator, "?api-version=2019-05-01").json()
    assert isinstance(clouds, list) and len(clouds) == 1
    assert clouds[0]["resourceManager"] == emulator.base_url + "/"


@pytest.mark.parametrize(
    "query,code",
    [("", "MissingApiVersionParameter"), ("?api-version=2099-01-01", "InvalidApiVersionParameter")],
)
def test_api_version_is_required_and_checked(emulator, query, code) -> None:
    response = metadata(emulator, query)
    assert response.status_code == 400
    assert response.json()["error"]["code"] == code


def test_a_token_for_the_announced_audience_is_taken_by_arm(emulator) -> None:
    audience = metadata(emulator, "?api-version=2022-09-01").json()["authentication"]["audiences"]
    # The az CLI asks for <resource>/.default: for this resource, "https://127.0.0.1:PORT//.default".
    token = management_credential(emulator).get_token(audience[0] + "/.default")
    assert jwt.decode(token.token, options={"verify_signature": False})["aud"] == audience[0]
    response = requests.get(
        f"{emulator.base_url}/subscriptions/{emulator.subscription_id}?api-version=2022-12-01",
        headers={"Authorization": f"Bearer {token.token}"},
        verify=emulator.ca_bundle,
    )
    assert response.status_code == 200
    assert response.json()["subscriptionId"] == emulator.subscription_id
