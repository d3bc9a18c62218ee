"""Authenticated management clients, one per subscription, shared by the provider's threads.

Built lazily in the provider process from `ConnectionSettings`; the credential caches its token,
so four concurrent calls cost one token request, not four. The certificates API of a target is
built once too: the multi-API clients make a new operations group, with its own serializers,
on every attribute access, which every verb of every resource would otherwise pay for.
"""

from __future__ import annotations

import threading
from typing import Any

from azure.core.credentials import TokenCredential

from pop_provider.core.connection import ConnectionSettings, build_credential, client_kwargs
from pop_provider.core.dps_certificates import DpsCertificates
from pop_provider.core.hub_certificates import HubCertificates
from pop_provider.core.remote import CertificateApi, RunListing
from pop_provider.core.target import Target, TargetKind


class ClientFactory:
    """Hands out the certificates API of a target; thread-safe."""

    def __init__(self, settings: ConnectionSettings) -> None:
        self._settings = settings
        self._lock = threading.Lock()
        self._credential: TokenCredential | None = None
        self._hub_clients: dict[str, Any] = {}
        self._dps_clients: dict[str, Any] = {}
        self._listings: dict[str, RunListing] = {}
        self._apis: dict[str, CertificateApi] = {}

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

        key = target.arm_id.lower()
        with self._lock:
            known = self._apis.get(key)
            if known is not None:
                return known
            listing = self._listings.setdefault(key, RunListing())
        subscription = target.subscription_id
        api: CertificateApi
        if target.kind is TargetKind.IOT_HUB:
            client = self._client(self._hub_clients, IotHubClient, subscription)
            api = HubCertificates(client, target, listing)
        else:
            client = self._client(self._dps_clients, IotDpsClient, subscription)
            api = DpsCertificates(client, target, listing)
        with self._lock:
            # Two threads may have built one at once: both share the first one kept.
            return self._apis.setdefault(key, api)
