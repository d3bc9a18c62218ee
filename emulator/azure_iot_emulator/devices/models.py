"""The certificate backend shared by IoT Hub and DPS: state, etag rules, proof of possession.

No HTTP here. Each service passes a :class:`CertificatePolicy` with what differs (name rule,
limit, how many base64 layers to peel). Every mutating method is one ``BEGIN IMMEDIATE``
transaction: read the row, compare the etag, write, commit. That is the compare-and-swap that
keeps etag semantics under concurrent clients.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from cryptography import x509
from cryptography.hazmat.primitives import serialization

from azure_iot_emulator.certcodec import CertificateDecodeError, decode_certificate
from azure_iot_emulator.devices.exceptions import (
    CertificateContentMissing,
    CertificateLimitExceeded,
    CertificateNotFound,
    InvalidCertificate,
    PreconditionFailed,
    ProofOfPossessionIssuerNotFound,
    ProofOfPossessionNoCode,
    ProofOfPossessionSubjectMismatch,
    ProofOfPossessionUnsupportedKey,
)
from azure_iot_emulator.proof import ProofOutcome, check_proof, common_name, display_name
from azure_iot_emulator.store import Store
from azure_iot_emulator.wire import utcnow


@dataclass(frozen=True)
class ParentRef:
    """The hub or DPS a certificate belongs to, with names in their stored (canonical) case."""

    subscription_id: str
    resource_group: str
    kind: str
    name: str


@dataclass(frozen=True)
class CertificatePolicy:
    """What differs between IoT Hub and DPS certificate collections."""

    kind: str
    max_certificates: int
    extra_base64_layers: int
    check_name: Callable[[str], None]


@dataclass(frozen=True)
class DeviceRegistryLink:
    """What makes a hub certificate one that Azure Device Registry (ADR) manages: the ARM ids
    its answers carry, `policyResourceId` (the ADR credential policy, api 2025-08-01-preview)
    or `certificateAuthorityResourceId` (2026-10-01-preview) [spec: bicep-types-az
    ``generated/iothub/microsoft.devices/{2025-08-01-preview,2026-10-01-preview}/types.md``].

    Hubs linked to an ADR namespace list the CA certificates ADR syncs onto them [code:
    Azure/azure-iot-cli-extension ADR tests, ``find_hub_cert_by_policy``]. The emulator only
    seeds them: no ADR namespace, policy or sync is emulated. A client may also PUT
    `policyResourceId` (the 2025-08-01-preview example does; .NET's
    `IotHubCertificateProperties.PolicyResourceId` has a setter [doc]); the emulator ignores it
    on a PUT.
    """

    policy_resource_id: str
    certificate_authority_resource_id: str


@dataclass(frozen=True)
class CertificateRecord:
    """One stored certificate. Derived fields are computed from ``content``, never stored."""

    name: str
    content: str
    is_verified: bool
    created: datetime
    updated: datetime
    etag: str
    verification_code: str | None
    extra_base64_layers: int
    device_registry: DeviceRegistryLink | None = None

    @property
    def certificate(self) -> x509.Certificate:
        """The parsed certificate (first of a chain)."""
        return decode_certificate(self.content, self.extra_base64_layers)

    @property
    def subject(self) -> str:
        """The bare common name: the real service returns the "simple name" [rec]."""
        return common_name(self.certificate.subject)

    @property
    def thumbprint(self) -> str:
        """Uppercase hex SHA-1 of the DER certificate [rec, checked against a cassette]."""
        der = self.certificate.public_bytes(serialization.Encoding.DER)
        return hashlib.sha1(der, usedforsecurity=False).hexdigest().upper()

    @property
    def expiry(self) -> datetime:
        """The certificate's notAfter [rec]."""
        return self.certificate.not_valid_after_utc


# A certificate with its Azure Device Registry link, if any (one row per certificate).
_SELECT = (
    "SELECT * FROM certificates LEFT JOIN device_registry_certificates "
    "USING (subscription_id, resource_group, kind, parent, name) "
)


