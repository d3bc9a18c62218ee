"""The DPS wire: provisioning services and their certificates (api-version 2026-11-01 etc.)."""

from __future__ import annotations

from typing import Any

from azure_iot_emulator.arm.apiversions import DPS_LAST_FLAT_BODY_VERSION, DPS_VERSIONS
from azure_iot_emulator.arm.models import ArmBackend
from azure_iot_emulator.arm.pipeline import DPS, ArmGate, OperationSpec
from azure_iot_emulator.devices.models import CertificateBackend
from azure_iot_emulator.devices.responses import (
    CertificateResponses,
    CertificateWire,
    TrackedResourceResponses,
    TrackedResourceWire,
)
from azure_iot_emulator.dps.models import dps_document

_CERT = "Microsoft.Devices/provisioningServices/certificates"
_CERT_TYPE = "provisioningServices/certificates"


def _cert_spec(action: str, trailing: int = 0) -> OperationSpec:
    return OperationSpec(
        f"{_CERT}/{action}",
        DPS_VERSIONS,
        _CERT_TYPE,
        parent=DPS,
        trailing_action_segments=trailing,
    )


CERTIFICATE_WIRE = CertificateWire(
    parent=DPS,
    parent_segment="provisioningServices",
    # The real type string [rec]; the spec examples say
    # "Microsoft.Devices/ProvisioningServices/Certificates".
    type_name="Microsoft.Devices/provisioningServices/Certificates",
    read=_cert_spec("read"),
    write=_cert_spec("write"),
    delete=_cert_spec("delete"),
    generate=_cert_spec("generateVerificationCode/action", 1),
    verify=_cert_spec("verify/action", 1),
    last_flat_body_version=DPS_LAST_FLAT_BODY_VERSION,
    echo_content=False,  # null everywhere except generateVerificationCode [rec]
)

DPS_WIRE = TrackedResourceWire(
    parent=DPS,
    parent_segment="provisioningServices",
    type_name="Microsoft.Devices/ProvisioningServices",
    read=OperationSpec(
        "Microsoft.Devices/provisioningServices/read",
        DPS_VERSIONS,
        "ProvisioningServices",
        parent=DPS,
    ),
    write=OperationSpec(
        "Microsoft.Devices/provisioningServices/write", DPS_VERSIONS, "ProvisioningServices"
    ),
)

DPS_LIST_WIRE = TrackedResourceWire(
    parent=DPS,
    parent_segment="provisioningServices",
    type_name="Microsoft.Devices/ProvisioningServices",
    read=OperationSpec(
        "Microsoft.Devices/provisioningServices/read", DPS_VERSIONS, "ProvisioningServices"
    ),
    write=DPS_WIRE.write,
)


class DpsCertificateResponses(CertificateResponses):
    """DpsCertificate_* operations. Its odd ``certificate.*`` query parameters are ignored."""

    def __init__(self, gate: ArmGate, backend: CertificateBackend) -> None:
        super().__init__(gate, backend, CERTIFICATE_WIRE)


class DpsResourceResponses(TrackedResourceResponses):
    """IotDpsResource_Get / _CreateOrUpdate / _ListByResourceGroup / _ListBySubscription."""

    def __init__(
        self, gate: ArmGate, arm: ArmBackend, wire: TrackedResourceWire = DPS_WIRE
    ) -> None:
        super().__init__(gate, arm, wire)

    def build_document(self, name: str, body: dict[str, Any]) -> dict[str, Any]:
        return dps_document(name, body)
