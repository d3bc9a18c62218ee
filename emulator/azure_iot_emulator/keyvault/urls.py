"""Paths of the Key Vault keys data plane, served at the root of the emulator's origin.

The vault is the origin itself, as in Azure (``https://<vault>.vault.azure.net/keys/...``):
azure-keyvault-keys parses every key id as ``<origin>/keys/<name>[/<version>]`` and rejects a
vault URL with a path, so the vault cannot live under a path prefix.
"""

from __future__ import annotations

from azure_iot_emulator.keyvault.responses import KeyVaultResponses
from azure_iot_emulator.routing import Route, param

KEY = f"/keys/{param('keyName')}"
# A missing version ("/keys/name//sign") means the latest, as the SDK sends it.
VERSION = "(?P<keyVersion>[^/]*)"


def routes(responses: KeyVaultResponses) -> list[Route]:
    """Routes named by the Key Vault spec's operationIds, prefixed ``KeyVault_``."""
    return [
        Route("POST", f"{KEY}/create", "KeyVault_CreateKey", responses.create_key),
        Route("POST", f"{KEY}/{VERSION}/sign", "KeyVault_Sign", responses.sign),
        Route("PUT", KEY, "KeyVault_ImportKey", responses.import_key),
        Route("GET", KEY, "KeyVault_GetKey", responses.get_key),
        Route("GET", f"{KEY}/{param('keyVersion')}", "KeyVault_GetKey", responses.get_key),
    ]
