"""Authenticated management clients, one per subscription, shared by the provider's threads.

Built lazily in the provider process from `ConnectionSettings`; the credential caches its token,
so four concurrent calls cost one token request, not four.
"""

from __future__ import annotations

import threading
from typing import Any

from azure.core.credentials import TokenCredential

from pop_provider.connection import ConnectionSettings, build_credential, client_kwargs
from pop_provider.dps_certificates import DpsCertificates
from pop_provider.hub_certificates import HubCertificates
from pop_provider.remote import CertificateApi, RunListing
from pop_provider.target import Target, TargetKind


class ClientFactory:
    """Hands out the certificates API of a target; thread-safe."""

    def __init__(self, settings: ConnectionSettings) -> None:
        self._settings = settings
        self._lock = threading.Lock()
        self._credential: TokenCredential | None = None
        self._hub_clients: dict[str, Any] = {}
        self._dps_clients: dict[str, Any] = {}
        self._listings: dict[str, RunListing] = {}

    def _credential_locked(self) -> TokenCredential:
        if self._credential is None:
            credential = build_credential(self._settings)
            # Fetched once here, under the lock: the four threads of the provider host would
            # otherwise all miss the empty cache at once and each ask for a token.
            credential.get_token(self._settings.arm_scope)
            self._credential = credential
        return self._credential

    def _client(self, cache: dict[str, Any], client_class: Any, subscription_id: str) -> Any:
        with self._lock:
            client = cache.get(subscription_id)
            if client is None:
                client = client_class(
                    self._credential_locked(), subscription_id, **client_kwargs(self._settings)
                )
                cache[subscription_id] = client
            return client

    def credential(self) -> TokenCredential:
        """The shared credential, for other Azure services (Key Vault) in the same run."""
        with self._lock:
            return self._credential_locked()

    def certificates(self, target: Target) -> CertificateApi:
        """The certificates collection of one IoT hub or DPS instance."""
        from azure.mgmt.iothub import IotHubClient
        from azure.mgmt.iothubprovisioningservices import IotDpsClient

        subscription = target.subscription_id
        with self._lock:
            listing = self._listings.setdefault(target.arm_id.lower(), RunListing())
        if target.kind is TargetKind.IOT_HUB:
            client = self._client(self._hub_clients, IotHubClient, subscription)
            return HubCertificates(client, target, listing)
        client = self._client(self._dps_clients, IotDpsClient, subscription)
        return DpsCertificates(client, target, listing)
