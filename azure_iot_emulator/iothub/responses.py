"""The IoT Hub wire: hub resources and the certificates collection (api-version 2023-06-30 etc.)."""

from __future__ import annotations

from typing import Any

from azure_iot_emulator.arm.apiversions import (
    IOTHUB_CERTIFICATE_VERSIONS,
    IOTHUB_LAST_FLAT_BODY_VERSION,
    IOTHUB_RESOURCE_VERSIONS,
)
from azure_iot_emulator.arm.models import ArmBackend
from azure_iot_emulator.arm.pipeline import IOTHUB, ArmGate, OperationSpec
from azure_iot_emulator.devices.models import CertificateBackend
from azure_iot_emulator.devices.responses import (
    CertificateResponses,
    CertificateWire,
    TrackedResourceResponses,
    TrackedResourceWire,
)
from azure_iot_emulator.iothub.models import check_hub_name, hub_document

_CERT = "Microsoft.Devices/IotHubs/certificates"
_CERT_TYPE = "IotHubs/certificates"


def _cert_spec(action: str, trailing: int = 0) -> OperationSpec:
    return OperationSpec(
        f"{_CERT}/{action}",
        IOTHUB_CERTIFICATE_VERSIONS,
        _CERT_TYPE,
        parent=IOTHUB,
        trailing_action_segments=trailing,
    )


CERTIFICATE_WIRE = CertificateWire(
    parent=IOTHUB,
    parent_segment="IotHubs",
    type_name="Microsoft.Devices/IotHubs/Certificates",  # [spec; rec]
    read=_cert_spec("read"),
    write=_cert_spec("write"),
    delete=_cert_spec("delete"),
    generate=_cert_spec("generateVerificationCode/action", 1),
    verify=_cert_spec("verify/action", 1),
    last_flat_body_version=IOTHUB_LAST_FLAT_BODY_VERSION,
    echo_content=True,  # every response echoes the uploaded string [rec B]
)

HUB_WIRE = TrackedResourceWire(
    parent=IOTHUB,
    parent_segment="IotHubs",
    type_name="Microsoft.Devices/IotHubs",
    read=OperationSpec(
        "Microsoft.Devices/IotHubs/read", IOTHUB_RESOURCE_VERSIONS, "IotHubs", parent=IOTHUB
    ),
    write=OperationSpec("Microsoft.Devices/IotHubs/write", IOTHUB_RESOURCE_VERSIONS, "IotHubs"),
)

HUB_LIST_WIRE = TrackedResourceWire(
    parent=IOTHUB,
    parent_segment="IotHubs",
    type_name="Microsoft.Devices/IotHubs",
    read=OperationSpec("Microsoft.Devices/IotHubs/read", IOTHUB_RESOURCE_VERSIONS, "IotHubs"),
    write=HUB_WIRE.write,
)


class IotHubCertificateResponses(CertificateResponses):
    """Certificates_* operations."""

    def __init__(self, gate: ArmGate, backend: CertificateBackend) -> None:
        super().__init__(gate, backend, CERTIFICATE_WIRE)


class IotHubResourceResponses(TrackedResourceResponses):
    """IotHubResource_Get / _CreateOrUpdate / _ListByResourceGroup / _ListBySubscription."""

    def __init__(
        self, gate: ArmGate, arm: ArmBackend, wire: TrackedResourceWire = HUB_WIRE
    ) -> None:
        super().__init__(gate, arm, wire)

    def build_document(self, name: str, body: dict[str, Any]) -> dict[str, Any]:
        return hub_document(name, body)

    def check_name(self, name: str) -> None:
        check_hub_name(name)
