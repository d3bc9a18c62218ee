"""The DPS wire: provisioning services and their certificates (api-version 2026-11-01 etc.)."""

from __future__ import annotations

from typing import Any

from azure_iot_emulator.arm.apiversions import (
    DPS_FIRST_UNSET_CREATED_VERSION,
    DPS_LAST_FLAT_BODY_VERSION,
    DPS_VERSIONS,
)
from azure_iot_emulator.arm.models import ArmBackend, TrackedResource
from azure_iot_emulator.arm.pipeline import DPS, ArmGate, OperationSpec
from azure_iot_emulator.dataplane import DataPlanes
from azure_iot_emulator.device_api.responses import INSTANCE as DEVICE_INSTANCE
from azure_iot_emulator.device_api.responses import KIND as DEVICE_KIND
from azure_iot_emulator.devices.keys import KeyResponses
from azure_iot_emulator.devices.responses import (
    CertificateResponses,
    TrackedResourceResponses,
    certificate_wire,
    tracked_resource_wires,
)
from azure_iot_emulator.dps.models import SasKeys, dps_document

CERTIFICATE_WIRE = certificate_wire(
    parent=DPS,
    parent_segment="provisioningServices",
    # The real type string [rec]; the spec examples say
    # "Microsoft.Devices/ProvisioningServices/Certificates".
    type_name="Microsoft.Devices/provisioningServices/Certificates",
    api_versions=DPS_VERSIONS,
    last_flat_body_version=DPS_LAST_FLAT_BODY_VERSION,
    echo_content=False,  # null everywhere except generateVerificationCode [rec]
    first_unset_created_version=DPS_FIRST_UNSET_CREATED_VERSION,
)

DPS_WIRE, DPS_LIST_WIRE = tracked_resource_wires(
    parent=DPS,
    parent_segment="provisioningServices",
    type_name="Microsoft.Devices/provisioningServices",  # [rec]; the spec examples capitalise it
    api_versions=DPS_VERSIONS,
    resource_type="ProvisioningServices",
)


class DpsCertificateResponses(CertificateResponses):
    """DpsCertificate_* operations. Its odd ``certificate.*`` query parameters are ignored."""

    wire = CERTIFICATE_WIRE


class DpsResourceResponses(TrackedResourceResponses):
    """IotDpsResource_Get / _CreateOrUpdate / _ListByResourceGroup / _ListBySubscription.

    ``serviceOperationsHostName`` is answered as the DPS's data-plane port on this emulator
    (``127.0.0.1:<port>``, dataplane.py), bound by the answer that first reports it: Azure's
    ``<dps>.azure-devices-provisioning.net`` (what the stored document keeps) resolves nowhere
    here, and a client connects to whatever host this field names. ``deviceProvisioningHostName``
    likewise: the emulator's one device port, for Azure's ``global.azure-devices-provisioning.net``.
    """

    wire = DPS_WIRE

    def __init__(
        self,
        gate: ArmGate,
        arm: ArmBackend,
        wire: Any = None,
        *,
        dataplanes: DataPlanes | None = None,
    ) -> None:
        super().__init__(gate, arm, wire)
        self.dataplanes = dataplanes

    def build_document(self, name: str, body: dict[str, Any]) -> dict[str, Any]:
        return dps_document(name, body)

    def _json(self, resource: TrackedResource) -> dict[str, Any]:
        body = super()._json(resource)
        if self.dataplanes is not None:
            properties = dict(body["properties"])
            properties["serviceOperationsHostName"] = self.dataplanes.host_of("dps", resource.name)
            # One device endpoint for every DPS, as Azure's global host; the idScope in the
            # request path names the DPS (device_api/).
            properties["deviceProvisioningHostName"] = self.dataplanes.host_of(
                DEVICE_KIND, DEVICE_INSTANCE
            )
            body["properties"] = properties
        return body


# [doc] resource provider operations, Microsoft.Devices: "provisioningServices/keys/listkeys/
# Action" (Get all the keys) **[guess]** that both listKeys operations check it.
LIST_KEYS = OperationSpec(
    "Microsoft.Devices/provisioningServices/keys/listkeys/Action",
    DPS_VERSIONS,
    "ProvisioningServices",
    parent=DPS,
    trailing_action_segments=1,
)
LIST_KEYS_FOR_NAME = OperationSpec(
    LIST_KEYS.action,
    DPS_VERSIONS,
    "ProvisioningServices",
    parent=DPS,
    trailing_action_segments=3,
)


def dps_key_responses(gate: ArmGate, keys: SasKeys) -> KeyResponses:
    """IotDpsResource_ListKeys / _ListKeysForKeyName: the shared-access policies with keys."""
    return KeyResponses(
        gate, keys, LIST_KEYS, LIST_KEYS_FOR_NAME, "Microsoft.Devices/provisioningServices/keys"
    )
