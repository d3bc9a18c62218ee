"""IoT Hub rules: certificate name pattern, CA limit, the hub document. No HTTP."""

from __future__ import annotations

import re
from typing import Any

from azure_iot_emulator.arm.exceptions import InvalidRequestContent, InvalidResourceName
from azure_iot_emulator.devices.models import CertificatePolicy
from azure_iot_emulator.iothub.exceptions import InvalidIotHubCertificateName

# [spec] stable/2023-06-30/iothub.json, parameter certificateName.
CERTIFICATE_NAME = re.compile(r"^[A-Za-z0-9-._]{1,64}$")
# [spec] the IotHubs resourceName pattern.
HUB_NAME_PATTERN = r"^(?![0-9]+$)(?!-)[a-zA-Z0-9-]{2,49}[a-zA-Z0-9]$"
HUB_NAME = re.compile(HUB_NAME_PATTERN)
# [guess] No per-hub CA limit is documented (docs: includes/iot-hub-limits.md); 25 mirrors DPS.
DEFAULT_MAX_CERTIFICATES = 25


def check_certificate_name(name: str) -> None:
    """Enforce the spec's pattern server-side (the SDK does not) [spec; sdk]."""
    if not CERTIFICATE_NAME.fullmatch(name):
        raise InvalidIotHubCertificateName(name)


def certificate_policy(max_certificates: int = DEFAULT_MAX_CERTIFICATES) -> CertificatePolicy:
    """IoT Hub certificates: one base64 layer at most (PEM, base64 PEM, base64 DER)."""
    return CertificatePolicy(
        kind="iothub",
        max_certificates=max_certificates,
        extra_base64_layers=0,
        check_name=check_certificate_name,
    )


def check_hub_name(name: str) -> None:
    """Enforce the IotHubs resourceName pattern [spec]; error code and wording [guess]."""
    if not HUB_NAME.fullmatch(name):
        raise InvalidResourceName(name, HUB_NAME_PATTERN)


def hub_document(name: str, body: dict[str, Any]) -> dict[str, Any]:
    """The stored IotHubDescription parts; ``sku`` is required [spec: IotHubDescription]."""
    sku = body.get("sku")
    if not isinstance(sku, dict) or not isinstance(sku.get("name"), str):
        raise InvalidRequestContent("The request content was invalid: 'sku.name' is required.")
    tier = (
        "Free"
        if sku["name"].upper() == "F1"
        else ("Basic" if sku["name"].upper().startswith("B") else "Standard")
    )
    requested = body.get("properties")
    properties: dict[str, Any] = dict(requested) if isinstance(requested, dict) else {}
    properties.update(
        {
            "provisioningState": "Succeeded",
            "state": "Active",
            "hostName": f"{name}.azure-devices.net",
        }
    )
    identity = body.get("identity")
    return {
        "sku": {"name": sku["name"], "tier": tier, "capacity": int(sku.get("capacity") or 1)},
        "tags": body.get("tags") or {},
        "properties": properties,
        # A hub without a managed identity answers {"type": "None"} [rec: test_hub_wait.yaml].
        "identity": identity if isinstance(identity, dict) else {"type": "None"},
    }
