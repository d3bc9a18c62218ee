"""A hub's device registry: device identities and their rules. No HTTP.

The Device body is the registry's [spec: azure-rest-api-specs ``iothub/data-plane/Microsoft.IoTHub/
stable/2021-04-12/iothub.json`` ``#/definitions/Device``]; the values of a never-connected device
(``Disconnected``, ``0001-01-01T00:00:00Z`` times, null keys) as the service answers them
**[guess]** (.NET's DateTime.MinValue, as the RP's ``created`` [rec], README).
"""

from __future__ import annotations

import base64
import json
import secrets
import sqlite3
from dataclasses import dataclass
from typing import Any

from azure_iot_emulator.hub_registry.exceptions import DeviceNotFound
from azure_iot_emulator.store import Store
from azure_iot_emulator.wire import utcnow

NEVER = "0001-01-01T00:00:00Z"
# [doc: articles/iot-hub/authenticate-authorize-x509.md; code: azure-iot-cli-extension shared.py
# ``x509_ca`` -> ``certificateAuthority``]
CERTIFICATE_AUTHORITY = "certificateAuthority"


@dataclass(frozen=True)
class StoredDevice:
    """One device identity as stored: the body, its etag and generation id."""

    device_id: str
    document: dict[str, Any]
    etag: str
    generation_id: str

    def wire(self) -> dict[str, Any]:
        """The Device as ``GET /devices/{id}`` answers it [spec]."""
        return {
            "deviceId": self.device_id,
            "generationId": self.generation_id,
            "etag": self.etag,
            **self.document,
        }


def certificate_authority_device(iot_edge: bool) -> dict[str, Any]:
    """What DPS creates for an X.509 group device: CA authentication, enabled [doc:
    concepts-x509-attestation.md, the leaf's CN as device id; how-to-roll-certificates.md]."""
    return {
        "connectionState": "Disconnected",
        "status": "enabled",
        "statusReason": None,
        "connectionStateUpdatedTime": NEVER,
        "statusUpdatedTime": NEVER,
        "lastActivityTime": NEVER,
        "cloudToDeviceMessageCount": 0,
        "authentication": {
            "symmetricKey": {"primaryKey": None, "secondaryKey": None},
            "x509Thumbprint": {"primaryThumbprint": None, "secondaryThumbprint": None},
            "type": CERTIFICATE_AUTHORITY,
        },
        "capabilities": {"iotEdge": iot_edge},
    }


def _etag(rowversion: int) -> str:
    """Base64 of a decimal counter, the look of registry etags ("MTk2NTQ5NTY5") **[guess]**."""
    return base64.b64encode(str(rowversion).encode("ascii")).decode("ascii")


def _generation_id() -> str:
    """18 digits, as the registry's generation ids look **[guess]**; new per identity."""
    return str(int(utcnow().timestamp() * 10**7) + 621355968000000000)[:18] + str(
        secrets.randbelow(10)
    )


class DeviceRegistry:
    """Device identities of every hub, in the state database (table ``hub_devices``)."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def get(self, hub_id: str, device_id: str) -> StoredDevice:
        """One device (device ids are case-sensitive [doc]), or 404 DeviceNotFound."""
        with self.store.read() as conn:
            row = self._row(conn, hub_id, device_id)
        if row is None:
            raise DeviceNotFound(device_id)
        return self._device(row)

    def ensure_certificate_authority_device(
        self, hub_id: str, device_id: str, iot_edge: bool = False
    ) -> StoredDevice:
        """The device DPS registers in the hub: created with CA authentication when missing;
        an existing identity is kept as it is (a re-registration reuses it [guess])."""
        with self.store.write() as conn:
            row = self._row(conn, hub_id, device_id)
            if row is None:
                conn.execute(
                    "INSERT INTO hub_devices(hub_id, device_id, document, etag, generation_id) "
                    "VALUES (?, ?, ?, ?, ?)",
                    (
                        hub_id,
                        device_id,
                        json.dumps(certificate_authority_device(iot_edge)),
                        _etag(self.store.next_rowversion(conn)),
                        _generation_id(),
                    ),
                )
                row = self._row(conn, hub_id, device_id)
            assert row is not None
            return self._device(row)

    @staticmethod
    def _row(conn: sqlite3.Connection, hub_id: str, device_id: str) -> sqlite3.Row | None:
        row: sqlite3.Row | None = conn.execute(
            "SELECT * FROM hub_devices WHERE hub_id = ? AND device_id = ?", (hub_id, device_id)
        ).fetchone()
        return row

    @staticmethod
    def _device(row: sqlite3.Row) -> StoredDevice:
        return StoredDevice(
            row["device_id"], json.loads(row["document"]), row["etag"], row["generation_id"]
        )
