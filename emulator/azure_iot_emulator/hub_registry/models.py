"""A hub's device registry: device identities, their twins, and the registry's reads. No HTTP.

The Device body is the registry's [spec: azure-rest-api-specs ``iothub/data-plane/Microsoft.IoTHub/
stable/2021-04-12/iothub.json`` ``#/definitions/Device``]; the values of a never-connected device
(``Disconnected``, ``0001-01-01T00:00:00Z`` times, null keys) as the service answers them
**[guess]** (.NET's DateTime.MinValue, as the RP's ``created`` [rec], README). A device's twin
(twins.py) lives in the same row, under ``twin`` in its document, never answered as a Device
member: the twin is created and deleted with its identity [doc: device twins].
"""

from __future__ import annotations

import base64
import json
import re
import secrets
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from azure_iot_emulator.hub_registry.exceptions import (
    DeviceNotFound,
    InvalidContinuation,
    QueryNotEmulated,
)
from azure_iot_emulator.hub_registry.twins import NEVER, TwinState
from azure_iot_emulator.store import Store
from azure_iot_emulator.wire import utcnow

# [doc: articles/iot-hub/authenticate-authorize-x509.md; code: azure-iot-cli-extension shared.py
# ``x509_ca`` -> ``certificateAuthority``]
CERTIFICATE_AUTHORITY = "certificateAuthority"
# Where a device's document keeps its twin (twins.py); never answered as a Device member.
TWIN_KEY = "twin"
# ``top`` of ``GET /devices``: "Any value outside the range of 1-1000 is considered to be 1000"
# [spec, as azure-iot-hub 2.7.0's ``get_devices`` documents it].
MAX_TOP = 1000
# Twins per query page: asked by ``x-ms-max-item-count`` ("the service may use another value"
# [doc: rest/api/iothub/service/query/get-twins]); 100 by default and at most **[guess]**.
MAX_PAGE = 100
# The two queries the emulator answers: every device twin, or one by id [doc:
# articles/iot-hub/query-twins.md, ``SELECT * FROM devices`` and ``WHERE deviceId = '...'``].
_QUERY = re.compile(
    r"\s*select\s+\*\s+from\s+devices"
    r"(?:\s+where\s+deviceid\s*=\s*(?:'(?P<id>[^']*)'|\"(?P<quoted>[^\"]*)\"))?\s*",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class StoredDevice:
    """One device identity as stored: the body, its etag, generation id and twin."""

    device_id: str
    document: dict[str, Any]
    etag: str
    generation_id: str
    twin: TwinState

    def wire(self) -> dict[str, Any]:
        """The Device as ``GET /devices/{id}`` answers it [spec]."""
        return {
            "deviceId": self.device_id,
            "generationId": self.generation_id,
            "etag": self.etag,
            **self.document,
        }

    def twin_wire(self) -> dict[str, Any]:
        """The Twin as ``GET /twins/{id}`` and queries answer it (twins.py): the identity's
        read-only properties, ``deviceEtag`` its etag [doc: a twin's ``deviceEtag``
        ``NjgzMzQ1MzQ1`` is the base64 of a decimal, as identities' etags here], ``modelId``
        empty [doc], tags only when some were written [doc: a fresh twin has none]."""
        doc = self.document
        authentication = doc.get("authentication") or {}
        body: dict[str, Any] = {
            "deviceId": self.device_id,
            "etag": self.twin.etag,
            "deviceEtag": self.etag,
            "status": doc.get("status"),
            "statusUpdateTime": doc.get("statusUpdatedTime", NEVER),
            "connectionState": doc.get("connectionState"),
            "lastActivityTime": doc.get("lastActivityTime", NEVER),
            "cloudToDeviceMessageCount": doc.get("cloudToDeviceMessageCount", 0),
            "authenticationType": authentication.get("type"),
            "x509Thumbprint": authentication.get(
                "x509Thumbprint", {"primaryThumbprint": None, "secondaryThumbprint": None}
            ),
            "modelId": "",
            "version": self.twin.version,
        }
        if doc.get("statusReason") is not None:
            body["statusReason"] = doc["statusReason"]
        if self.twin.tags:
            body["tags"] = self.twin.tags
        body["properties"] = self.twin.properties()
        body["capabilities"] = doc.get("capabilities") or {"iotEdge": False}
        return body


@dataclass(frozen=True)
class RegistryStatistics:
    """``GET /statistics/devices`` [spec: ``RegistryStatistics``]."""

    total: int
    enabled: int
    disabled: int

    def wire(self) -> dict[str, int]:
        """``{totalDeviceCount, enabledDeviceCount, disabledDeviceCount}``."""
        return {
            "totalDeviceCount": self.total,
            "enabledDeviceCount": self.enabled,
            "disabledDeviceCount": self.disabled,
        }


def twin_query_filter(query: Any) -> str | None:
    """The device id a twin query filters on (None: every device), or 400 for any other query:
    answering a query the emulator does not understand unfiltered would mislead [guess]."""
    found = _QUERY.fullmatch(query) if isinstance(query, str) else None
    if found is None:
        raise QueryNotEmulated(query)
    device_id: str | None = found.group("id")
    return device_id if device_id is not None else found.group("quoted")


def _encode_continuation(after: int) -> str:
    """An opaque token [guess: IoT Hub's own tokens are opaque too]: the last row answered."""
    return base64.urlsafe_b64encode(json.dumps({"after": after}).encode()).decode("ascii")


def _decode_continuation(token: str) -> int:
    try:
        after = json.loads(base64.urlsafe_b64decode(token.encode("ascii")))["after"]
    except (ValueError, KeyError, TypeError):
        raise InvalidContinuation() from None
    if not isinstance(after, int):
        raise InvalidContinuation()
    return after


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
    """Device identities and twins of every hub, in the state database (table ``hub_devices``)."""

    def __init__(self, store: Store, clock: Callable[[], datetime] = utcnow) -> None:
        self.store = store
        self.clock = clock

    # -- reads --------------------------------------------------------------------------------

    def get(self, hub_id: str, device_id: str) -> StoredDevice:
        """One device (device ids are case-sensitive [doc]), or 404 DeviceNotFound."""
        with self.store.read() as conn:
            row = self._row(conn, hub_id, device_id)
        if row is None:
            raise DeviceNotFound(device_id)
        return self._device(row)

    def devices(self, hub_id: str, top: int | None) -> list[StoredDevice]:
        """``GET /devices?top=N``: up to ``top`` identities (outside 1-1000: 1000 [spec]), in
        creation order [guess: the service promises no order]."""
        limit = top if top is not None and 1 <= top <= MAX_TOP else MAX_TOP
        with self.store.read() as conn:
            rows = conn.execute(
                "SELECT * FROM hub_devices WHERE hub_id = ? ORDER BY rowid LIMIT ?",
                (hub_id, limit),
            ).fetchall()
        return [self._device(r) for r in rows]

    def query_twins(
        self, hub_id: str, query: Any, max_items: int | None, continuation: str | None
    ) -> tuple[list[StoredDevice], str | None]:
        """A page of the devices a twin query selects, in creation order [guess], and the token
        of the next page when the page size cut it."""
        device_id = twin_query_filter(query)
        after = _decode_continuation(continuation) if continuation else 0
        size = max_items if max_items is not None and 1 <= max_items <= MAX_PAGE else MAX_PAGE
        sql = "SELECT rowid, * FROM hub_devices WHERE hub_id = ? AND rowid > ?"
        args: list[Any] = [hub_id, after]
        if device_id is not None:
            sql += " AND device_id = ?"
            args.append(device_id)
        with self.store.read() as conn:
            rows = conn.execute(f"{sql} ORDER BY rowid LIMIT ?", (*args, size + 1)).fetchall()
        page = rows[:size]
        token = _encode_continuation(page[-1]["rowid"]) if len(rows) > size else None
        return [self._device(r) for r in page], token

    def statistics(self, hub_id: str) -> RegistryStatistics:
        """Counts of the hub's identities by ``status`` [spec: ``RegistryStatistics``]."""
        with self.store.read() as conn:
            rows = conn.execute(
                "SELECT document FROM hub_devices WHERE hub_id = ?", (hub_id,)
            ).fetchall()
        statuses = [json.loads(r["document"]).get("status") for r in rows]
        return RegistryStatistics(
            len(statuses), statuses.count("enabled"), statuses.count("disabled")
        )

    # -- writes -------------------------------------------------------------------------------

    def ensure_certificate_authority_device(
        self, hub_id: str, device_id: str, iot_edge: bool = False, initial_twin: Any = None
    ) -> StoredDevice:
        """The device DPS registers in the hub: created with CA authentication when missing,
        its twin holding the enrollment's ``initialTwin`` (twins.py); an existing identity and
        its twin are kept as they are (a re-registration reuses them [guess])."""
        with self.store.write() as conn:
            row = self._row(conn, hub_id, device_id)
            if row is None:
                document = certificate_authority_device(iot_edge)
                document[TWIN_KEY] = TwinState.initial(initial_twin, self.clock()).to_json()
                conn.execute(
                    "INSERT INTO hub_devices(hub_id, device_id, document, etag, generation_id) "
                    "VALUES (?, ?, ?, ?, ?)",
                    (
                        hub_id,
                        device_id,
                        json.dumps(document),
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
        document = json.loads(row["document"])
        twin = TwinState.from_json(document.pop(TWIN_KEY, None))
        return StoredDevice(row["device_id"], document, row["etag"], row["generation_id"], twin)
