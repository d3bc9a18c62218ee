"""Federated tokens as pipelines present them: which setting wins, and what a failure says."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from azure.identity import ClientAssertionCredential, ClientSecretCredential

from pop_provider.core.connection import build_credential, load_settings
from pop_provider.core.federation import (
    FederatedSource,
    _with_audience,
    assertion_function,
)
from pop_provider.failures import AuthenticationFailed, InputError

IDS = {"ARM_TENANT_ID": "tenant-1", "ARM_CLIENT_ID": "client-1"}


def settings_of(environ: dict[str, str], config: dict[str, Any] | None = None) -> Any:
    return load_settings((config or {}).get, environ)


def test_arm_use_oidc_with_a_token_signs_in_by_assertion_and_never_shows_it() -> None:
    settings = settings_of({**IDS, "ARM_USE_OIDC": "true", "ARM_OIDC_TOKEN": "eyJ.secret.jwt"})
    assert settings.federated is not None and settings.federated.setting == "ARM_OIDC_TOKEN"
    assert isinstance(build_credential(settings), ClientAssertionCredential)
    assert "eyJ.secret.jwt" not in repr(settings) + repr(settings.federated)
    assert settings.sign_in == "a federated token (token from ARM_OIDC_TOKEN)"


def test_the_sources_in_azure_natives_order_with_githubs_variables_last() -> None:
    github = {
        "ACTIONS_ID_TOKEN_REQUEST_URL": "https://github.example/token?api-version=2.0",
        "ACTIONS_ID_TOKEN_REQUEST_TOKEN": "request-secret",
    }
    oidc = {**IDS, "ARM_USE_OIDC": "true", **github}
    source = settings_of(oidc).federated
    assert source is not None and (source.kind, source.setting) == (
        "request URL",
        "ACTIONS_ID_TOKEN_REQUEST_URL",
    )
    with_file = settings_of({**oidc, "ARM_OIDC_TOKEN_FILE_PATH": "/var/run/token"}).federated
    assert with_file is not None and with_file.kind == "token file"
    from_config = settings_of(IDS, {"azure-native:useOidc": "true", "azure-native:oidcToken": "t"})
    assert from_config.federated is not None
    assert from_config.federated.setting == "azure-native:oidcToken"


def test_oidc_without_any_token_is_a_clear_error() -> None:
    with pytest.raises(InputError, match="ARM_USE_OIDC .* is on but there is no federated"):
        settings_of({**IDS, "ARM_USE_OIDC": "true"})


def test_a_workload_identity_file_needs_no_flag_but_a_secret_still_wins_without_one(
    tmp_path: Path,
) -> None:
    token = tmp_path / "token"
    token.write_text("eyJ.file.jwt\n")
    workload = {**IDS, "AZURE_FEDERATED_TOKEN_FILE": str(token)}
    assert isinstance(build_credential(settings_of(workload)), ClientAssertionCredential)
    with_secret = settings_of({**workload, "ARM_CLIENT_SECRET": "s"})
    assert isinstance(build_credential(with_secret), ClientSecretCredential)
    forced = settings_of({**workload, "ARM_CLIENT_SECRET": "s", "ARM_USE_OIDC": "1"})
    assert isinstance(build_credential(forced), ClientAssertionCredential)


def test_a_federated_token_needs_the_identitys_ids() -> None:
    settings = settings_of({"ARM_USE_OIDC": "true", "ARM_OIDC_TOKEN": "t"})
    with pytest.raises(InputError, match="needs the identity's tenant and client id"):
        build_credential(settings)


def test_a_token_file_is_read_on_every_call_and_a_missing_one_is_named(tmp_path: Path) -> None:
    path = tmp_path / "token"
    source = FederatedSource("token file", "ARM_OIDC_TOKEN_FILE_PATH", str(path))
    read = assertion_function(source)
    with pytest.raises(AuthenticationFailed, match=r"ARM_OIDC_TOKEN_FILE_PATH: cannot read"):
        read()
    path.write_text("first")
    assert read() == "first"
    path.write_text("rotated")
    assert read() == "rotated"


def test_the_request_url_gets_the_token_exchange_audience() -> None:
    url = _with_audience("https://x.example/idtoken?api-version=2.0&audience=other")
    assert (
        url == "https://x.example/idtoken?api-version=2.0&audience=api%3A%2F%2FAzureADTokenExchange"
    )
