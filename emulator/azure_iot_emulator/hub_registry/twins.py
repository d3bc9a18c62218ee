"""A device's twin: what is kept of it, the initial twin DPS gives it, and the Twin it answers as.

The Twin is the registry's [spec: iothub data-plane 2021-04-12 ``#/definitions/Twin``, as
azure-iot-hub 2.7.0's ``protocol/models/twin.py`` maps it; doc: learn.microsoft.com/rest/api/
iothub/service/devices/get-twin]: the device's read-only identity properties at the root (no
``generationId`` or ``connectionStateUpdatedTime``), then ``tags`` and ``properties.desired`` /
``properties.reported``, each with ``$metadata`` and ``$version`` [doc: articles/iot-hub/
iot-hub-devguide-device-twins.md].

The numbers follow Microsoft's published twins: a twin never written answers ``etag``
``AAAAAAAAAAE=``, ``version`` 2, desired and reported ``$version`` 1 with ``$metadata``
``{"$lastUpdated": "0001-01-01T00:00:00Z"}``; after one desired update ``AAAAAAAAAAI=``,
``version`` 3, desired ``$version`` 2 and a ``$lastUpdated`` / ``$lastUpdatedVersion`` pair per
property node [doc: articles/iot-hub/module-twins-cli.md, the module-twin tutorial, and
iot-hub-non-telemetry-event-schema.md (a new twin's lifecycle event)]. So the etag here is the
base64 of ``version - 1`` as 8 bytes, and DPS's initial twin counts as one update **[guess]**
(DPS hands the hub "a copy of any initial device state data" [doc: articles/iot-dps/
concepts-device-reprovision.md]; how the hub numbers it is not published).
"""

from __future__ import annotations

import base64
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

NEVER = "0001-01-01T00:00:00Z"
# A twin that nothing wrote yet [doc: module-twins-cli.md and the lifecycle event's payload].
FRESH_VERSION = 2


def timestamp(moment: datetime) -> str:
    """``2023-02-17T21:26:10.5835633Z``: 7 fractional digits, as twins' ``$lastUpdated`` [doc]."""
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond:06d}0Z"


def _without_reserved(collection: Any) -> dict[str, Any]:
    """A twin collection's own members: ``$metadata``, ``$version`` and any other ``$`` key are
    the service's, never a property (keys may not hold ``$`` [doc: device twins, "Keys"])."""
    if not isinstance(collection, Mapping):
        return {}
    return {k: v for k, v in collection.items() if not str(k).startswith("$")}


@dataclass(frozen=True)
class TwinState:
    """Tags and desired properties as last written, with the counters that version them.

    ``desired_updated`` is when desired properties were last written (None: never)."""

    tags: dict[str, Any] = field(default_factory=dict)
    desired: dict[str, Any] = field(default_factory=dict)
    version: int = FRESH_VERSION
    desired_version: int = 1
    desired_updated: str | None = None

    @classmethod
    def initial(cls, initial_twin: Any, moment: datetime) -> TwinState:
        """The twin of a device DPS creates: the enrollment's ``initialTwin`` (``tags``,
        ``properties.desired`` [spec: DPS ``InitialTwin``]) applied as one update, or a fresh
        twin when it carries neither."""
        source = initial_twin if isinstance(initial_twin, Mapping) else {}
        properties = source.get("properties")
        tags = _without_reserved(source.get("tags"))
        desired = _without_reserved(
            properties.get("desired") if isinstance(properties, Mapping) else None
        )
        if not tags and not desired:
            return cls()
        return cls(
            tags=tags,
            desired=desired,
            version=FRESH_VERSION + 1,
            desired_version=2 if desired else 1,
            desired_updated=timestamp(moment) if desired else None,
        )

    @classmethod
    def from_json(cls, stored: Any) -> TwinState:
        """The stored form back (rows written before twins were kept have none: a fresh twin)."""
        if not isinstance(stored, Mapping):
            return cls()
        return cls(
            dict(stored.get("tags") or {}),
            dict(stored.get("desired") or {}),
            int(stored.get("version", FRESH_VERSION)),
            int(stored.get("desiredVersion", 1)),
            stored.get("desiredUpdated"),
        )

    def to_json(self) -> dict[str, Any]:
        """What the device's row keeps under ``twin``."""
        return {
            "tags": self.tags,
            "desired": self.desired,
            "version": self.version,
            "desiredVersion": self.desired_version,
            "desiredUpdated": self.desired_updated,
        }

    @property
    def etag(self) -> str:
        """Base64 of ``version - 1`` as 8 bytes: ``AAAAAAAAAAE=`` at version 2 [doc; guess: the
        rule]."""
        return base64.b64encode((self.version - 1).to_bytes(8, "big")).decode("ascii")

    def properties(self) -> dict[str, Any]:
        """``{"desired": {..., "$metadata", "$version"}, "reported": {"$metadata", "$version"}}``;
        nothing is ever reported (no device connects to the emulator's hubs)."""
        if self.desired_updated is None:
            desired_meta: dict[str, Any] = {"$lastUpdated": NEVER}
        else:
            desired_meta = _metadata(self.desired, self.desired_updated, self.desired_version)
        desired = {**self.desired, "$metadata": desired_meta, "$version": self.desired_version}
        return {
            "desired": desired,
            "reported": {"$metadata": {"$lastUpdated": NEVER}, "$version": 1},
        }


def _metadata(collection: Mapping[str, Any], stamp: str, version: int) -> dict[str, Any]:
    """``$lastUpdated`` and ``$lastUpdatedVersion`` of a node and, nested, of each member [doc:
    module-twins-cli.md]."""
    meta: dict[str, Any] = {"$lastUpdated": stamp, "$lastUpdatedVersion": version}
    for key, value in collection.items():
        if isinstance(value, Mapping):
            meta[key] = _metadata(value, stamp, version)
        else:
            meta[key] = {"$lastUpdated": stamp, "$lastUpdatedVersion": version}
    return meta
