"""DPS rules: certificate name length, the documented 25-CA limit, the DPS document. No HTTP."""

from __future__ import annotations

import hashlib
from typing import Any

from azure_iot_emulator.arm.exceptions import InvalidRequestContent
from azure_iot_emulator.devices.models import CertificatePolicy
from azure_iot_emulator.dps.exceptions import InvalidDpsCertificateName

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
    """The stored ProvisioningServiceDescription parts; ``sku`` required [spec]."""
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
