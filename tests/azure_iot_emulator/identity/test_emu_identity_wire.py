"""The token service, driven through azure-identity."""

from __future__ import annotations

import jwt
import pytest
from azure.core.exceptions import ClientAuthenticationError
from azure.identity import ClientSecretCredential, DefaultAzureCredential, EnvironmentCredential

from azure_iot_emulator.testing import AdminClient, EmulatorInfo, management_credential

SCOPE = "https://management.azure.com/.default"


def test_client_secret_credential_gets_a_signed_arm_token(emulator: EmulatorInfo) -> None:
    token = management_credential(emulator).get_token(SCOPE)
    claims = jwt.decode(token.token, options={"verify_signature": False})
    header = jwt.get_unverified_header(token.token)
    assert header["alg"] == "RS256"
    assert claims["aud"] == "https://management.azure.com/"
    assert claims["tid"] == emulator.credentials[0]["tenant_id"]
    assert claims["appid"] == emulator.credentials[0]["client_id"]


def test_bad_secret_is_aadsts7000215(emulator: EmulatorInfo) -> None:
    c = emulator.credentials[0]
    credential = ClientSecretCredential(
        c["tenant_id"],
        c["client_id"],
        "wrong",
        authority=emulator.authority_host,
        disable_instance_discovery=True,
        connection_verify=emulator.ca_bundle,
    )
    with pytest.raises(ClientAuthenticationError) as info:
        credential.get_token(SCOPE)
    assert "AADSTS7000215" in str(info.value)


def test_unknown_client_and_tenant(emulator: EmulatorInfo) -> None:
    c = emulator.credentials[0]
    unknown_client = ClientSecretCredential(
        c["tenant_id"],
        "nobody",
        "x",
        authority=emulator.authority_host,
        disable_instance_discovery=True,
        connection_verify=emulator.ca_bundle,
    )
    with pytest.raises(ClientAuthenticationError) as info:
        unknown_client.get_token(SCOPE)
    assert "AADSTS700016" in str(info.value)
    unknown_tenant = ClientSecretCredential(
        "nowhere",
        c["client_id"],
        c["client_secret"],
        authority=emulator.authority_host,
        disable_instance_discovery=True,
        connection_verify=emulator.ca_bundle,
    )
    with pytest.raises(ClientAuthenticationError):
        unknown_tenant.get_token(SCOPE)


def test_other_resource_is_refused(emulator: EmulatorInfo) -> None:
    with pytest.raises(ClientAuthenticationError) as info:
        management_credential(emulator).get_token("https://graph.microsoft.com/.default")
    assert "AADSTS500011" in str(info.value)


def test_environment_credentials_work_with_env_vars(
    emulator: EmulatorInfo, monkeypatch, admin: AdminClient
) -> None:
    c = emulator.credentials[0]
    monkeypatch.setenv("AZURE_TENANT_ID", c["tenant_id"])
    monkeypatch.setenv("AZURE_CLIENT_ID", c["client_id"])
    monkeypatch.setenv("AZURE_CLIENT_SECRET", c["client_secret"])
    monkeypatch.setenv("AZURE_AUTHORITY_HOST", emulator.authority_host)
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", emulator.ca_bundle)
    # MSAL sends instance discovery to login.microsoftonline.com for unknown hosts, so the one
    # code-side setting is disable_instance_discovery=True; everything else is environment.
    assert EnvironmentCredential(disable_instance_discovery=True).get_token(SCOPE).token
    admin.clear_requests()
    default = DefaultAzureCredential(
        disable_instance_discovery=True, exclude_managed_identity_credential=True
    )
    assert default.get_token(SCOPE).token
    operations = [r["operation"] for r in admin.requests()]
    assert "Token" in operations and "OpenIdConfiguration" in operations
