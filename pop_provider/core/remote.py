"""The certificates API of a target, as the provider needs it, independent of the SDK behind it.

IoT Hub and DPS expose the same proof-of-possession flow through different clients, models and
error mappings; the provider verbs speak only this interface, so a DPS target is one more
implementation, not a second provider.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Protocol


@dataclass(frozen=True)
class RemoteCertificate:
    """A certificate as Azure reports it. `etag` is kept only in memory, never in state."""

    name: str
    arm_id: str
    etag: str
    thumbprint: str
    subject: str
    expiry: datetime | None
    is_verified: bool
    # The certificate Azure holds (PEM), where the answer carries it: what an import declares.
    certificate_pem: str | None = None
    # The ARM id of the Azure Device Registry policy or certificate authority that synced this
    # certificate onto the hub (pop_provider.core.certificate_collection.device_registry_id):
    # ADR keeps it in sync, so pop never claims, adopts, changes or deletes it.
    managed_by: str | None = None


class RemoteError(Exception):
    """An Azure answer the provider acts on; the message is Azure's, safe to show."""


class CertificateNotFound(RemoteError):
    """The certificate (or the hub holding it) does not exist."""


class TargetMissing(CertificateNotFound):
    """The hub, DPS or resource group holding the certificate does not exist: to read and
    delete the certificate is gone; to create it, the message says what to fix."""


class EtagConflict(RemoteError):
    """412: the etag we sent is stale, or a certificate already holds the name."""


class ProofRejected(RemoteError):
    """Azure refused the proof-of-possession certificate."""


class CertificateApi(Protocol):
    """Certificates of one target (an IoT hub or a DPS instance)."""

    def get(self, name: str) -> RemoteCertificate:
        """Current state and etag; raises CertificateNotFound."""
        ...

    def upload(
        self, name: str, certificate_pem: str, *, verified: bool, etag: str | None
    ) -> RemoteCertificate:
        """Create (etag None) or replace (etag given); raises EtagConflict."""
        ...

    def generate_verification_code(self, name: str, etag: str) -> tuple[str, str]:
        """A new verification code and the certificate's new etag."""
        ...

    def verify(self, name: str, etag: str, proof_pem: str) -> RemoteCertificate:
        """Submit the proof; raises ProofRejected when Azure does not accept it."""
        ...

    def delete(self, name: str, etag: str) -> None:
        """Delete with the current etag; a missing certificate is not an error."""
        ...

    def list(self) -> list[RemoteCertificate]:
        """Every certificate of the target, as of this run's first listing (one call per
        target per run), with this run's own uploads and deletions applied."""
        ...

    def claim(self, thumbprint: str, name: str) -> str | None:
        """Reserve this CA on the target for certificate `name` for the rest of the run, unless
        another certificate holds it or is being given it by this run: then that one's name."""
        ...


class RunListing:
    """One target's certificate list, fetched at most once per run and kept current with what
    this run uploads and deletes; shared by the provider's threads."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._by_name: dict[str, RemoteCertificate] | None = None
        # Thumbprint -> the name this run is giving it (claimed, perhaps not uploaded yet).
        self._claims: dict[str, str] = {}

    def get(self, fetch: Callable[[], list[RemoteCertificate]]) -> list[RemoteCertificate]:
        with self._lock:
            return list(self._listed_locked(fetch).values())

    def claim(
        self, thumbprint: str, name: str, fetch: Callable[[], list[RemoteCertificate]]
    ) -> str | None:
        """Check and reserve in one step, so two creates of one CA racing in this run cannot
        both find the target free and both upload it (no ARM call beyond the one list). A
        certificate Azure Device Registry manages holds its CA even under the name asked for:
        it is never ours to take."""
        with self._lock:
            wanted = thumbprint.upper()
            for cert in self._listed_locked(fetch).values():
                if cert.thumbprint.upper() == wanted and (
                    cert.name.lower() != name.lower() or cert.managed_by
                ):
                    return cert.name
            claimed = self._claims.setdefault(wanted, name)
            return None if claimed.lower() == name.lower() else claimed

    def _listed_locked(
        self, fetch: Callable[[], list[RemoteCertificate]]
    ) -> dict[str, RemoteCertificate]:
        if self._by_name is None:
            self._by_name = {cert.name.lower(): cert for cert in fetch()}
        return self._by_name

    def remember(self, cert: RemoteCertificate) -> None:
        with self._lock:
            if self._by_name is not None:
                self._by_name[cert.name.lower()] = cert

    def retag(self, name: str, etag: str) -> None:
        """A certificate of the listing changed etag (a verification code was generated), so a
        delete that takes its etag from here does not meet a 412."""
        with self._lock:
            listed = self._by_name.get(name.lower()) if self._by_name is not None else None
            if listed is not None and self._by_name is not None:
                self._by_name[name.lower()] = replace(listed, etag=etag)

    def forget(self, name: str) -> None:
        with self._lock:
            if self._by_name is not None:
                self._by_name.pop(name.lower(), None)
            for thumbprint, claimed in list(self._claims.items()):
                if claimed.lower() == name.lower():
                    del self._claims[thumbprint]
