"""Device registrations on a DPS: decide, allocate, record, and put the device in its hub. No HTTP.

Facts are from /work/shared/reference/dps-enrollment-and-devices.md §1.3 and §2 and what they
cite; the decision itself is chain.py's. What none of them states is marked **[guess]**.

Timing: the assignment completes inside the register call (the device is in the hub before
the answer leaves); the PUT still answers ``assigning`` with ``Retry-After``, as Azure does
[spec; rec], and the first poll finds it ``assigned``. Tests need no sleep.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from cryptography import x509

from azure_iot_emulator.arm.models import ArmBackend, TrackedResource
from azure_iot_emulator.device_api.chain import (
    Candidate,
    DpsCertificate,
    common_name,
    enrollment_for,
)
from azure_iot_emulator.device_api.exceptions import (
    CaCertificateNotFound,
    CustomAllocationNotEmulated,
    NoClientCertificate,
    NoLinkedHub,
    OperationNotFound,
    RegistrationIdMismatch,
    UnknownIdScope,
)
from azure_iot_emulator.devices.models import CertificateBackend, ParentRef
from azure_iot_emulator.dps_service.models import (
    DpsInstance,
    EnrollmentGroupBackend,
    timestamp,
)
from azure_iot_emulator.dps_service.responses import linked_hub_hosts
from azure_iot_emulator.hub_registry.models import DeviceRegistry
from azure_iot_emulator.store import Store
from azure_iot_emulator.wire import utcnow

DPS_KIND = "dps"
HUB_KIND = "iothub"
AZURE_HUB_SUFFIX = ".azure-devices.net"


@dataclass(frozen=True)
class Operation:
    """A registration operation as the device reads it: ``RegistrationOperationStatus`` [spec]."""

    operation_id: str
    status: str
    registration_state: dict[str, Any] | None

    def wire(self) -> dict[str, Any]:
        """``{operationId, status[, registrationState]}`` [spec; rec]."""
        body: dict[str, Any] = {"operationId": self.operation_id, "status": self.status}
        if self.registration_state is not None:
            body["registrationState"] = self.registration_state
        return body


@dataclass(frozen=True)
class HubTarget:
    """Where a device goes: the host the device is told, and the hub's ARM id when the hub is
    one of the emulator's (its registry gets the device)."""

    host: str
    hub_id: str | None


def new_operation_id() -> str:
    """``<n>.<16 hex>.<uuid>``, the look of real operation ids [rec: "4.65f62b2644c85bb1.331f…"]."""
    return f"4.{secrets.token_hex(8)}.{uuid.uuid4()}"


def _etag(rowversion: int) -> str:
    """Base64 of a quoted value, as the recorded ``"etag":"IjYw…"`` begins (``"6…``) [rec];
    the value itself [guess]."""
    return base64.b64encode(f'"{rowversion:08x}-0000-0800-0000-000000000000"'.encode()).decode()


def allocate(group: Candidate, dps_document: dict[str, Any], registration_id: str) -> str:
    """The linked hub (as the DPS names it) a device of ``group`` is assigned to.

    ``static``: the group's one hub [spec]; ``hashed``: a pick among the group's ``iotHubs`` (all
    linked hubs when it names none [doc: concepts-service.md, "evenly weighted distribution"]),
    deterministic by registration id **[guess]**: Azure's hash is not published;
    ``geoLatency``: the first of them **[guess]**: the emulator has no regions; ``custom``:
    refused (no webhook is called). The group's policy, else the DPS's (``Hashed`` by default)."""
    doc = group.document
    policy = str(
        doc.get("allocationPolicy")
        or dps_document.get("properties", {}).get("allocationPolicy")
        or "hashed"
    )
    policy = policy[:1].lower() + policy[1:]
    if policy == "custom":
        raise CustomAllocationNotEmulated(group.group_id)
    named = [h for h in doc.get("iotHubs") or [] if isinstance(h, str)]
    if isinstance(doc.get("iotHubHostName"), str):
        named.append(doc["iotHubHostName"])
    hubs = named or list(linked_hub_hosts(dps_document))
    if not hubs:
        raise NoLinkedHub(group.group_id)
    if policy == "hashed":
        digest = hashlib.sha256(registration_id.encode("utf-8")).digest()
        return hubs[int.from_bytes(digest[:8], "big") % len(hubs)]
    return hubs[0]


