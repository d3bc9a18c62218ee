"""Workload identity federation: a pipeline's OIDC token in exchange for an Azure token.

The settings are azure-native's and azurerm's (`ARM_USE_OIDC` with `ARM_OIDC_TOKEN`,
`ARM_OIDC_TOKEN_FILE_PATH`, or `ARM_OIDC_REQUEST_TOKEN` + `ARM_OIDC_REQUEST_URL`, which default to
GitHub Actions' own `ACTIONS_ID_TOKEN_REQUEST_TOKEN` / `_URL`), plus `AZURE_FEDERATED_TOKEN_FILE`
(Kubernetes workload identity). Each source is a function azure-identity's
`ClientAssertionCredential` calls whenever it needs a new Azure token, so a short-lived OIDC token
is fetched again rather than reused past its expiry. No secret is configured anywhere.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlparse, urlunparse

from pop_provider.core import messages
from pop_provider.failures import AuthenticationFailed

# The audience Entra ID expects in a federated assertion for public Azure.
TOKEN_EXCHANGE_AUDIENCE = "api://AzureADTokenExchange"


@dataclass(frozen=True)
class FederatedSource:
    """Where the pipeline's OIDC token comes from; the secret parts are not in repr."""

    kind: str  # "token", "token file", "request URL", "workload identity file"
    setting: str  # the variable or config key that named it, for messages
    value: str  # the token, a file path, or the request URL
    request_token: str | None = None

    def __repr__(self) -> str:
        shown = self.value if "file" in self.kind else "***"
        return f"FederatedSource({self.kind!r}, {self.setting!r}, {shown!r})"


def assertion_function(
    source: FederatedSource, connection_verify: str | bool = True
) -> Callable[[], str]:
    """The function that returns a current OIDC token from `source`."""
    if source.kind == "token":
        return lambda: source.value
    if source.kind in ("token file", "workload identity file"):
        return lambda: _read_token_file(source)
    return lambda: _request_token(source, connection_verify)


def _read_token_file(source: FederatedSource) -> str:
    """Read on every call: the platform rotates the file's token."""
    path = Path(source.value)
    try:
        token = path.read_text().strip()
    except OSError as error:
        raise AuthenticationFailed(
            messages.token_file_unreadable(source, path, error.strerror)
        ) from None
    if not token:
        raise AuthenticationFailed(messages.token_file_empty(source, path))
    return token


def _request_token(source: FederatedSource, connection_verify: str | bool) -> str:
    """GitHub Actions' token service: GET the request URL with the audience, bearer the request
    token; the answer is `{"value": "<jwt>"}`."""
    from azure.core import PipelineClient
    from azure.core.exceptions import AzureError
    from azure.core.rest import HttpRequest

    url = _with_audience(source.value)
    request = HttpRequest(
        "GET",
        url,
        headers={"Authorization": f"Bearer {source.request_token}", "Accept": "application/json"},
    )
    try:
        client: PipelineClient[HttpRequest, Any] = PipelineClient(base_url=url)
        with client:
            response = client.send_request(request, connection_verify=connection_verify)
            status, body = response.status_code, response.text()
    except AzureError as error:
        raise AuthenticationFailed(
            messages.token_request_failed(source, _origin(url), error)
        ) from None
    if status != 200:
        raise AuthenticationFailed(messages.token_request_refused(source, _origin(url), status))
    try:
        token = json.loads(body)["value"]
    except (ValueError, KeyError, TypeError):
        raise AuthenticationFailed(messages.token_answer_empty(source, _origin(url))) from None
    return str(token)


def _with_audience(url: str) -> str:
    parts = urlparse(url)
    query = [(k, v) for k, v in parse_qsl(parts.query) if k != "audience"]
    query.append(("audience", TOKEN_EXCHANGE_AUDIENCE))
    return urlunparse(parts._replace(query=urlencode(query)))


def _origin(url: str) -> str:
    """Scheme and host only: the request URL's path and query can carry run identifiers."""
    parts = urlparse(url)
    return f"{parts.scheme}://{parts.netloc}"
