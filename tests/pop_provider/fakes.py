"""An in-memory CertificateApi that checks proofs for real and records each call.

For lifecycle tests that need exact control of failures (a crash after upload, a stale etag, a
rejected proof) without a server. The emulator tests check the same rules over the wire.
"""

from __future__ import annotations

import builtins
import itertools
from dataclasses import dataclass, field, replace

from cryptography import x509
from cryptography.x509.oid import NameOID

from pop_provider.core import certificates
from pop_provider.core.remote import (
    CertificateNotFound,
    EtagConflict,
    ProofRejected,
    RemoteCertificate,
    RunListing,
)

TARGET = (
    "/subscriptions/00000000-0000-0000-0000-0000000000a1/resourceGroups/rg"
    "/providers/Microsoft.Devices/IotHubs/hub-one"
)


@dataclass
class _Stored:
    remote: RemoteCertificate
    certificate: x509.Certificate
    code: str | None = None


@dataclass
class FakeCertificates:
    """Follows Azure's etag rules; `fail` maps an operation name to exceptions to raise next."""

    calls: list[str] = field(default_factory=list)
    fail: dict[str, list[BaseException]] = field(default_factory=dict)
    # Operations whose next call is applied but answered with 412, as when a request is applied,
    # its answer lost, and the pipeline's retry meets the new etag.
    lost_answer: set[str] = field(default_factory=set)
    store: dict[str, _Stored] = field(default_factory=dict)
    # One listing per run, kept current with this run's uploads and deletions, as the real APIs.
    listing: RunListing = field(default_factory=RunListing)
    _etags: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    def next_run(self) -> None:
        """A new `pulumi up`: a fresh listing, and no calls recorded yet."""
        self.listing = RunListing()
        self.calls.clear()

    def _record(self, operation: str) -> None:
        self.calls.append(operation)
        pending = self.fail.get(operation)
        if pending:
            raise pending.pop(0)

    def _etag(self) -> str:
        return f"etag-{next(self._etags)}"

    def _current(self, name: str) -> _Stored:
        if name not in self.store:
            raise CertificateNotFound(f"certificate {name} not found")
        return self.store[name]

    def _check_etag(self, stored: _Stored, etag: str | None) -> None:
        if etag not in ("*", stored.remote.etag):
            raise EtagConflict("Invalid ETag supplied")

    def get(self, name: str) -> RemoteCertificate:
        self._record("get")
        return self._current(name).remote

    def list(self) -> list[RemoteCertificate]:
        return self.listing.get(self._fetch_all)

    def claim(self, thumbprint: str, name: str) -> str | None:
        return self.listing.claim(thumbprint, name, self._fetch_all)

    def _fetch_all(self) -> builtins.list[RemoteCertificate]:
        """One call per run, as the real APIs list (the run's listing keeps it current)."""
        self._record("list")
        return [stored.remote for stored in self.store.values()]

    def upload(
        self, name: str, certificate_pem: str, *, verified: bool, etag: str | None
    ) -> RemoteCertificate:
        self._record("upload")
        if name in self.store:
            self._check_etag(self.store[name], etag)
        cert = certificates.parse_certificate(certificate_pem)
        remote = RemoteCertificate(
            name=name,
            arm_id=f"{TARGET}/certificates/{name}",
            etag=self._etag(),
            thumbprint=certificates.thumbprint(cert),
            subject=certificates.common_name(cert),
            expiry=certificates.not_after(cert),
            is_verified=verified,
            certificate_pem=certificates.certificate_pem(cert),
        )
        self.store[name] = _Stored(remote, cert)
        self.listing.remember(remote)
        return remote

    def _answer_lost(self, operation: str) -> None:
        if operation in self.lost_answer:
            self.lost_answer.discard(operation)
            raise EtagConflict("Invalid ETag supplied (the retry of an applied request)")

    def generate_verification_code(self, name: str, etag: str) -> tuple[str, str]:
        self._record("generate_verification_code")
        stored = self._current(name)
        self._check_etag(stored, etag)
        stored.code = f"CODE{len(self.calls):044d}"
        stored.remote = replace(stored.remote, etag=self._etag())
        self.listing.retag(name, stored.remote.etag)
        self._answer_lost("generate_verification_code")
        return stored.code, stored.remote.etag

    def verify(self, name: str, etag: str, proof_pem: str) -> RemoteCertificate:
        self._record("verify")
        stored = self._current(name)
        self._check_etag(stored, etag)
        leaf = certificates.parse_certificate(proof_pem)
        cn = leaf.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value
        try:
            leaf.verify_directly_issued_by(stored.certificate)
        except Exception as error:  # any failure to verify is a rejection, as in Azure
            raise ProofRejected(f"Proof-Of-Possession failed: {type(error).__name__}") from None
        if cn != stored.code:
            raise ProofRejected("Proof-Of-Possession failed: wrong verification code")
        stored.code = None
        stored.remote = replace(stored.remote, etag=self._etag(), is_verified=True)
        self.listing.remember(stored.remote)
        self._answer_lost("verify")
        return stored.remote

    def delete(self, name: str, etag: str) -> None:
        self._record("delete")
        if name not in self.store:
            return
        self._check_etag(self.store[name], etag)
        del self.store[name]
        self.listing.forget(name)
