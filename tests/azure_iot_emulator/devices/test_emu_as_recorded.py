"""The certificate wire of IoT Hub and DPS as real recordings show it (emulator/README.md cites
each): the not-found code, the etag format, what `certificate` reads back as, the `created`
placeholder and the listing fields the az CLI needs. Raw JSON through the SDKs' own pipeline
(token, TLS), so the test sees exactly what goes on the wire."""

from __future__ import annotations

import base64
import re
from typing import Any

import pytest
from azure.core.rest import HttpRequest
from azure.mgmt.iothubprovisioningservices import IotDpsClient

from azure_iot_emulator.testing import EmulatorInfo, client_kwargs, management_credential

HUB_API = "2023-06-30"
DPS_API = "2022-12-12"
UNSET_CREATED = "Mon, 01 Jan 0001 00:00:00 GMT"
# base64 of "<8 hex>-0000-<4 hex>-0000-<12 hex>" in double quotes, like "0a00a8f4-0000-0700-...".
COSMOS_ETAG = re.compile(r'^"[0-9a-f]{8}-0000-[0-9a-f]{4}-0000-[0-9a-f]{12}"$')


def send(info: EmulatorInfo, method: str, path: str, **kwargs: Any) -> Any:
    """One request with the SDK pipeline's ARM token and the emulator's CA."""
    client = IotDpsClient(management_credential(info), info.subscription_id, **client_kwargs(info))
    return client.send_request(HttpRequest(method, info.base_url + path, **kwargs))


def collection(info: EmulatorInfo, kind: str, parent: str) -> str:
    segment = "IotHubs" if kind == "hub" else "provisioningServices"
    return (
        f"/subscriptions/{info.subscription_id}/resourceGroups/{info.resource_group}"
        f"/providers/Microsoft.Devices/{segment}/{parent}/certificates"
    )


def api(kind: str) -> str:
    return f"api-version={HUB_API if kind == 'hub' else DPS_API}"


def put(info: EmulatorInfo, kind: str, parent: str, name: str, content: str) -> Any:
    response = send(
        info,
        "PUT",
        f"{collection(info, kind, parent)}/{name}?{api(kind)}",
        json={"properties": {"certificate": content}},
    )
    assert response.status_code == 200, response.text()
    return response.json()


def decoded_etag(etag: str) -> str:
    return base64.b64decode(etag, validate=True).decode("ascii")


@pytest.fixture(autouse=True)
def _delete_afterwards(emulator, hub, dps, cert_name):
    """The session's hub holds at most 25 CAs: leave nothing behind."""
    yield
    for kind, parent in (("hub", hub), ("dps", dps)):
        path = f"{collection(emulator, kind, parent)}/{cert_name}?{api(kind)}"
        send(emulator, "DELETE", path, headers={"If-Match": "*"})


@pytest.fixture(params=["hub", "dps"])
def target(request: pytest.FixtureRequest, hub: str, dps: str) -> tuple[str, str]:
    return request.param, hub if request.param == "hub" else dps


def test_missing_certificate_is_404015_on_hub_and_dps(emulator, target) -> None:
    kind, parent = target
    response = send(emulator, "GET", f"{collection(emulator, kind, parent)}/absent?{api(kind)}")
    assert response.status_code == 404
    body = response.json()
    assert body["code"] == 404015 and body["httpStatusCode"] == "NotFound"
    assert body["message"].startswith("Certificate 'absent' not found. If you contact")
    assert body["message"].endswith("errorcode: IH404015.")


def test_etags_are_quoted_cosmos_values_and_change_on_every_write(
    emulator, target, cert_name, certs, helpers
) -> None:
    kind, parent = target
    base = collection(emulator, kind, parent)
    created = put(emulator, kind, parent, cert_name, helpers.b64(certs.ca().pem))
    code = send(
        emulator,
        "POST",
        f"{base}/{cert_name}/generateVerificationCode?{api(kind)}",
        headers={"If-Match": created["etag"]},
    ).json()
    replaced = send(
        emulator,
        "PUT",
        f"{base}/{cert_name}?{api(kind)}",
        json={"properties": {"certificate": helpers.b64(certs.ca().pem)}},
        headers={"If-Match": code["etag"]},
    ).json()
    etags = [created["etag"], code["etag"], replaced["etag"]]
    assert len(set(etags)) == 3
    for etag in etags:
        assert COSMOS_ETAG.match(decoded_etag(etag)), decoded_etag(etag)


def test_the_hub_resource_keeps_its_rowversion_etag(emulator, hub) -> None:
    path = (
        f"/subscriptions/{emulator.subscription_id}/resourceGroups/{emulator.resource_group}"
        f"/providers/Microsoft.Devices/IotHubs/{hub}?api-version={HUB_API}"
    )
    etag = send(emulator, "GET", path).json()["etag"]
    assert len(base64.b64decode(etag)) == 8  # "AAAADGxQdc4=" in the recordings


