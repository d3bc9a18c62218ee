"""A fake DPS service API for the enrollment verbs: groups kept in a dict, etags and If-Match
as the service applies them, and ARM's facts of the DPS; every call counted."""

from __future__ import annotations

import itertools
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from pop_provider.core.enrollment.outcomes import GroupEtagStale
from pop_provider.core.enrollment.service import DpsFacts
from pop_provider.core.remote import RemoteCertificate
from pop_provider.core.target import Target

_ETAGS = itertools.count(1)


class FakeGroups:
    """The enrollment groups of one DPS."""

    def __init__(self, target: Target, calls: Counter[str]) -> None:
        self.target = target
        self.stored: dict[str, dict[str, Any]] = {}
        self.calls = calls

    def get(self, group_id: str) -> dict[str, Any] | None:
        self.calls["get"] += 1
        found = self.stored.get(group_id.lower())
        return None if found is None else dict(found)

    def create(self, group_id: str, body: dict[str, Any]) -> dict[str, Any]:
        self.calls["create"] += 1
        return self._put(group_id, body)

    def update(self, group_id: str, body: dict[str, Any], etag: str) -> dict[str, Any]:
        self.calls["update"] += 1
        found = self.stored.get(group_id.lower())
        if found is None or (etag and found["etag"] != etag):
            raise GroupEtagStale("stale")
        return self._put(group_id, body, created=found["createdDateTimeUtc"])

    def delete(self, group_id: str, etag: str) -> bool:
        self.calls["delete"] += 1
        found = self.stored.get(group_id.lower())
        if found is None:
            return False
        if etag and found["etag"] != etag:
            raise GroupEtagStale("stale")
        del self.stored[group_id.lower()]
        return True

    def _put(self, group_id: str, body: dict[str, Any], created: str = "") -> dict[str, Any]:
        stamp = f"2026-12-07T06:00:{next(_ETAGS):02d}.0000000Z"
        group = {
            **body,
            "etag": f"etag-{next(_ETAGS)}",
            "createdDateTimeUtc": created or stamp,
            "lastUpdatedDateTimeUtc": stamp,
        }
        self.stored[group_id.lower()] = group
        return dict(group)


@dataclass
class FakeServices:
    """DpsServices' two methods, and the DPS's certificates for the reference check."""

    linked_hubs: frozenset[str] = frozenset({"hub-one.azure-devices.net"})
    certificates: list[RemoteCertificate] = field(default_factory=list)
    calls: Counter[str] = field(default_factory=Counter)
    _groups: dict[str, FakeGroups] = field(default_factory=dict)

    def facts(self, target: Target) -> DpsFacts:
        self.calls["dps_get"] += 1
        return DpsFacts("127.0.0.1:1", self.linked_hubs)

    def groups(self, target: Target) -> FakeGroups:
        return self._groups.setdefault(target.arm_id.lower(), FakeGroups(target, self.calls))


class FakeCertificates:
    """The certificates list of a DPS, as CertificateApi.list answers it."""

    def __init__(self, services: FakeServices) -> None:
        self._services = services

    def list(self) -> list[RemoteCertificate]:
        self._services.calls["certificates_list"] += 1
        return list(self._services.certificates)


def certificate(name: str, verified: bool = True) -> RemoteCertificate:
    return RemoteCertificate(
        name=name,
        arm_id=f"/x/certificates/{name}",
        etag="e",
        thumbprint="AB",
        subject="CN=x",
        expiry=None,
        is_verified=verified,
    )