def seed_device_registry_certificate(
    store: Store,
    conn: sqlite3.Connection,
    parent: ParentRef,
    name: str,
    content: str,
    link: DeviceRegistryLink,
    at: datetime,
) -> None:
    """Insert a certificate that ADR synced, verified, unless the name is taken (a seed never
    overwrites what the API changed). Verified: ADR issues or is given the CA and a hub trusts
    it without a proof of possession [guess: no recording shows its isVerified]."""
    key = (parent.subscription_id, parent.resource_group, parent.kind, parent.name, name)
    taken = conn.execute(
        "SELECT 1 FROM certificates WHERE subscription_id = ? AND resource_group = ? AND "
        "kind = ? AND parent = ? AND name = ?",
        key,
    ).fetchone()
    if taken is not None:
        return
    etag = certificate_etag(store.next_rowversion(conn), at)
    conn.execute(
        "INSERT INTO certificates(subscription_id, resource_group, kind, parent, name, content, "
        "is_verified, created, updated, etag, verification_code) "
        "VALUES (?, ?, ?, ?, ?, ?, 1, ?, ?, ?, NULL)",
        (*key, content, at.isoformat(), at.isoformat(), etag),
    )
    conn.execute(
        "INSERT OR REPLACE INTO device_registry_certificates VALUES (?, ?, ?, ?, ?, ?, ?)",
        (*key, link.policy_resource_id, link.certificate_authority_resource_id),
    )


def normalize_etag(value: str | None) -> str | None:
    """Strip a ``W/`` prefix and surrounding double quotes; newer SDKs quote etags [sdk]."""
    if value is None:
        return None
    text = value.strip()
    if text.startswith("W/"):
        text = text[2:].strip()
    if len(text) >= 2 and text.startswith('"') and text.endswith('"'):
        text = text[1:-1]
    return text or None


def etag_matches(stored: str, if_match: str | None) -> bool:
    """``*`` matches any existing resource [rec: az CLI deletes with --etag *]."""
    wanted = normalize_etag(if_match)
    return wanted is not None and (wanted == "*" or wanted == stored)


def new_verification_code() -> str:
    """48 uppercase hex characters (24 random bytes), as every recorded code [rec]."""
    return secrets.token_hex(24).upper()


def format_etag(rowversion: int) -> str:
    """An 8-byte rowversion in base64 (``AAAADGxQdc4=``): hubs' and DPS instances' own etags
    [rec], and certificates' before late 2021 [rec A]."""
    return base64.b64encode(rowversion.to_bytes(8, "big")).decode("ascii")


def certificate_etag(rowversion: int, moment: datetime) -> str:
    """A certificate's etag as the service sends it since late 2021: base64 of a quoted
    Cosmos DB style value, ``"0a00a8f4-0000-0700-0000-620e91fe0000"`` [rec B].

    In the recordings the first group grows with every write and the last holds the write's Unix
    time in hex; here the first is the database-wide rowversion, so every change gets a new etag.
    """
    value = f'"{rowversion & 0xFFFFFFFF:08x}-0000-0700-0000-{int(moment.timestamp()):08x}0000"'
    return base64.b64encode(value.encode("ascii")).decode("ascii")


