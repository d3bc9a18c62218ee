"""Where the provider's connection comes from: stack config, azure-native's keys, environment."""

from __future__ import annotations

from typing import Any

import pytest
from azure.identity import ClientSecretCredential, DefaultAzureCredential

from pop_provider.core.connection import (
    build_credential,
    client_kwargs,
    load_settings,
)
from pop_provider.failures import InputError


def config_of(values: dict[str, Any]) -> Any:
    return values.get


def test_public_azure_by_default() -> None:
    settings = load_settings(config_of({}), environ={})
    assert settings.arm_endpoint == "https://management.azure.com"
    assert settings.arm_scope == "https://management.azure.com/.default"
    assert settings.authority_host is None
    assert isinstance(build_credential(settings), DefaultAzureCredential)


def test_stack_config_wins_over_azure_native_keys_and_the_environment() -> None:
    environ = {"AZURE_SUBSCRIPTION_ID": "from-env", "AZURE_TENANT_ID": "tenant-env"}
    config = {"azure-native:subscriptionId": "from-azure-native", "pop:subscriptionId": "from-pop"}
    assert load_settings(config_of(config), environ).default_subscription_id == "from-pop"
    del config["pop:subscriptionId"]
    assert load_settings(config_of(config), environ).default_subscription_id == "from-azure-native"
    assert load_settings(config_of({}), environ).default_subscription_id == "from-env"
    assert (
        load_settings(config_of({}), {"ARM_SUBSCRIPTION_ID": "arm"}).default_subscription_id
        == "arm"
    )


def test_a_sovereign_cloud_from_azure_natives_environment() -> None:
    settings = load_settings(config_of({"azure-native:environment": "usgovernment"}), environ={})
    assert settings.arm_endpoint == "https://management.usgovcloudapi.net"
    assert settings.authority_host == "https://login.microsoftonline.us"
    assert client_kwargs(settings)["credential_scopes"] == [
        "https://management.usgovcloudapi.net/.default"
    ]


def test_an_unknown_cloud_is_a_clear_error() -> None:
    with pytest.raises(InputError, match="'mars' is not a cloud"):
        load_settings(config_of({"azure-native:environment": "mars"}), environ={})


def test_a_service_principal_for_a_private_authority_skips_instance_discovery() -> None:
    environ = {
        "AZURE_TENANT_ID": "tenant",
        "AZURE_CLIENT_ID": "client",
        "AZURE_CLIENT_SECRET": "a-secret-value",
        "AZURE_AUTHORITY_HOST": "https://127.0.0.1:8443",
        "POP_ARM_ENDPOINT": "https://127.0.0.1:8443/",
    }
    settings = load_settings(config_of({}), environ)
    assert settings.arm_endpoint == "https://127.0.0.1:8443"
    assert "a-secret-value" not in repr(settings)
    credential = build_credential(settings)
    assert isinstance(credential, ClientSecretCredential)
    assert credential._instance_discovery is False  # what MSAL will be told


def test_tenant_and_client_from_config_reach_every_credential_of_the_chain(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """No secret: DefaultAzureCredential, told the ids azure-native's config names (its
    workload and managed identities would otherwise read only the AZURE_* variables)."""
    built: dict[str, Any] = {}

    class Recording:
        def __init__(self, **kwargs: Any) -> None:
            built.update(kwargs)

    monkeypatch.setattr("azure.identity.DefaultAzureCredential", Recording)
    config = {"azure-native:tenantId": "tenant-1", "azure-native:clientId": "client-1"}
    build_credential(load_settings(config_of(config), environ={}))
    assert built["workload_identity_tenant_id"] == "tenant-1"
    assert built["workload_identity_client_id"] == "client-1"
    assert built["managed_identity_client_id"] == "client-1"
    assert built["shared_cache_tenant_id"] == "tenant-1"
    assert built["interactive_browser_tenant_id"] == "tenant-1"
