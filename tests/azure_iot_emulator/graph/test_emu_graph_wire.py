"""The emulator's Microsoft Graph: announced by the cloud metadata (Graph's URL and token
resource at once, as the az CLI uses them), answering service principal lookups from the token's
tenant, and refusing a token for any other audience, as ARM refuses a Graph token."""

from __future__ import annotations

from typing import Any

import pytest
import requests

from azure_iot_emulator.testing import EmulatorInfo, management_credential


def graph_url(info: EmulatorInfo) -> str:
    cloud: dict[str, Any] = requests.get(
        f"{info.base_url}/metadata/endpoints?api-version=2022-09-01", verify=info.ca_bundle
    ).json()
    url: str = cloud["microsoftGraphResourceId"]
    return url


def graph_get(info: EmulatorInfo, path: str, token: str) -> requests.Response:
    return requests.get(
        f"{graph_url(info).rstrip('/')}{path}",
        headers={"Authorization": f"Bearer {token}"},
        verify=info.ca_bundle,
    )


def graph_token(info: EmulatorInfo, index: int = 0) -> str:
    # The az CLI's scope: the resource id, trailing slash included, plus "/.default".
    return management_credential(info, index).get_token(graph_url(info) + "/.default").token


def test_graph_is_a_port_of_its_own_announced_with_a_trailing_slash(emulator) -> None:
    url = graph_url(emulator)
    assert url.startswith("https://127.0.0.1:") and url.endswith("/")
    assert url.rstrip("/") != emulator.base_url
    older = requests.get(
        f"{emulator.base_url}/metadata/endpoints?api-version=2019-05-01",
        verify=emulator.ca_bundle,
    ).json()
    assert "microsoftGraphResourceId" not in older[0]  # as public ARM's 2019-05-01 answer


def test_a_service_principal_is_found_by_its_app_id(emulator) -> None:
    client_id = emulator.credentials[1]["client_id"]
    for query in (
        f"servicePrincipalNames/any(c:c eq '{client_id}')",
        f"appId eq '{client_id.upper()}'",
    ):
        answer = graph_get(
            emulator, f"/v1.0/servicePrincipals?$filter={query}", graph_token(emulator)
        )
        assert answer.status_code == 200, answer.text
        (found,) = answer.json()["value"]
        assert (found["appId"], found["displayName"]) == (client_id, "sp-other-rg")
        assert found["servicePrincipalNames"] == [client_id]
    by_id = graph_get(emulator, f"/v1.0/servicePrincipals/{found['id']}", graph_token(emulator))
    assert by_id.json()["appId"] == client_id
    none = graph_get(
        emulator, "/v1.0/servicePrincipals?$filter=appId eq 'nobody'", graph_token(emulator)
    )
    assert none.json()["value"] == []


def test_get_by_ids_tags_the_object_type(emulator) -> None:
    token = graph_token(emulator)
    (found,) = graph_get(
        emulator, "/v1.0/servicePrincipals?$filter=displayName eq 'sp-reader'", token
    ).json()["value"]
    answer = requests.post(
        f"{graph_url(emulator).rstrip('/')}/v1.0/directoryObjects/getByIds",
        json={
            "ids": [found["id"], "00000000-0000-0000-0000-000000000000"],
            "types": ["user", "servicePrincipal"],
        },
        headers={"Authorization": f"Bearer {token}"},
        verify=emulator.ca_bundle,
    )
    (only,) = answer.json()["value"]
    assert (only["@odata.type"], only["id"]) == ("#microsoft.graph.servicePrincipal", found["id"])


@pytest.mark.parametrize("scope", ["https://management.azure.com/.default", None])
def test_graph_takes_only_its_own_tokens(emulator, scope: str | None) -> None:
    token = management_credential(emulator).get_token(scope).token if scope else ""
    answer = graph_get(emulator, "/v1.0/servicePrincipals", token)
    assert answer.status_code == 401
    error = answer.json()["error"]
    assert error["code"] == "InvalidAuthenticationToken"
    assert error["message"] == (
        "Access token validation failure. Invalid audience." if scope else "Access token is empty."
    )


def test_arm_refuses_a_graph_token(emulator) -> None:
    answer = requests.get(
        f"{emulator.base_url}/subscriptions/{emulator.subscription_id}?api-version=2022-12-01",
        headers={"Authorization": f"Bearer {graph_token(emulator)}"},
        verify=emulator.ca_bundle,
    )
    assert answer.status_code == 401
    assert answer.json()["error"]["code"] == "InvalidAuthenticationTokenAudience"


def test_an_unsupported_filter_is_refused(emulator) -> None:
    answer = graph_get(
        emulator,
        "/v1.0/servicePrincipals?$filter=startswith(displayName,'sp')",
        graph_token(emulator),
    )
    assert answer.status_code == 400
    assert answer.json()["error"]["code"] == "Request_UnsupportedQuery"