class RegistrationBackend:
    """Device registrations of every DPS, in the state database (``device_registrations``)."""

    def __init__(
        self,
        store: Store,
        arm: ArmBackend,
        certificates: CertificateBackend,
        groups: EnrollmentGroupBackend,
        registry: DeviceRegistry,
        hub_host: Callable[[str], str],
    ) -> None:
        self.store = store
        self.arm = arm
        self.certificates = certificates
        self.groups = groups
        self.registry = registry
        # A hub's data-plane host (``127.0.0.1:<port>``) by hub name: what ARM reports as its
        # ``hostName``, so what a DPS links and a device is told.
        self.hub_host = hub_host

    # -- lookups ------------------------------------------------------------------------------

    def dps_by_id_scope(self, id_scope: str) -> TrackedResource:
        """The DPS whose ``properties.idScope`` this is (case-insensitive [guess]), or 404."""
        for subscription in self.arm.subscriptions():
            for resource in self.arm.resources(subscription.subscription_id, DPS_KIND):
                scope = str(resource.document.get("properties", {}).get("idScope") or "")
                if scope.lower() == id_scope.lower():
                    return resource
        raise UnknownIdScope(id_scope)

    def _hub_target(self, linked: str) -> HubTarget:
        """The emulated hub a linked host name designates (its data-plane host or its Azure
        name), or the name alone when no hub of the emulator has it [guess: assigned anyway]."""
        wanted = linked.lower()
        for subscription in self.arm.subscriptions():
            for hub in self.arm.resources(subscription.subscription_id, HUB_KIND):
                hosts = {self.hub_host(hub.name).lower(), f"{hub.name.lower()}{AZURE_HUB_SUFFIX}"}
                if wanted in hosts:
                    hub_id = (
                        f"/subscriptions/{hub.subscription_id}/resourceGroups/"
                        f"{hub.resource_group}/providers/Microsoft.Devices/IotHubs/{hub.name}"
                    )
                    return HubTarget(self.hub_host(hub.name), hub_id)
        return HubTarget(linked, None)

    def _candidates(self, dps: TrackedResource) -> tuple[DpsInstance, list[DpsCertificate]]:
        parent = ParentRef(dps.subscription_id, dps.resource_group, DPS_KIND, dps.name)
        records = self.certificates.list(parent)
        instance = DpsInstance(
            dps.subscription_id,
            dps.resource_group,
            dps.name,
            linked_hub_hosts(dps.document),
            tuple(r.name for r in records),
        )
        uploaded = [DpsCertificate(r.name, r.certificate, r.is_verified) for r in records]
        return instance, uploaded

    # -- the two operations --------------------------------------------------------------------

    def register(
        self, id_scope: str, registration_id: str, chain: list[x509.Certificate]
    ) -> Operation:
        """``PUT …/register``: refuse (401), or record the outcome and answer ``assigning``.

        Order [guess]: id scope -> client certificate -> leaf CN = registration id -> chain rule
        (401002) -> the group's status (``disabled`` recorded as the outcome, §2.2) ->
        allocation -> the device in its hub."""
        dps = self.dps_by_id_scope(id_scope)
        if not chain:
            raise NoClientCertificate()
        name = common_name(chain[0])
        if name != registration_id:
            raise RegistrationIdMismatch(name, registration_id)
        instance, uploaded = self._candidates(dps)
        candidates = [Candidate(g.group_id, g.document) for g in self.groups.every_group(instance)]
        group = enrollment_for(chain, uploaded, candidates)
        if group is None:
            raise CaCertificateNotFound()
        state: dict[str, Any] = {
            "x509": {"enrollmentGroupId": group.group_id},
            "registrationId": registration_id,
        }
        if (group.document.get("provisioningStatus") or "enabled") == "disabled":
            # A terminal status of the operation and of the registration state [spec:
            # device/models.tsp; code: azure-iot-sdk-java @ 8abba69b ProvisioningTask.java].
            state["status"] = "disabled"
        else:
            target = self._hub_target(allocate(group, dps.document, registration_id))
            if target.hub_id is not None:
                edge = bool((group.document.get("capabilities") or {}).get("iotEdge"))
                # "The provisioning service instance gives a copy of any initial device state
                # data to the assigned IoT hub" [doc: concepts-device-reprovision.md].
                self.registry.ensure_certificate_authority_device(
                    target.hub_id, registration_id, edge, group.document.get("initialTwin")
                )
            state.update(
                {
                    "assignedHub": target.host,
                    "deviceId": registration_id,
                    "status": "assigned",
                    # one of initialAssignment, deviceDataMigrated, deviceDataReset,
                    # reprovisionedToInitialAssignment [spec: azure-rest-api-specs
                    # deviceprovisioningservices device/models.tsp @ 0e09a12a]
                    "substatus": "initialAssignment",
                }
            )
        return self._record(instance.arm_id, registration_id, state)

    def operation(self, id_scope: str, registration_id: str, operation_id: str) -> Operation:
        """``GET …/operations/{operationId}``: the recorded outcome, or 404."""
        dps = self.dps_by_id_scope(id_scope)
        instance, _ = self._candidates(dps)
        with self.store.read() as conn:
            row = conn.execute(
                "SELECT * FROM device_registrations WHERE dps_id = ? AND registration_id = ?",
                (instance.arm_id, registration_id),
            ).fetchone()
        if row is None or row["operation_id"] != operation_id:
            raise OperationNotFound(operation_id)
        state = json.loads(row["state"])
        return Operation(operation_id, state["status"], state)

    def _record(self, dps_id: str, registration_id: str, state: dict[str, Any]) -> Operation:
        """Store the outcome as the registration's latest operation; keep its first creation
        time across re-registrations [spec: createdDateTimeUtc of the registration]."""
        operation_id = new_operation_id()
        now = timestamp(utcnow())
        with self.store.write() as conn:
            row = conn.execute(
                "SELECT state FROM device_registrations WHERE dps_id = ? AND registration_id = ?",
                (dps_id, registration_id),
            ).fetchone()
            created = json.loads(row["state"]).get("createdDateTimeUtc") if row else None
            full = {
                "x509": state["x509"],
                "registrationId": registration_id,
                "createdDateTimeUtc": created or now,
                **{k: v for k, v in state.items() if k not in ("x509", "registrationId")},
                "lastUpdatedDateTimeUtc": now,
                "etag": _etag(self.store.next_rowversion(conn)),
            }
            conn.execute(
                "INSERT OR REPLACE INTO device_registrations(dps_id, registration_id, "
                "operation_id, state) VALUES (?, ?, ?, ?)",
                (dps_id, registration_id, operation_id, json.dumps(full)),
            )
        return Operation(operation_id, "assigning", None)
