"""Workload identity federation through azure-identity: a GitHub Actions-style OIDC token from
the emulator buys an ARM token for the federated principal, and every refusal carries Entra's
AADSTS code."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jwt
import pytest
from azure.core import PipelineClient
from azure.core.exceptions import ClientAuthenticationError
from azure.core.rest import HttpRequest
from azure.identity import (
    ClientAssertionCredential,
    ClientSecretCredential,
    WorkloadIdentityCredential,
)
from azure.mgmt.iothub import IotHubClient
from azure.mgmt.iothub.models import CertificateDescription, CertificateProperties

from azure_iot_emulator.testing import (
    AdminClient,
    EmulatorInfo,
    client_kwargs,
    management_credential,
)

SCOPE = "https://management.azure.com/.default"
EXCHANGE = "api://AzureADTokenExchange"


def github_token(info: EmulatorInfo, request_token: str | None = None) -> tuple[int, Any]:
    """GET the announced ACTIONS_ID_TOKEN_REQUEST_URL the way a pipeline does (azure-core)."""
    assert info.federated is not None
    token = info.federated["request_token"] if request_token is None else request_token
    url = f"{info.federated['request_url']}&audience={EXCHANGE}"
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    client: PipelineClient[HttpRequest, Any] = PipelineClient(base_url=url)
    with client:
        response = client.send_request(
            HttpRequest("GET", url, headers=headers), connection_verify=info.ca_bundle
        )
        return response.status_code, json.loads(response.text())


def assertion_credential(info: EmulatorInfo, token: str) -> ClientAssertionCredential:
    assert info.federated is not None
    return ClientAssertionCredential(
        info.federated["tenant_id"],
        info.federated["client_id"],
        func=lambda: token,
        authority=info.authority_host,
        connection_verify=info.ca_bundle,
        disable_instance_discovery=True,
    )


def test_the_startup_line_announces_the_federated_sign_in(emulator: EmulatorInfo) -> None:
    assert emulator.federated == {
        "tenant_id": emulator.credentials[0]["tenant_id"],
        "client_id": "c0ffee00-0000-4000-8000-000000000004",
        "subject": "repo:contoso/fleet:environment:production",
        "request_url": f"{emulator.base_url}/_emulator/oidc/github/token?api-version=2.0",
        "request_token": "emulator-actions-request-token",
    }
    # The three secret principals stay where tests expect them.
    assert [c["client_id"][-1] for c in emulator.credentials] == ["1", "2", "3"]


def test_a_github_token_lists_the_hubs_certificates(
    emulator: EmulatorInfo, hub_client: IotHubClient, rg: str, hub: str, cert_name: str, certs
) -> None:
    hub_client.certificates.create_or_update(
        rg,
        hub,
        cert_name,
        CertificateDescription(properties=CertificateProperties(certificate=certs.ca().pem)),
    )
    status, body = github_token(emulator)
    assert status == 200 and body["count"] == 1
    credential = assertion_credential(emulator, body["value"])
    federated = IotHubClient(credential, emulator.subscription_id, **client_kwargs(emulator))
    try:
        names = [c.name for c in federated.certificates.list_by_iot_hub(rg, hub).value]
        assert cert_name in names
    finally:
        # Contributor: it may write too. (The shared hub stays under its certificate cap.)
        federated.certificates.delete(rg, hub, cert_name, "*")
    # The same access token as a secret sign-in: the principal's own oid and appid.
    claims = jwt.decode(credential.get_token(SCOPE).token, options={"verify_signature": False})
    assert claims["appid"] == "c0ffee00-0000-4000-8000-000000000004"
    assert claims["aud"] == "https://management.azure.com/"


def test_workload_identity_credential_reads_the_token_file(
    emulator: EmulatorInfo, tmp_path: Path, rg: str, hub: str
) -> None:
    assert emulator.federated is not None
    token_file = tmp_path / "azure-identity-token"
    token_file.write_text(github_token(emulator)[1]["value"])
    credential = WorkloadIdentityCredential(
        tenant_id=emulator.federated["tenant_id"],
        client_id=emulator.federated["client_id"],
        token_file_path=str(token_file),
        authority=emulator.authority_host,
        connection_verify=emulator.ca_bundle,
        disable_instance_discovery=True,
    )
    client = IotHubClient(credential, emulator.subscription_id, **client_kwargs(emulator))
    assert client.certificates.list_by_iot_hub(rg, hub).value is not None


@pytest.mark.parametrize(
    ("mint", "code"),
    [
        ({"lifetime_s": -900}, "AADSTS700024"),
        ({"subject": "repo:contoso/fleet:environment:staging"}, "AADSTS700213"),
        ({"subject": "repo:Contoso/Fleet:environment:production"}, "AADSTS7002138"),
        ({"audience": "api://SomethingElse"}, "AADSTS700212"),
        ({"issuer": "https://issuer-without-keys.example"}, "AADSTS700211"),
    ],
)
def test_each_mismatch_is_refused_with_its_aadsts_code(
    emulator: EmulatorInfo, admin: AdminClient, mint: dict[str, Any], code: str
) -> None:
    assert emulator.federated is not None
    token = admin.federated_token(**{"subject": emulator.federated["subject"], **mint})
    with pytest.raises(ClientAuthenticationError) as info:
        assertion_credential(emulator, token).get_token(SCOPE)
    assert code + ":" in str(info.value)


def test_the_federated_principal_has_no_secret(emulator: EmulatorInfo) -> None:
    assert emulator.federated is not None
    credential = ClientSecretCredential(
        emulator.federated["tenant_id"],
        emulator.federated["client_id"],
        "a-guessed-secret",
        authority=emulator.authority_host,
        disable_instance_discovery=True,
        connection_verify=emulator.ca_bundle,
    )
    with pytest.raises(ClientAuthenticationError) as info:
        credential.get_token(SCOPE)
    assert "AADSTS7000215" in str(info.value)


def test_a_secret_principal_has_no_federated_record(emulator: EmulatorInfo) -> None:
    c = emulator.credentials[0]
    credential = ClientAssertionCredential(
        c["tenant_id"],
        c["client_id"],
        func=lambda: github_token(emulator)[1]["value"],
        authority=emulator.authority_host,
        connection_verify=emulator.ca_bundle,
        disable_instance_discovery=True,
    )
    with pytest.raises(ClientAuthenticationError) as info:
        credential.get_token(SCOPE)
    assert "AADSTS700211" in str(info.value)
    # Its secret still works.
    assert management_credential(emulator).get_token(SCOPE).token


@pytest.mark.parametrize("request_token", ["wrong-request-token", ""])
def test_a_wrong_or_missing_request_token_is_refused(
    emulator: EmulatorInfo, request_token: str
) -> None:
    status, body = github_token(emulator, request_token)
    assert status == 401
    assert "request token" in body["message"] and "value" not in body