class CertificateBackend:
    """Certificates of one kind of parent (IoT hubs or DPS instances)."""

    def __init__(
        self,
        store: Store,
        policy: CertificatePolicy,
        clock: Callable[[], datetime] = utcnow,
        code_factory: Callable[[], str] = new_verification_code,
    ) -> None:
        self.store = store
        self.policy = policy
        self.clock = clock
        self.code_factory = code_factory

    # -- reads -------------------------------------------------------------------------------

    def list(self, parent: ParentRef) -> list[CertificateRecord]:
        """All certificates of a parent, in creation order."""
        with self.store.read() as conn:
            rows = conn.execute(
                _SELECT + "WHERE subscription_id = ? AND resource_group = ? "
                "AND kind = ? AND parent = ? ORDER BY certificates.rowid",
                self._key(parent),
            ).fetchall()
        return [self._record(row) for row in rows]

    def get(self, parent: ParentRef, name: str) -> CertificateRecord:
        """One certificate; :class:`CertificateNotFound` if absent."""
        with self.store.read() as conn:
            row = self._row(conn, parent, name)
        if row is None:
            raise CertificateNotFound(name)
        return self._record(row)

    # -- writes ------------------------------------------------------------------------------

    def create_or_update(
        self,
        parent: ParentRef,
        name: str,
        content: str | None,
        is_verified: bool,
        if_match: str | None,
    ) -> tuple[CertificateRecord, bool]:
        """Create (no If-Match needed) or replace (If-Match required) a certificate.

        Returns the record and whether it was created. An update with a stale or missing
        If-Match is 412 [issue]; If-Match on a create is ignored (DPS spec: "ignored while
        creating a brand new certificate"; [guess] for IoT Hub, whose spec says "do not
        specify"). A content change drops the outstanding verification code [guess].
        """
        self.policy.check_name(name)
        if content is None or not content.strip():
            raise CertificateContentMissing()
        self._decode(content)
        now = self.clock()
        with self.store.write() as conn:
            row = self._row(conn, parent, name)
            etag = certificate_etag(self.store.next_rowversion(conn), now)
            if row is None:
                count = conn.execute(
                    "SELECT COUNT(*) FROM certificates WHERE subscription_id = ? AND "
                    "resource_group = ? AND kind = ? AND parent = ?",
                    self._key(parent),
                ).fetchone()[0]
                if count >= self.policy.max_certificates:
                    raise CertificateLimitExceeded(parent.name, self.policy.max_certificates)
                conn.execute(
                    "INSERT INTO certificates(subscription_id, resource_group, kind, parent, "
                    "name, content, is_verified, created, updated, etag, verification_code) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL)",
                    (
                        *self._key(parent),
                        name,
                        content,
                        int(is_verified),
                        now.isoformat(),
                        now.isoformat(),
                        etag,
                    ),
                )
                created = True
            else:
                if not etag_matches(row["etag"], if_match):
                    raise PreconditionFailed()
                code = row["verification_code"] if row["content"] == content else None
                conn.execute(
                    "UPDATE certificates SET content = ?, is_verified = ?, updated = ?, etag = ?, "
                    "verification_code = ? WHERE " + self._where(),
                    (
                        content,
                        int(is_verified),
                        now.isoformat(),
                        etag,
                        code,
                        *self._key(parent),
                        name,
                    ),
                )
                created = False
            record = self._record(self._row_required(conn, parent, name))
        return record, created

    def delete(self, parent: ParentRef, name: str, if_match: str | None) -> bool:
        """Delete; False (the spec's 204 "Certificate does not exist.") if it was absent."""
        with self.store.write() as conn:
            row = self._row(conn, parent, name)
            if row is None:
                return False
            if not etag_matches(row["etag"], if_match):
                raise PreconditionFailed()
            conn.execute(
                "DELETE FROM certificates WHERE " + self._where(), (*self._key(parent), name)
            )
            # [guess] No source says whether ARM refuses to delete an ADR-synced certificate;
            # the emulator allows it (and the link goes with it).
            conn.execute(
                "DELETE FROM device_registry_certificates WHERE " + self._where(),
                (*self._key(parent), name),
            )
        return True

    def generate_verification_code(
        self, parent: ParentRef, name: str, if_match: str | None
    ) -> CertificateRecord:
        """A fresh code replaces any previous one [guess: only the latest code is valid].

        New etag and ``updated``; ``isVerified`` unchanged [rec]. Allowed on a verified
        certificate [guess]. If-Match is required [spec]; missing is 412 [guess].
        """
        with self.store.write() as conn:
            self._row_to_change(conn, parent, name, if_match)
            now = self.clock()
            etag = certificate_etag(self.store.next_rowversion(conn), now)
            conn.execute(
                "UPDATE certificates SET verification_code = ?, updated = ?, etag = ? WHERE "
                + self._where(),
                (self.code_factory(), now.isoformat(), etag, *self._key(parent), name),
            )
            return self._record(self._row_required(conn, parent, name))

    def verify(
        self, parent: ParentRef, name: str, if_match: str | None, verification_content: str | None
    ) -> CertificateRecord:
        """Check the proof; on success isVerified=true, code consumed, new etag [rec]."""
        if verification_content is None or not verification_content.strip():
            raise CertificateContentMissing()
        leaf = self._decode(verification_content)
        with self.store.write() as conn:
            row = self._row_to_change(conn, parent, name, if_match)
            code = row["verification_code"]
            if not code:
                raise ProofOfPossessionNoCode(row["name"])
            ca = self._record(row).certificate
            outcome = check_proof(ca, leaf, code)
            if outcome in (ProofOutcome.ISSUER_MISMATCH, ProofOutcome.BAD_SIGNATURE):
                raise ProofOfPossessionIssuerNotFound(display_name(ca.subject))
            if outcome is ProofOutcome.UNSUPPORTED_KEY:
                raise ProofOfPossessionUnsupportedKey()
            if outcome is ProofOutcome.SUBJECT_MISMATCH:
                raise ProofOfPossessionSubjectMismatch(display_name(leaf.subject))
            now = self.clock()
            etag = certificate_etag(self.store.next_rowversion(conn), now)
            conn.execute(
                "UPDATE certificates SET is_verified = 1, verification_code = NULL, updated = ?, "
                "etag = ? WHERE " + self._where(),
                (now.isoformat(), etag, *self._key(parent), name),
            )
            return self._record(self._row_required(conn, parent, name))

    # -- helpers -----------------------------------------------------------------------------

    def _decode(self, content: str) -> x509.Certificate:
        try:
            return decode_certificate(content, self.policy.extra_base64_layers)
        except CertificateDecodeError as exc:
            raise InvalidCertificate(str(exc)) from exc

    @staticmethod
    def _key(parent: ParentRef) -> tuple[str, str, str, str]:
        return (parent.subscription_id, parent.resource_group, parent.kind, parent.name)

    @staticmethod
    def _where() -> str:
        return "subscription_id = ? AND resource_group = ? AND kind = ? AND parent = ? AND name = ?"

    def _row(self, conn: sqlite3.Connection, parent: ParentRef, name: str) -> sqlite3.Row | None:
        # Names compare case-insensitively (COLLATE NOCASE), as ARM resource names do [guess].
        row: sqlite3.Row | None = conn.execute(
            _SELECT + "WHERE " + self._where(), (*self._key(parent), name)
        ).fetchone()
        return row

    def _row_required(self, conn: sqlite3.Connection, parent: ParentRef, name: str) -> sqlite3.Row:
        row = self._row(conn, parent, name)
        if row is None:  # pragma: no cover - we are inside the transaction that wrote it
            raise CertificateNotFound(name)
        return row

    def _row_to_change(
        self, conn: sqlite3.Connection, parent: ParentRef, name: str, if_match: str | None
    ) -> sqlite3.Row:
        """The row a write applies to: 404 if absent, 412 if ``if_match`` is not its etag."""
        row = self._row(conn, parent, name)
        if row is None:
            raise CertificateNotFound(name)
        if not etag_matches(row["etag"], if_match):
            raise PreconditionFailed()
        return row

    def _record(self, row: sqlite3.Row) -> CertificateRecord:
        return CertificateRecord(
            name=row["name"],
            content=row["content"],
            is_verified=bool(row["is_verified"]),
            created=datetime.fromisoformat(row["created"]),
            updated=datetime.fromisoformat(row["updated"]),
            etag=row["etag"],
            verification_code=row["verification_code"],
            extra_base64_layers=self.policy.extra_base64_layers,
            device_registry=(
                None
                if row["policy_resource_id"] is None
                else DeviceRegistryLink(
                    row["policy_resource_id"], row["certificate_authority_resource_id"]
                )
            ),
        )
