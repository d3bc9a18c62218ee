"""The DPS service API against Microsoft's own client, ``azure-iot-deviceprovisioning``,
unchanged: the endpoint found through ARM, an Entra token (azure-identity) or a shared-access
key (ARM listKeys), enrollment groups created, updated, refused on a stale etag, read, queried
page by page, written in bulk and deleted; and the data roles deciding who may do what."""

from __future__ import annotations

import re
from typing import Any

import pytest
from azure.core.credentials import AzureNamedKeyCredential, AzureSasCredential
from azure.core.exceptions import (
    ClientAuthenticationError,
    HttpResponseError,
    ResourceNotFoundError,
)
from azure.core.rest import HttpRequest
from azure.iot.deviceprovisioning import DeviceProvisioningClient
from azure.iot.deviceprovisioning._auth import generate_sas_token
from azure.mgmt.iothubprovisioningservices import IotDpsClient
from azure.mgmt.iothubprovisioningservices.models import (
    IotHubDefinitionDescription,
    SharedAccessSignatureAuthorizationRuleAccessRightsDescription,
)

from azure_iot_emulator.testing import EmulatorInfo, client_kwargs, management_credential
from tests.azure_iot_emulator.dps_service.conftest import (
    DATA_CONTRIBUTOR,
    DATA_READER,
    DPS_NAME,
    RESOURCE_GROUP,
    ArmScopedCredential,
    credential_of,
    owner_key,
    service_client,
)

CONTRIBUTOR_CLIENT_ID = "c0ffee00-0000-4000-8000-000000000001"  # ARM Contributor, no data role
TIMESTAMP = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{7}Z$")


def ca_group(group_id: str, primary: str = "fleet-root", **extra: Any) -> dict[str, Any]:
    """An x509 group referencing a CA certificate of the DPS by name, as the az CLI builds it."""
    return {
        "enrollmentGroupId": group_id,
        "attestation": {"type": "x509", "x509": {"caReferences": {"primary": primary}}},
        **extra,
    }


def error_of(excinfo: pytest.ExceptionInfo[HttpResponseError]) -> dict[str, Any]:
    """The service's error body, checked for its shape."""
    response: Any = excinfo.value.response
    assert response is not None
    body: dict[str, Any] = response.json()
    assert set(body) == {"errorCode", "trackingId", "message", "timestampUtc"}
    assert response.headers["x-ms-error-code"] == str(body["errorCode"])
    return body


def test_the_service_host_is_the_dps_own_port(dps_emulator: EmulatorInfo, service_host: str):
    host, _, port = service_host.rpartition(":")
    assert host == "127.0.0.1"
    assert f":{port}" not in dps_emulator.base_url  # not the ARM port: the DPS's own


def test_each_port_serves_its_own_routes(dps_emulator: EmulatorInfo, service_host: str):
    """The DPS port answers no ARM or admin route; the ARM port no service API route."""
    arm = IotDpsClient(
        management_credential(dps_emulator),
        dps_emulator.subscription_id,
        **client_kwargs(dps_emulator),
    )
    for url in (
        f"https://{service_host}/subscriptions?api-version=2022-12-01",
        f"https://{service_host}/_emulator/requests",
        f"{dps_emulator.base_url}/enrollmentGroups/any?api-version=2021-10-01",
    ):
        assert arm.send_request(HttpRequest("GET", url)).status_code == 404, url


def test_create_update_stale_etag_get_delete(contributor: DeviceProvisioningClient):
    groups = contributor.enrollment_group
    created = groups.create_or_update("fleet-2026", ca_group("fleet-2026"))
    assert created["provisioningStatus"] is None  # never set: answered null [rec]
    assert TIMESTAMP.match(created["createdDateTimeUtc"])
    assert "iotHubs" not in created and "capabilities" not in created

    body = ca_group("fleet-2026", provisioningStatus="disabled")
    updated = groups.create_or_update("fleet-2026", body, if_match=created["etag"])
    assert updated["etag"] != created["etag"]
    assert updated["createdDateTimeUtc"] == created["createdDateTimeUtc"]
    assert updated["provisioningStatus"] == "disabled"

    with pytest.raises(HttpResponseError) as stale:
        groups.create_or_update("fleet-2026", body, if_match=created["etag"])
    assert stale.value.status_code == 412
    assert error_of(stale)["errorCode"] == 412001

    assert groups.get("fleet-2026") == updated
    with pytest.raises(HttpResponseError) as stale_delete:
        groups.delete("fleet-2026", if_match=created["etag"])
    assert stale_delete.value.status_code == 412
    groups.delete("fleet-2026", if_match=updated["etag"])
    with pytest.raises(ResourceNotFoundError) as gone:
        groups.get("fleet-2026")
    assert error_of(gone)["errorCode"] == 404204


def test_query_pages_with_continuation(contributor: DeviceProvisioningClient):
    ids = [f"group-{i}" for i in range(5)]
    for group_id in ids:
        contributor.enrollment_group.create_or_update(group_id, ca_group(group_id))
    pages = [
        list(page)
        for page in contributor.enrollment_group.query({"query": "SELECT *"}, top=2).by_page()
    ]
    assert [len(p) for p in pages] == [2, 2, 1]
    assert [g["enrollmentGroupId"] for p in pages for g in p] == ids


