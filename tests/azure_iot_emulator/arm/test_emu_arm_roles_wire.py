"""Custom roles over the wire, through Microsoft's own clients: each certificate operation checks
its own action at the request's scope, and a denial is ARM's AuthorizationFailed naming both."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from azure.core import MatchConditions
from azure.core.exceptions import HttpResponseError
from azure.mgmt.iothub import IotHubClient
from azure.mgmt.iothub.models import (
    CertificateDescription,
    CertificateProperties,
    CertificateVerificationDescription,
)
from azure.mgmt.iothubprovisioningservices import IotDpsClient
from azure.mgmt.iothubprovisioningservices.models import (
    CertificateProperties as DpsCertificateProperties,
)
from azure.mgmt.iothubprovisioningservices.models import (
    CertificateResponse,
    VerificationCodeRequest,
)
from cryptography.hazmat.primitives import serialization

from azure_iot_emulator.seed import (
    DEFAULT_RESOURCE_GROUP,
    DEFAULT_SUBSCRIPTION,
    default_seed_document,
)
from azure_iot_emulator.testing import (
    EmulatorInfo,
    EmulatorProcess,
    client_kwargs,
    management_credential,
)

RG_ID = f"/subscriptions/{DEFAULT_SUBSCRIPTION}/resourceGroups/{DEFAULT_RESOURCE_GROUP}"
HUB_ID = f"{RG_ID}/providers/Microsoft.Devices/IotHubs/hub-pop-demo"
READER_OBJECT = "0b1ec700-0000-4000-8000-0000000000b1"
NO_VERIFY_OBJECT = "0b1ec700-0000-4000-8000-0000000000b2"
IF_NOT_MODIFIED = MatchConditions.IfNotModified


def principal(tenant: str, n: int, object_id: str, role: str, scope: str) -> dict[str, Any]:
    return {
        "tenant_id": tenant,
        "client_id": f"c0ffee00-0000-4000-8000-0000000000b{n}",
        "client_secret": f"roles-wire-secret-{n}",
        "object_id": object_id,
        "role_assignments": [{"role": role, "scope": scope}],
    }


@pytest.fixture(scope="module")
def roles_emulator(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmulatorInfo]:
    """The default seed plus two custom roles: reading one hub's certificates (at that hub), and
    every certificate action of Microsoft.Devices but verify (at the resource group)."""
    document = default_seed_document()
    tenant = document["tenants"][0]["tenant_id"]
    document["role_definitions"] = [
        {
            "Name": "Hub certificate reader",
            "Actions": ["Microsoft.Devices/IotHubs/certificates/Read"],
        },
        {
            "name": "All but verify",
            "actions": ["Microsoft.Devices/*/certificates/*"],
            "notActions": ["*/verify/Action"],
            "assignableScopes": [RG_ID],
        },
    ]
    document["service_principals"] += [
        principal(tenant, 1, READER_OBJECT, "Hub certificate reader", HUB_ID),
        principal(tenant, 2, NO_VERIFY_OBJECT, "All but verify", RG_ID),
    ]
    directory = tmp_path_factory.mktemp("roles")
    seed = directory / "seed.json"
    seed.write_text(json.dumps(document))
    with EmulatorProcess(directory / "state", seed=seed) as process:
        yield process.info


def credential_of(info: EmulatorInfo, n: int) -> Any:
    """The credential of the n-th principal :func:`principal` made."""
    client_id = f"c0ffee00-0000-4000-8000-0000000000b{n}"
    index = next(i for i, c in enumerate(info.credentials) if c["client_id"] == client_id)
    return management_credential(info, index)


def hub_client(info: EmulatorInfo, n: int) -> IotHubClient:
    return IotHubClient(credential_of(info, n), info.subscription_id, **client_kwargs(info))


def dps_client(info: EmulatorInfo, n: int) -> IotDpsClient:
    return IotDpsClient(credential_of(info, n), info.subscription_id, **client_kwargs(info))


def denial(error: HttpResponseError) -> str:
    """The message of ARM's 403 AuthorizationFailed."""
    assert error.status_code == 403
    response: Any = error.response
    body = response.json()["error"]
    assert body["code"] == "AuthorizationFailed"
    message: str = body["message"]
    return message


