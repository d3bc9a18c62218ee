"""Settings and clients of one provider process, whichever face serves it.

Built from the provider's configuration and the environment, in the provider process only, and
never serialized: credentials and clients never reach a state or a pickled provider.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable
from typing import Any
from urllib.parse import urlparse

from pop_provider.core.connection import ConnectionSettings, load_settings
from pop_provider.core.inputs import KeyVaultKey
from pop_provider.core.signers import ProofSigner


def settings_from(
    config: Callable[[str], Any] | None = None, namespace: str = "azure-native"
) -> ConnectionSettings:
    """The connection settings; a bad one raises InputError, one failure naming the setting."""
    if config is None:
        return load_settings(namespace=namespace)
    return load_settings(config, namespace=namespace)


class Runtime:
    """Settings and clients of one provider process; built lazily, shared by its threads."""

    def __init__(self, settings: ConnectionSettings) -> None:
        # Imported here: only the provider process talks to Azure, not the program.
        from pop_provider.core.azure_clients import ClientFactory

        self.settings = settings
        self.clients = ClientFactory(settings)

    def key_vault_signer(self, key: KeyVaultKey) -> ProofSigner:
        """A signer for a CA key in Key Vault, with this run's credential and trust."""
        from pop_provider.core.keyvault_signer import KeyVaultSigner

        kwargs: dict[str, Any] = {}
        if self.settings.ca_bundle:
            kwargs["connection_verify"] = self.settings.ca_bundle
        if _is_loopback(key.vault_url):
            # The client only sends a token to a challenge whose resource is a parent domain
            # of the vault host (*.vault.azure.net); a vault on this machine (the emulator)
            # has no such name. The token goes back to the process that issued it.
            kwargs["verify_challenge_resource"] = False
        return KeyVaultSigner(
            key.vault_url, key.key_name, key.key_version, self.clients.credential(), **kwargs
        )


def _is_loopback(url: str) -> bool:
    host = urlparse(url).hostname or ""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
