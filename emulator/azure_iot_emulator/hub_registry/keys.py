"""A hub's shared-access policies: the five every hub starts with, and their keys.

[doc: articles/iot-hub/authenticate-authorize-sas.md] a hub is created with ``iothubowner`` (all
permissions), ``service`` (ServiceConnect), ``device`` (DeviceConnect), ``registryRead``
(RegistryRead) and ``registryReadWrite`` (RegistryRead, RegistryWrite); the rights strings use the
ARM enum's words and comma list [spec: iothub.json ``AccessRights``]; ``iothubowner``'s as
``RegistryWrite, ServiceConnect, DeviceConnect`` **[guess]** (the enum's widest value). A hub PUT
that declares ``properties.authorizationPolicies`` gets those instead [spec].

Keys are derived as a DPS's are (dps/models.py ``SasKeys``), under a secret of their own.
"""

from __future__ import annotations

from typing import Any

from azure_iot_emulator.dps.models import SasKeys, declared_policies
from azure_iot_emulator.store import Store

OWNER_POLICY = "iothubowner"
DEFAULT_POLICIES: tuple[tuple[str, tuple[str, ...]], ...] = (
    (OWNER_POLICY, ("RegistryWrite", "ServiceConnect", "DeviceConnect")),
    ("service", ("ServiceConnect",)),
    ("device", ("DeviceConnect",)),
    ("registryRead", ("RegistryRead",)),
    ("registryReadWrite", ("RegistryRead", "RegistryWrite")),
)
META_KEY = "iothub_sas_secret"


def hub_policy_declarations(document: dict[str, Any]) -> list[tuple[str, tuple[str, ...]]]:
    """(keyName, rights) of a hub's policies: those its PUT declared, else the five defaults."""
    return declared_policies(document) or list(DEFAULT_POLICIES)


def hub_keys(store: Store) -> SasKeys:
    """The keys of every hub's policies, kept across restarts (one secret in ``meta``)."""
    return SasKeys(store, META_KEY, hub_policy_declarations)