def test_a_role_at_one_hub_reads_that_hub_only(roles_emulator: EmulatorInfo, certs: Any) -> None:
    info, rg = roles_emulator, DEFAULT_RESOURCE_GROUP
    reader = hub_client(info, 1)
    assert reader.certificates.list_by_iot_hub(rg, "hub-pop-demo").value == []
    with pytest.raises(HttpResponseError) as other_hub:
        reader.certificates.list_by_iot_hub(rg, "hub-pop-demo-2")
    assert denial(other_hub.value) == (
        f"The client '{READER_OBJECT}' with object id '{READER_OBJECT}' does not have "
        "authorization to perform action 'Microsoft.Devices/IotHubs/certificates/read' over "
        f"scope '{RG_ID}/providers/Microsoft.Devices/IotHubs/hub-pop-demo-2/certificates' or the "
        "scope is invalid. If access was recently granted, please refresh your credentials."
    )
    body = CertificateDescription(properties=CertificateProperties(certificate=certs.ca().pem))
    with pytest.raises(HttpResponseError) as write:
        reader.certificates.create_or_update(rg, "hub-pop-demo", "not-mine", body)
    assert "perform action 'Microsoft.Devices/IotHubs/certificates/write' over scope " in denial(
        write.value
    )
    with pytest.raises(HttpResponseError) as dps:
        dps_client(info, 1).dps_certificate.list(rg, "dps-pop-demo")
    assert "'Microsoft.Devices/provisioningServices/certificates/read'" in denial(dps.value)


def test_wildcards_and_not_actions_at_a_resource_group(
    roles_emulator: EmulatorInfo, certs: Any
) -> None:
    info, rg = roles_emulator, DEFAULT_RESOURCE_GROUP
    hubs = hub_client(info, 2).certificates
    ca = certs.ca()
    body = CertificateDescription(properties=CertificateProperties(certificate=ca.pem))
    uploaded = hubs.create_or_update(rg, "hub-pop-demo-2", "almost", body)
    code = hubs.generate_verification_code(rg, "hub-pop-demo-2", "almost", if_match=uploaded.etag)
    leaf = certs.verification(code.properties.verification_code, ca)
    proof = CertificateVerificationDescription(
        certificate=leaf.public_bytes(serialization.Encoding.PEM).decode()
    )
    with pytest.raises(HttpResponseError) as verify:
        hubs.verify(
            rg, "hub-pop-demo-2", "almost", if_match=code.etag, certificate_verification_body=proof
        )
    assert (
        "perform action 'Microsoft.Devices/IotHubs/certificates/verify/action' over scope "
        f"'{RG_ID}/providers/Microsoft.Devices/IotHubs/hub-pop-demo-2/certificates/almost' "
    ) in denial(verify.value)
    assert hubs.get(rg, "hub-pop-demo-2", "almost").properties.is_verified is False
    hubs.delete(rg, "hub-pop-demo-2", "almost", if_match=code.etag)

    dps = dps_client(info, 2).dps_certificate
    put = dps.create_or_update(
        rg,
        "dps-pop-demo",
        "almost",
        CertificateResponse(properties=DpsCertificateProperties(certificate=ca.pem.encode())),
    )
    assert put.etag is not None
    nonce = dps.generate_verification_code(
        "almost", rg, "dps-pop-demo", etag=put.etag, match_condition=IF_NOT_MODIFIED
    )
    assert nonce.etag is not None
    with pytest.raises(HttpResponseError) as dps_verify:
        dps.verify_certificate(
            "almost",
            rg,
            "dps-pop-demo",
            VerificationCodeRequest(certificate=proof.certificate),
            etag=nonce.etag,
            match_condition=IF_NOT_MODIFIED,
        )
    assert "'Microsoft.Devices/provisioningServices/certificates/verify/action'" in denial(
        dps_verify.value
    )
    dps.delete(rg, "dps-pop-demo", "almost", etag=nonce.etag, match_condition=IF_NOT_MODIFIED)

    # The resource group is the scope: a hub in another group is out of reach.
    with pytest.raises(HttpResponseError) as elsewhere:
        hubs.list_by_iot_hub("rg-pop-other", "hub-pop-other")
    assert "over scope '/subscriptions/" in denial(elsewhere.value)
