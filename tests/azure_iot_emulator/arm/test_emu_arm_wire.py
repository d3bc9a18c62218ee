"""ARM behaviour (auth, RBAC, api-versions, not-found envelopes, case-insensitive paths), driven
through IotHubClient / IotDpsClient and azure-mgmt-core's ARMPipelineClient."""

from __future__ import annotations

from typing import Any

import pytest
from azure.core import PipelineClient
from azure.core.credentials import AccessToken
from azure.core.exceptions import (
    ClientAuthenticationError,
    HttpResponseError,
    ResourceNotFoundError,
)
from azure.core.rest import HttpRequest
from azure.mgmt.iothub import IotHubClient
from azure.mgmt.iothub.models import (
    CertificateDescription,
    CertificateProperties,
    IotHubDescription,
    IotHubSkuInfo,
)
from azure.mgmt.iothubprovisioningservices import IotDpsClient

from azure_iot_emulator.testing import EmulatorInfo, client_kwargs, management_credential


def body_of(exc: Any) -> Any:
    """The JSON body of a failed call's response."""
    assert exc.response is not None
    return exc.response.json()


class StaticToken:
    """A credential that hands out a fixed (bad) token."""

    def __init__(self, token: str) -> None:
        self.token = token

    def get_token(self, *scopes: str, **kwargs: Any) -> AccessToken:
        return AccessToken(self.token, 4_102_444_800)


def send(info: EmulatorInfo, method: str, path: str, index: int = 0, **kwargs: Any) -> Any:
    """A raw request through IotDpsClient's own pipeline (ARM auth policy, retries, TLS)."""
    client = IotDpsClient(
        management_credential(info, index), info.subscription_id, **client_kwargs(info)
    )
    return client.send_request(HttpRequest(method, info.base_url + path, **kwargs))


def hub_client_for(info: EmulatorInfo, index: int) -> IotHubClient:
    return IotHubClient(
        management_credential(info, index), info.subscription_id, **client_kwargs(info)
    )


def test_missing_token_is_401_with_challenge(emulator: EmulatorInfo, rg, hub) -> None:
    client: PipelineClient[Any, Any] = PipelineClient(
        emulator.base_url, connection_verify=emulator.ca_bundle
    )
    response = client.send_request(
        HttpRequest(
            "GET",
            f"{emulator.base_url}/subscriptions/{emulator.subscription_id}/resourceGroups/{rg}"
            f"/providers/Microsoft.Devices/IotHubs/{hub}/certificates?api-version=2023-06-30",
        )
    )
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "AuthenticationFailed"
    challenge = response.headers["WWW-Authenticate"]
    assert (
        challenge.startswith('Bearer authorization_uri="') and 'error="invalid_token"' in challenge
    )


def test_bad_token_is_401_invalid_authentication_token(emulator: EmulatorInfo, rg, hub) -> None:
    client = IotHubClient(
        StaticToken("not-a-jwt"), emulator.subscription_id, **client_kwargs(emulator)
    )
    with pytest.raises(ClientAuthenticationError) as info:
        client.certificates.list_by_iot_hub(rg, hub)
    assert info.value.status_code == 401
    assert body_of(info.value)["error"]["code"] == "InvalidAuthenticationToken"


def test_principal_without_role_on_the_group_gets_403(emulator: EmulatorInfo, rg, hub) -> None:
    outsider = hub_client_for(emulator, 1)
    body = CertificateDescription(properties=CertificateProperties(certificate="x"))
    with pytest.raises(HttpResponseError) as info:
        outsider.certificates.create_or_update(rg, hub, "forbidden", body)
    assert info.value.status_code == 403
    error = body_of(info.value)["error"]
    assert error["code"] == "AuthorizationFailed"
    client = emulator.credentials[1]["client_id"]
    assert "Microsoft.Devices/IotHubs/certificates/write" in error["message"]
    assert (
        f"/resourceGroups/{rg}/providers/Microsoft.Devices/IotHubs/{hub}/certificates/forbidden'"
        in error["message"]
    )
    assert client not in error["message"]  # ARM names the object id, not the app id


def test_principal_may_use_its_own_group(emulator: EmulatorInfo, certs) -> None:
    scoped = hub_client_for(emulator, 1)
    body = CertificateDescription(properties=CertificateProperties(certificate=certs.ca().pem))
    assert (
        scoped.certificates.create_or_update("rg-pop-other", "hub-pop-other", "mine", body).name
        == "mine"
    )


def test_reader_reads_but_cannot_write(emulator: EmulatorInfo, rg, hub) -> None:
    reader = hub_client_for(emulator, 2)
    assert reader.certificates.list_by_iot_hub(rg, hub).value is not None
    with pytest.raises(HttpResponseError) as info:
        reader.certificates.generate_verification_code(rg, hub, "anything", "*")
    assert info.value.status_code == 403
    assert "certificates/generateVerificationCode/action" in body_of(info.value)["error"]["message"]