def test_bulk_create_then_update_answers_409202_per_group(contributor: DeviceProvisioningClient):
    groups = [ca_group("bulk-a"), ca_group("bulk-b")]
    created = contributor.enrollment_group.run_bulk_operation(
        {"enrollmentGroups": groups, "mode": "create"}
    )
    assert created == {"errors": [], "isSuccessful": True}
    again = contributor.enrollment_group.run_bulk_operation(
        {"enrollmentGroups": groups, "mode": "update"}
    )
    assert again["isSuccessful"] is False
    assert [(e["enrollmentGroupId"], e["errorCode"]) for e in again["errors"]] == [
        ("bulk-a", 409202),
        ("bulk-b", 409202),
    ]
    deleted = contributor.enrollment_group.run_bulk_operation(
        {"enrollmentGroups": groups, "mode": "delete"}
    )
    assert deleted["isSuccessful"] is True
    assert list(contributor.enrollment_group.query({"query": "SELECT *"})) == []


def test_symmetric_keys_only_from_attestation_mechanism(contributor: DeviceProvisioningClient):
    body = {"enrollmentGroupId": "sym", "attestation": {"type": "symmetricKey"}}
    created = contributor.enrollment_group.create_or_update("sym", body)
    keys = created["attestation"]["symmetricKey"]
    assert contributor.enrollment_group.get("sym")["attestation"] == {"type": "symmetricKey"}
    mechanism = contributor.enrollment_group.get_attestation_mechanism("sym")
    assert mechanism["symmetricKey"] == keys


def test_rules_static_custom_and_hubs(dps_emulator: EmulatorInfo, contributor):
    arm = IotDpsClient(
        management_credential(dps_emulator),
        dps_emulator.subscription_id,
        **client_kwargs(dps_emulator),
    )
    dps = arm.iot_dps_resource.get(DPS_NAME, RESOURCE_GROUP)
    dps.properties.iot_hubs = [
        IotHubDefinitionDescription(
            connection_string="HostName=hub-pop-demo.azure-devices.net;SharedAccessKeyName="
            "iothubowner;SharedAccessKey=a2V5",
            location="westeurope",
        )
    ]
    arm.iot_dps_resource.begin_create_or_update(RESOURCE_GROUP, DPS_NAME, dps).result()
    groups = contributor.enrollment_group
    hub = "hub-pop-demo.azure-devices.net"
    ok = groups.create_or_update(
        "static-ok", ca_group("static-ok", allocationPolicy="static", iotHubs=[hub])
    )
    assert ok["iotHubs"] == [hub]
    refusals = {
        "static-two": ca_group("static-two", allocationPolicy="static", iotHubs=[]),
        "custom-no-hook": ca_group("custom-no-hook", allocationPolicy="custom"),
        "unknown-hub": ca_group("unknown-hub", iotHubs=["hub-elsewhere.azure-devices.net"]),
        "no-attestation": {"enrollmentGroupId": "no-attestation"},
    }
    for group_id, body in refusals.items():
        with pytest.raises(HttpResponseError) as refused:
            groups.create_or_update(group_id, body)
        assert refused.value.status_code == 400, group_id
        assert error_of(refused)["errorCode"] == 400004


def test_shared_access_key_from_list_keys(dps_emulator: EmulatorInfo, service_host: str):
    client = service_client(dps_emulator, owner_key(dps_emulator), service_host)
    client.enrollment_group.create_or_update("by-sas", ca_group("by-sas"))
    assert [
        g["enrollmentGroupId"] for g in client.enrollment_group.query({"query": "SELECT *"})
    ] == ["by-sas"]
    key = owner_key(dps_emulator).named_key
    connection_string = (
        f"HostName={service_host};SharedAccessKeyName={key.name};SharedAccessKey={key.key}"
    )
    from_string = DeviceProvisioningClient.from_connection_string(
        connection_string, connection_verify=dps_emulator.ca_bundle, retry_total=0
    )
    assert from_string.enrollment_group.get("by-sas")["enrollmentGroupId"] == "by-sas"
    client.enrollment_group.delete("by-sas")
    wrong = AzureNamedKeyCredential("provisioningserviceowner", "d3Jvbmcta2V5")
    with pytest.raises(ClientAuthenticationError) as refused:
        service_client(dps_emulator, wrong, service_host).enrollment_group.get("by-sas")
    assert error_of(refused)["errorCode"] == 401002


