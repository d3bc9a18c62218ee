"""What ARM's ``/metadata/endpoints`` announces for this emulator's cloud. No HTTP.

Shape [rec]: public ARM's answer as captured in pulumi/pulumi-azure-native
``provider/pkg/azure/cloud/metadata/client_test.go`` (api-version 2022-09-01: one cloud object,
with ``microsoftGraphResourceId``; 2019-05-01: a list of clouds, without it), and what the az CLI
reads of it (azure-cli ``azure/cli/core/cloud.py`` ``_arm_to_cli_mapper``: ``name``,
``authentication.loginEndpoint``, ``authentication.audiences[0]`` as the token resource,
``resourceManager``, ``microsoftGraphResourceId``, and ``suffixes``, which must be present).
Every URL is the emulator's own: it is the authority, its own URL is the ARM audience it
announces, and its Microsoft Graph (a port of its own) is Graph's URL and token resource at once,
as the az CLI uses that one value for both (role/_msgrpah/_graph_client.py ``GraphClient``).
Endpoints of services the emulator does not serve (portal, AAD Graph, batch, storage and other
suffixes) are left out, so no client is sent elsewhere.
"""

from __future__ import annotations

from typing import Any

CLOUD_NAME = "AzureIotEmulator"
# api-version -> whether the answer is a list of clouds (2019-05-01) or one cloud (2022-09-01).
API_VERSIONS: dict[str, bool] = {"2019-05-01": True, "2022-09-01": False}


def cloud_metadata(base_url: str, graph_url: str | None = None) -> dict[str, Any]:
    """The emulator's cloud, with its own URL as login endpoint, ARM audience and ARM, and
    ``graph_url`` (when given) as Microsoft Graph."""
    base = base_url.rstrip("/")
    cloud: dict[str, Any] = {
        "name": CLOUD_NAME,
        "authentication": {
            "loginEndpoint": base,
            "audiences": [f"{base}/"],
            "tenant": "common",
            "identityProvider": "AAD",
        },
        "resourceManager": f"{base}/",
        "suffixes": {},
    }
    if graph_url is not None:
        # With its trailing slash, as public ARM spells "https://graph.microsoft.com/" [rec M].
        cloud["microsoftGraphResourceId"] = graph_url.rstrip("/") + "/"
    return cloud


def metadata_answer(base_url: str, as_list: bool, graph_url: str | None = None) -> Any:
    """The answer body for an api-version: one cloud (2022-09-01, with Microsoft Graph), or the
    list of the one cloud (2019-05-01, without, as public ARM's)."""
    if as_list:
        return [cloud_metadata(base_url)]
    return cloud_metadata(base_url, graph_url)