def test_pem_text_is_echoed_by_the_put_only_then_reads_back_as_der(
    emulator, hub, cert_name, certs, helpers
) -> None:
    ca = certs.ca()
    base = collection(emulator, "hub", hub)
    put_answer = put(emulator, "hub", hub, cert_name, ca.pem)
    assert put_answer["properties"]["certificate"] == ca.pem
    got = send(emulator, "GET", f"{base}/{cert_name}?{api('hub')}").json()
    listed = send(emulator, "GET", f"{base}?{api('hub')}").json()["value"]
    code = send(
        emulator,
        "POST",
        f"{base}/{cert_name}/generateVerificationCode?{api('hub')}",
        headers={"If-Match": got["etag"]},
    ).json()
    leaf = certs.verification(code["properties"]["verificationCode"], ca)
    verified = send(
        emulator,
        "POST",
        f"{base}/{cert_name}/verify?{api('hub')}",
        json={"certificate": helpers.pem(leaf)},
        headers={"If-Match": code["etag"]},
    ).json()
    der = helpers.b64(ca.der)
    assert got["properties"]["certificate"] == der
    assert [c["properties"]["certificate"] for c in listed if c["name"] == cert_name] == [der]
    assert code["properties"]["certificate"] == der
    assert verified["properties"]["certificate"] == der
    assert verified["properties"]["isVerified"] is True


@pytest.mark.parametrize("form", ["base64-pem", "base64-der"])
def test_base64_text_is_echoed_verbatim_everywhere(
    emulator, hub, cert_name, certs, helpers, form
) -> None:
    ca = certs.ca()
    content = helpers.b64(ca.pem) if form == "base64-pem" else helpers.b64(ca.der)
    base = collection(emulator, "hub", hub)
    put_answer = put(emulator, "hub", hub, cert_name, content)
    got = send(emulator, "GET", f"{base}/{cert_name}?{api('hub')}").json()
    code = send(
        emulator,
        "POST",
        f"{base}/{cert_name}/generateVerificationCode?{api('hub')}",
        headers={"If-Match": got["etag"]},
    ).json()
    echoes = [put_answer, got, code]
    assert [e["properties"]["certificate"] for e in echoes] == [content] * 3


def test_dps_returns_the_certificate_from_generate_verification_code_only(
    emulator, dps, cert_name, certs, helpers
) -> None:
    content = helpers.b64(certs.ca().pem)  # what the SDK sends for the file's bytes
    base = collection(emulator, "dps", dps)
    put_answer = put(emulator, "dps", dps, cert_name, content)
    got = send(emulator, "GET", f"{base}/{cert_name}?{api('dps')}").json()
    code = send(
        emulator,
        "POST",
        f"{base}/{cert_name}/generateVerificationCode?{api('dps')}",
        headers={"If-Match": got["etag"]},
    ).json()
    assert put_answer["properties"]["certificate"] is None
    assert got["properties"]["certificate"] is None
    assert code["properties"]["certificate"] == content


def test_created_is_the_recorded_placeholder_and_updated_is_real(
    emulator, target, cert_name, certs, helpers
) -> None:
    kind, parent = target
    answer = put(emulator, kind, parent, cert_name, helpers.b64(certs.ca().pem))
    assert answer["properties"]["created"] == UNSET_CREATED
    assert answer["properties"]["updated"].endswith(" GMT")
    assert not answer["properties"]["updated"].startswith("Mon, 01 Jan 0001")


def test_hub_api_versions_before_2021_07_02_send_a_real_created(
    emulator, hub, cert_name, certs, helpers
) -> None:
    path = f"{collection(emulator, 'hub', hub)}/{cert_name}?api-version=2020-03-01"
    response = send(emulator, "PUT", path, json={"certificate": helpers.b64(certs.ca().pem)})
    assert response.status_code == 200
    assert response.json()["properties"]["created"] != UNSET_CREATED


@pytest.mark.parametrize("kind", ["hub", "dps"])
@pytest.mark.parametrize("scope", ["subscription", "resource-group"])
def test_listings_carry_resourcegroup_and_subscriptionid(emulator, kind, scope) -> None:
    segment = "IotHubs" if kind == "hub" else "provisioningServices"
    version = HUB_API if kind == "hub" else DPS_API
    where = f"/subscriptions/{emulator.subscription_id}"
    if scope == "resource-group":
        where += f"/resourceGroups/{emulator.resource_group}"
    response = send(
        emulator, "GET", f"{where}/providers/Microsoft.Devices/{segment}?api-version={version}"
    )
    assert response.status_code == 200
    items = response.json()["value"]
    names = emulator.iot_hubs if kind == "hub" else emulator.dps
    in_group = {i["name"] for i in items if i["resourcegroup"] == emulator.resource_group}
    assert set(names) <= in_group
    for item in items:
        assert item["subscriptionid"] == emulator.subscription_id
        assert item["id"].startswith(f"/subscriptions/{emulator.subscription_id}/resourceGroups/")
        assert f"/resourceGroups/{item['resourcegroup']}/" in item["id"]
        assert item["type"] == f"Microsoft.Devices/{segment}"