def test_missing_resource_group_and_hub(hub_client, rg) -> None:
    with pytest.raises(ResourceNotFoundError) as info:
        hub_client.certificates.list_by_iot_hub("rg-missing", "hub-pop-demo")
    assert body_of(info.value) == {
        "error": {
            "code": "ResourceGroupNotFound",
            "message": "Resource group 'rg-missing' could not be found.",
        }
    }
    with pytest.raises(ResourceNotFoundError) as info:
        hub_client.iot_hub_resource.get(rg, "hub-missing")
    error = body_of(info.value)["error"]
    assert error["code"] == "ResourceNotFound"
    assert error["message"].startswith(
        "The Resource 'Microsoft.Devices/IotHubs/hub-missing' under resource group "
        f"'{rg}' was not found."
    )
    with pytest.raises(ResourceNotFoundError):
        hub_client.certificates.get(rg, "hub-missing", "c")


def test_missing_and_unknown_api_version(emulator: EmulatorInfo, rg, hub) -> None:
    base = (
        f"/subscriptions/{emulator.subscription_id}/resourceGroups/{rg}/providers/"
        f"Microsoft.Devices/IotHubs/{hub}/certificates"
    )
    missing = send(emulator, "GET", base)
    assert missing.status_code == 400
    assert missing.json()["error"]["code"] == "MissingApiVersionParameter"
    unknown = send(emulator, "GET", base + "?api-version=2016-02-03")  # before certificates existed
    assert unknown.status_code == 400
    assert unknown.json()["error"]["code"] == "NoRegisteredProviderFound"
    for version in ("2021-07-02", "2021-03-31", "2020-08-31", "2023-06-30-preview"):
        assert send(emulator, "GET", f"{base}?api-version={version}").status_code == 200


def test_paths_are_case_insensitive(emulator: EmulatorInfo, rg, hub) -> None:
    path = (
        f"/SUBSCRIPTIONS/{emulator.subscription_id}/resourcegroups/{rg.upper()}/providers/"
        f"microsoft.devices/iothubs/{hub.upper()}/certificates?api-version=2023-06-30"
    )
    response = send(emulator, "GET", path)
    assert response.status_code == 200 and "value" in response.json()


def test_unknown_resource_type(emulator: EmulatorInfo, rg) -> None:
    response = send(
        emulator,
        "GET",
        f"/subscriptions/{emulator.subscription_id}/resourceGroups/"
        f"{rg}/providers/Microsoft.Devices/IotHubz/x?api-version=2023-06-30",
    )
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "InvalidResourceType"


def test_subscriptions_and_resource_groups(emulator: EmulatorInfo) -> None:
    subscriptions = send(emulator, "GET", "/subscriptions?api-version=2022-12-01").json()["value"]
    assert [s["subscriptionId"] for s in subscriptions] == [emulator.subscription_id]
    missing = send(
        emulator,
        "GET",
        "/subscriptions/11111111-1111-1111-1111-111111111111?api-version=2022-12-01",
    )
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "SubscriptionNotFound"
    sub = emulator.subscription_id
    path = f"/subscriptions/{sub}/resourcegroups/rg-created?api-version=2021-04-01"
    created = send(emulator, "PUT", path, json={"location": "northeurope"})
    assert created.status_code == 201
    assert created.json()["properties"]["provisioningState"] == "Succeeded"
    assert send(emulator, "PUT", path, json={"location": "northeurope"}).status_code == 200
    assert send(emulator, "GET", path).json()["location"] == "northeurope"
    assert send(emulator, "PUT", path, index=2, json={"location": "x"}).status_code == 403


def test_hub_and_dps_put_complete_synchronously(
    emulator: EmulatorInfo, hub_client, dps_client, rg
) -> None:
    hub = hub_client.iot_hub_resource.begin_create_or_update(
        rg,
        "hub-created-by-put",
        IotHubDescription(location="westeurope", sku=IotHubSkuInfo(name="S1", capacity=1)),
    ).result()
    assert hub.properties.provisioning_state == "Succeeded"
    assert "hub-created-by-put" in [
        h.name for h in hub_client.iot_hub_resource.list_by_resource_group(rg)
    ]
    assert "hub-created-by-put" in [
        h.name for h in hub_client.iot_hub_resource.list_by_subscription()
    ]
    with pytest.raises(HttpResponseError) as info:
        hub_client.iot_hub_resource.begin_create_or_update(
            rg, "-bad", IotHubDescription(location="westeurope", sku=IotHubSkuInfo(name="S1"))
        ).result()
    assert info.value.status_code == 400
    dps = dps_client.iot_dps_resource.get("dps-pop-demo", rg)
    assert dps.properties.state == "Active"
    assert [d.name for d in dps_client.iot_dps_resource.list_by_subscription()] == [
        d.name for d in dps_client.iot_dps_resource.list_by_resource_group(rg)
    ]
    assert isinstance(dps_client, IotDpsClient)
