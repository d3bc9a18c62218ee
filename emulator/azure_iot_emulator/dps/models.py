"""DPS rules: certificate name length, the documented 25-CA limit, the DPS document. No HTTP."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from azure_iot_emulator.arm.exceptions import InvalidRequestContent
from azure_iot_emulator.devices.models import CertificatePolicy
from azure_iot_emulator.dps.exceptions import InvalidDpsCertificateName
from azure_iot_emulator.store import Store

# [doc] "Maximum number of CAs | 25" (docs: includes/iot-dps-limits.md).
DEFAULT_MAX_CERTIFICATES = 25
MAX_NAME_LENGTH = 256  # [spec] stable/2022-12-12/iotdps.json certificateName maxLength
# DPS SDK 2.1.0 base64-encodes ``bytes``; the az CLI adds its own layer on top [sdk; reference 3.4].
EXTRA_BASE64_LAYERS = 3


def check_certificate_name(name: str) -> None:
    """1..256 characters, no pattern [spec]."""
    if not 1 <= len(name) <= MAX_NAME_LENGTH:
        raise InvalidDpsCertificateName(name)


def certificate_policy(max_certificates: int = DEFAULT_MAX_CERTIFICATES) -> CertificatePolicy:
    """DPS certificates: peel base64 layers until PEM or DER [guess: the order no source states]."""
    return CertificatePolicy(
        kind="dps",
        max_certificates=max_certificates,
        extra_base64_layers=EXTRA_BASE64_LAYERS,
        check_name=check_certificate_name,
    )


def dps_document(name: str, body: dict[str, Any]) -> dict[str, Any]:
    """The stored ProvisioningServiceDescription parts; ``sku`` required [spec]. The host names
    are Azure's [rec: Azure/azure-powershell @ 21314feee9f22641f4cbd1a55d1914abfedff758,
    IotDpsAccessPolicyLifeCycle.json]; ARM answers them as ports (responses.py)."""
    sku = body.get("sku")
    if not isinstance(sku, dict) or not isinstance(sku.get("name"), str):
        raise InvalidRequestContent("The request content was invalid: 'sku.name' is required.")
    requested = body.get("properties")
    properties: dict[str, Any] = dict(requested) if isinstance(requested, dict) else {}
    id_scope = "0ne" + hashlib.sha256(name.lower().encode()).hexdigest()[:8].upper()
    properties.update(
        {
            "state": "Active",
            "provisioningState": "Succeeded",
            "serviceOperationsHostName": f"{name}.azure-devices-provisioning.net",
            "deviceProvisioningHostName": "global.azure-devices-provisioning.net",
            "idScope": properties.get("idScope") or id_scope,
        }
    )
    properties.setdefault("allocationPolicy", "Hashed")
    properties.setdefault("iotHubs", [])
    return {
        "sku": {"name": sku["name"], "tier": "Standard", "capacity": int(sku.get("capacity") or 1)},
        "tags": body.get("tags") or {},
        "properties": properties,
    }


# The policy every DPS starts with [doc: how-to-control-access.md, "provisioningserviceowner",
# "Policy with all permissions"] and its rights, in the order Azure lists them [rec:
# Azure/azure-powershell @ 21314feee9f22641f4cbd1a55d1914abfedff758, DeviceProvisioningServices.Test
# SessionRecords IotDpsAccessPolicyLifeCycle.json, ARM listkeys api 2017-11-15; its script
# IotDpsAccessPolicyTests.ps1 expects "ServiceConfig, DeviceConnect, EnrollmentWrite"]. No
# EnrollmentRead: "all permissions" means EnrollmentWrite reads too (dps_service/auth.py).
# Rights are a comma-separated string, as the az CLI writes them.
OWNER_POLICY = "provisioningserviceowner"
OWNER_RIGHTS = "ServiceConfig, EnrollmentWrite, DeviceConnect"


@dataclass(frozen=True)
class SasPolicy:
    """A shared-access policy of a DPS with its two keys (base64)."""

    key_name: str
    rights: tuple[str, ...]
    primary_key: str
    secondary_key: str

    def wire(self) -> dict[str, Any]:
        """``SharedAccessSignatureAuthorizationRuleAccessRightsDescription`` [spec]."""
        return {
            "keyName": self.key_name,
            "primaryKey": self.primary_key,
            "secondaryKey": self.secondary_key,
            "rights": ", ".join(self.rights),
        }


def policy_declarations(document: dict[str, Any]) -> list[tuple[str, tuple[str, ...]]]:
    """(keyName, rights) of the DPS's policies: those its PUT declared in
    ``properties.authorizationPolicies``, else the owner policy."""
    return declared_policies(document) or [
        (OWNER_POLICY, tuple(r.strip() for r in OWNER_RIGHTS.split(",")))
    ]


def declared_policies(document: dict[str, Any]) -> list[tuple[str, tuple[str, ...]]]:
    """(keyName, rights) of the policies a resource's PUT declared in
    ``properties.authorizationPolicies`` (hubs and DPS alike [spec]); empty when none."""
    declared = document.get("properties", {}).get("authorizationPolicies")
    result: list[tuple[str, tuple[str, ...]]] = []
    for policy in declared if isinstance(declared, list) else []:
        if isinstance(policy, dict) and isinstance(policy.get("keyName"), str):
            rights = str(policy.get("rights") or "")
            result.append(
                (policy["keyName"], tuple(r.strip() for r in rights.split(",") if r.strip()))
            )
    return result


class SasKeys:
    """The keys of every DPS policy, derived from one random secret kept in the state database.

    Derived, not stored in the DPS document: the ARM document a client reads and PUTs back
    never carries them, a PUT cannot rotate them by accident, and a restart keeps them. Unlike
    Azure, a DPS deleted and created again under its name gets the same keys.

    Hubs' policies use the same derivation under their own secret and defaults
    (hub_registry/keys.py): ``meta_key`` names the secret, ``declarations`` reads a resource's
    policies from its document.
    """

    META_KEY = "dps_sas_secret"

    def __init__(
        self,
        store: Store,
        meta_key: str = META_KEY,
        declarations: Callable[
            [dict[str, Any]], list[tuple[str, tuple[str, ...]]]
        ] = policy_declarations,
    ) -> None:
        self._declarations = declarations
        with store.write() as conn:
            conn.execute(
                "INSERT OR IGNORE INTO meta(key, value) VALUES (?, ?)",
                (meta_key, secrets.token_hex(32)),
            )
            row = conn.execute("SELECT value FROM meta WHERE key = ?", (meta_key,)).fetchone()
        self._secret = bytes.fromhex(row["value"])

    def _key(self, dps_name: str, key_name: str, slot: str) -> str:
        message = f"{dps_name.lower()}/{key_name.lower()}/{slot}".encode()
        return base64.b64encode(hmac.new(self._secret, message, hashlib.sha256).digest()).decode()

    def policies(self, dps_name: str, document: dict[str, Any]) -> list[SasPolicy]:
        """Every policy of the DPS (or hub), with its keys."""
        return [
            SasPolicy(
                name,
                rights,
                self._key(dps_name, name, "primary"),
                self._key(dps_name, name, "secondary"),
            )
            for name, rights in self._declarations(document)
        ]
