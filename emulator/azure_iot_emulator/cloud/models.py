"""What ARM's ``/metadata/endpoints`` announces for this emulator's cloud. No HTTP.

Shape [rec]: public ARM's answer as captured in pulumi/pulumi-azure-native
``provider/pkg/azure/cloud/metadata/client_test.go`` (api-version 2022-09-01: one cloud object;
2019-05-01: a list of clouds), and what the az CLI reads of it
(azure-cli ``azure/cli/core/cloud.py`` ``_arm_to_cli_mapper``: ``name``,
``authentication.loginEndpoint``, ``authentication.audiences[0]`` as the token resource,
``resourceManager``, and ``suffixes``, which must be present). Every URL is the emulator's own:
it is the authority, and its own URL is the ARM audience it announces. Endpoints of services the
emulator does not serve (portal, Graph, batch, storage and other suffixes) are left out, so no
client is sent elsewhere.
"""

from __future__ import annotations

from typing import Any

CLOUD_NAME = "AzureIotEmulator"
# api-version -> whether the answer is a list of clouds (2019-05-01) or one cloud (2022-09-01).
API_VERSIONS: dict[str, bool] = {"2019-05-01": True, "2022-09-01": False}


def cloud_metadata(base_url: str) -> dict[str, Any]:
    """The emulator's cloud, with its own URL as login endpoint, ARM audience and ARM."""
    base = base_url.rstrip("/")
    return {
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


def metadata_answer(base_url: str, as_list: bool) -> Any:
    """The answer body for an api-version: one cloud, or the list of the one cloud."""
    cloud = cloud_metadata(base_url)
    return [cloud] if as_list else cloud
