"""The DPS service API (enrollment groups), reached as a client reaches it: the endpoint read
from the ARM DPS resource (`properties.serviceOperationsHostName`, one GET per DPS per run),
Microsoft's `azure-iot-deviceprovisioning` client on it, TLS verified with the configured CA
bundle, and the same azure-identity credential as ARM with the DPS service's scope. A DPS
policy's shared-access key (ARM `listKeys`) is used only when the user names the policy
(`pop:dpsSharedAccessPolicy`).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from azure.core.credentials import AccessToken, AzureNamedKeyCredential, TokenCredential
from azure.core.exceptions import HttpResponseError

from pop_provider.core import messages
from pop_provider.core.azure_answers import mapped
from pop_provider.core.azure_calls import call_azure
from pop_provider.core.connection import ConnectionSettings, client_kwargs, transport_kwargs
from pop_provider.core.enrollment.answers import GroupNotFound, service_mapped
from pop_provider.core.target import Target
from pop_provider.failures import InputError, TargetNotFound

T = TypeVar("T")
# The scope azure-iot-deviceprovisioning asks for, whatever it is told (public Azure's).
_CLIENT_SCOPE = "https://azure-devices-provisioning.net/.default"


@dataclass(frozen=True)
class DpsFacts:
    """What ARM says of a DPS that the group needs: its service API host and linked hubs."""

    service_host: str
    # Host names of the linked hubs, lower case (`name`, or the `HostName` of the connection
    # string, as DPS reads them).
    linked_hubs: frozenset[str]


class GroupApi:
    """The enrollment groups of one DPS, through Microsoft's client; answers mapped."""

    def __init__(self, client: Any, target: Target, policy: str | None = None) -> None:
        self._groups = client.enrollment_group
        self.target = target
        # The shared-access policy signing the calls (pop:dpsSharedAccessPolicy), if any: a
        # refusal then names its rights, not the data role.
        self._policy = policy

    def get(self, group_id: str) -> dict[str, Any] | None:
        """The group as the DPS holds it, or None when there is none."""
        try:
            found: dict[str, Any] = self._call(
                "enrollment_group_get", lambda: self._groups.get(group_id)
            )
        except GroupNotFound:
            return None
        return found

    def create(self, group_id: str, body: dict[str, Any]) -> dict[str, Any]:
        """PUT without If-Match (the caller has seen the id free)."""
        return self._call(
            "enrollment_group_create", lambda: self._groups.create_or_update(group_id, body)
        )

    def update(self, group_id: str, body: dict[str, Any], etag: str) -> dict[str, Any]:
        """PUT with If-Match: GroupEtagStale when the group changed since `etag`."""
        return self._call(
            "enrollment_group_update",
            lambda: self._groups.create_or_update(group_id, body, if_match=etag or None),
        )

    def delete(self, group_id: str, etag: str) -> bool:
        """DELETE with If-Match; False when the group was already gone."""
        try:
            self._call(
                "enrollment_group_delete",
                lambda: self._groups.delete(group_id, if_match=etag or None),
            )
        except GroupNotFound:
            return False
        return True

    def _call(self, operation: str, call: Callable[[], T]) -> T:
        try:
            return call()
        except HttpResponseError as error:
            if error.response is None:  # no answer: pop_provider.core.explain says why
                raise
            raise service_mapped(error, self.target, operation, self._policy) from None