def test_a_policy_without_the_right_is_refused_with_401(
    dps_emulator: EmulatorInfo, service_host: str
):
    """The owner policy's rights are the recorded three [rec: azure-powershell]; a declared
    policy with EnrollmentRead alone reads, and its write is refused with 401 naming the right."""
    arm = IotDpsClient(
        management_credential(dps_emulator),
        dps_emulator.subscription_id,
        **client_kwargs(dps_emulator),
    )
    owner = arm.iot_dps_resource.list_keys_for_key_name(
        DPS_NAME, "provisioningserviceowner", RESOURCE_GROUP
    )
    assert owner.rights == "ServiceConfig, EnrollmentWrite, DeviceConnect"
    dps = arm.iot_dps_resource.get(DPS_NAME, RESOURCE_GROUP)
    dps.properties.authorization_policies = [
        SharedAccessSignatureAuthorizationRuleAccessRightsDescription(
            key_name="enrollment-reader", rights="EnrollmentRead"
        )
    ]
    arm.iot_dps_resource.begin_create_or_update(RESOURCE_GROUP, DPS_NAME, dps).result()
    policy = arm.iot_dps_resource.list_keys_for_key_name(
        DPS_NAME, "enrollment-reader", RESOURCE_GROUP
    )
    credential = AzureNamedKeyCredential("enrollment-reader", str(policy.primary_key))
    reader = service_client(dps_emulator, credential, service_host)
    assert list(reader.enrollment_group.query({"query": "select *"})) == []
    with pytest.raises(ClientAuthenticationError) as refused:
        reader.enrollment_group.create_or_update("nope", ca_group("nope"))
    assert refused.value.status_code == 401
    body = error_of(refused)
    assert body["errorCode"] == 401002
    assert body["message"].startswith(
        "Shared access policy enrollment-reader is not authorized for PUT on "
        "/enrollmentGroups/nope due to no assigned permissions"
    )
    assert "EnrollmentWrite" in body["message"]


def test_data_reader_reads_but_cannot_write(
    dps_emulator: EmulatorInfo, service_host: str, contributor: DeviceProvisioningClient
):
    contributor.enrollment_group.create_or_update("read-me", ca_group("read-me"))
    reader = service_client(
        dps_emulator, credential_of(dps_emulator, DATA_READER["client_id"]), service_host
    )
    assert reader.enrollment_group.get("read-me")["enrollmentGroupId"] == "read-me"
    assert len(list(reader.enrollment_group.query({"query": "SELECT *"}))) == 1
    for write in (
        lambda: reader.enrollment_group.create_or_update("nope", ca_group("nope")),
        lambda: reader.enrollment_group.delete("read-me"),
        lambda: reader.enrollment_group.get_attestation_mechanism("read-me"),
    ):
        with pytest.raises(ClientAuthenticationError) as refused:
            write()
        assert refused.value.status_code == 401
        body = error_of(refused)
        assert body["errorCode"] == 401002
        assert re.match(
            r"Principal [0-9a-f-]{36} is not authorized for (PUT|DELETE|POST) on "
            r"/enrollmentGroups/\S+ due to no assigned permissions",
            body["message"],
        )


def test_an_arm_only_role_cannot_read(dps_emulator: EmulatorInfo, service_host: str):
    """Contributor (``actions: *``) grants no data action: the service API refuses it, with
    401 as IoT Hub does."""
    arm_contributor = service_client(
        dps_emulator, credential_of(dps_emulator, CONTRIBUTOR_CLIENT_ID), service_host
    )
    with pytest.raises(ClientAuthenticationError) as refused:
        list(arm_contributor.enrollment_group.query({"query": "SELECT *"}))
    assert refused.value.status_code == 401
    assert "is not authorized for POST on /enrollmentGroups/query" in error_of(refused)["message"]


def test_an_arm_token_is_refused(dps_emulator: EmulatorInfo, service_host: str):
    credential = ArmScopedCredential(credential_of(dps_emulator, DATA_CONTRIBUTOR["client_id"]))
    client = service_client(dps_emulator, credential, service_host)
    with pytest.raises(ClientAuthenticationError) as refused:
        client.enrollment_group.get("any")
    body = error_of(refused)
    assert body["errorCode"] == 401002
    assert "azure-devices-provisioning.net" in body["message"]


def test_a_sas_as_the_docs_write_it(dps_emulator: EmulatorInfo, service_host: str):
    """``sr`` the bare host (how-to-control-access.md), as AzureSasCredential carries it; an
    expired one, and one for a path prefix the request is not under, are refused."""
    key = owner_key(dps_emulator)
    name, secret = key.named_key

    def client(token: str) -> DeviceProvisioningClient:
        return service_client(dps_emulator, AzureSasCredential(token), service_host)

    assert (
        list(
            client(generate_sas_token(service_host, name, secret)).enrollment_group.query(
                {"query": "SELECT *"}
            )
        )
        == []
    )
    prefixed = generate_sas_token(f"{service_host}/enrollmentGroups", name, secret)
    assert list(client(prefixed).enrollment_group.query({"query": "SELECT *"})) == []
    for refused_token in (
        generate_sas_token(service_host, name, secret, expiry=-60),
        generate_sas_token(f"{service_host}/registrations", name, secret),
        generate_sas_token("other-dps.azure-devices-provisioning.net", name, secret),
    ):
        with pytest.raises(ClientAuthenticationError):
            client(refused_token).enrollment_group.get("any")
