"""The certificates API of a target, as the provider needs it, independent of the SDK behind it.

IoT Hub and DPS expose the same proof-of-possession flow through different clients, models and
error mappings; the provider verbs speak only this interface, so a DPS target is one more
implementation, not a second provider.
"""

from __future__ import annotations

from dataclasses import dataclass
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