class DpsServices:
    """Hands out the enrollment groups of a DPS; thread-safe, one per provider process."""

    def __init__(
        self, settings: ConnectionSettings, credential: Callable[[], TokenCredential]
    ) -> None:
        self._settings = settings
        self._credential = credential
        self._lock = threading.Lock()
        self._arm: dict[str, Any] = {}
        self._facts: dict[str, DpsFacts] = {}
        self._apis: dict[str, GroupApi] = {}

    def facts(self, target: Target) -> DpsFacts:
        """The DPS's service host and linked hubs: one ARM GET per DPS per run."""
        key = target.arm_id.lower()
        with self._lock:
            known = self._facts.get(key)
        if known is not None:
            return known
        arm = self._arm_client(target.subscription_id)
        dps = call_azure(
            target, "dps_get", lambda: arm.iot_dps_resource.get(target.name, target.resource_group)
        )
        props = dps.properties
        host = props.service_operations_host_name if props is not None else None
        if not host:
            raise TargetNotFound(messages.dps_no_service_host(target))
        facts = DpsFacts(host, frozenset(_linked_hubs(props)))
        with self._lock:
            return self._facts.setdefault(key, facts)

    def groups(self, target: Target) -> GroupApi:
        """The enrollment groups of `target` (a DPS); the client is built once per DPS."""
        key = target.arm_id.lower()
        with self._lock:
            known = self._apis.get(key)
        if known is not None:
            return known
        from azure.iot.deviceprovisioning import DeviceProvisioningClient

        host = self.facts(target).service_host
        endpoint = host if host.lower().startswith("https://") else f"https://{host}"
        kwargs = transport_kwargs(self._settings)
        # azure-iot-deviceprovisioning 1.0.0b1 builds its own RetryPolicy from the keywords and
        # ignores `retry_policy` [sdk: _patch.py `_create_pipeline`]: ours (refusals final, one
        # budget) goes in as its one additional policy, next to the transport, and the built-in
        # one is told not to retry.
        ours = kwargs.pop("retry_policy")
        client = DeviceProvisioningClient(
            endpoint,
            self._service_credential(target),
            retry_total=0,
            _additional_pipeline_policies=ours,
            **kwargs,
        )
        with self._lock:
            api = GroupApi(client, target, self._settings.dps_shared_access_policy)
            return self._apis.setdefault(key, api)

    def _service_credential(self, target: Target) -> Any:
        policy = self._settings.dps_shared_access_policy
        if not policy:
            credential = self._credential()
            if self._settings.dps_scope == _CLIENT_SCOPE:
                return credential
            return _Scoped(credential, self._settings.dps_scope)
        arm = self._arm_client(target.subscription_id)
        try:
            keys = arm.iot_dps_resource.list_keys_for_key_name(
                target.name, policy, target.resource_group
            )
        except HttpResponseError as error:
            if error.response is None:
                raise
            if error.status_code == 404:
                raise InputError(
                    messages.unknown_shared_access_policy(policy, target, str(error.message))
                ) from None
            raise mapped(error, target, "list_keys_for_key_name", verifying=False) from None
        return AzureNamedKeyCredential(keys.key_name or policy, keys.primary_key)

    def _arm_client(self, subscription_id: str) -> Any:
        from azure.mgmt.iothubprovisioningservices import IotDpsClient

        with self._lock:
            client = self._arm.get(subscription_id)
            if client is None:
                client = IotDpsClient(
                    self._credential(), subscription_id, **client_kwargs(self._settings)
                )
                self._arm[subscription_id] = client
            return client


class _Scoped:
    """The shared credential, asked for this cloud's DPS scope whatever scope the client asks
    for (azure-iot-deviceprovisioning asks for public Azure's)."""

    def __init__(self, inner: TokenCredential, scope: str) -> None:
        self._inner = inner
        self._scope = scope

    def get_token(self, *_scopes: str, **kwargs: Any) -> AccessToken:
        return self._inner.get_token(self._scope, **kwargs)


def _linked_hubs(props: Any) -> set[str]:
    hubs: set[str] = set()
    for hub in getattr(props, "iot_hubs", None) or []:
        if getattr(hub, "name", None):
            hubs.add(str(hub.name).lower())
        for part in str(getattr(hub, "connection_string", "") or "").split(";"):
            key, _, value = part.partition("=")
            if key.strip().lower() == "hostname" and value:
                hubs.add(value.strip().lower())
    return hubs
