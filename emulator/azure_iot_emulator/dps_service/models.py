"""Enrollment groups of a DPS: their rules and their state. No HTTP.

Facts are from /work/shared/reference/dps-enrollment-and-devices.md §1, which cites
[spec] azure-rest-api-specs ``DeviceProvisioningServices/service/models.tsp`` / ``routes.tsp``,
[rec] azure-sdk-for-python ``azure-iot-deviceprovisioning/tests/recordings/
test_enrollment_groups.py*`` (2023-05) and [code] azure-iot-cli-extension
``azext_iot/operations/dps.py``. What none of them states is marked **[guess]**.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import secrets
import sqlite3
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding

from azure_iot_emulator.certcodec import CertificateDecodeError, decode_certificate
from azure_iot_emulator.devices.models import etag_matches
from azure_iot_emulator.dps_service.exceptions import (
    EnrollmentGroupExists,
    EnrollmentGroupNotFound,
    InvalidRequest,
    PreconditionFailed,
    TooManyBulkItems,
)
from azure_iot_emulator.proof import display_name
from azure_iot_emulator.store import Store
from azure_iot_emulator.wire import utcnow

ALLOCATION_POLICIES = ("hashed", "geoLatency", "static", "custom")  # [spec]
PROVISIONING_STATUSES = ("enabled", "disabled")  # [spec]
BULK_MODES = ("create", "update", "updateIfMatchETag", "delete")  # [spec]
MAX_BULK_ITEMS = 10  # [spec] "maximum of 10"
# [rec] azure-sdk-for-python @ 1551a4dd4400cf1a2d9ce64d1fae3b62ed6d84da,
# sdk/deviceprovisioningservices/azure-iot-deviceprovisioning/tests/recordings/
# test_individual_enrollments.pyTestIndividualEnrollmentstest_individual_enrollment_paging.json:
# 150 enrollments queried without x-ms-max-item-count came back as 100 then 50, with
# x-ms-continuation; with 50, as 50/50/50.
DEFAULT_PAGE_SIZE = 100
# [guess] the largest page the service honours is not published; larger requests get this many.
MAX_PAGE_SIZE = 1000
# [guess] from the service docs' rule for registration ids and individual enrollments: up to 128
# characters, alphanumerics and ``- . _ :``; the recordings' ids use underscores.
GROUP_ID = re.compile(r"[A-Za-z0-9\-._:]{1,128}")
# The fields a client may set [spec]; the read-only ones are the service's.
WRITABLE_FIELDS = (
    "capabilities",
    "iotHubHostName",
    "initialTwin",
    "provisioningStatus",
    "reprovisionPolicy",
    "allocationPolicy",
    "iotHubs",
    "customAllocationDefinition",
)


@dataclass(frozen=True)
class DpsInstance:
    """The DPS a service request addresses: its ARM identity and what the rules need of it."""

    subscription_id: str
    resource_group: str
    name: str
    linked_hubs: tuple[str, ...]
    certificate_names: tuple[str, ...]

    @property
    def arm_id(self) -> str:
        """The RBAC scope of its data actions [doc: the DPS or above]."""
        return (
            f"/subscriptions/{self.subscription_id}/resourceGroups/{self.resource_group}"
            f"/providers/Microsoft.Devices/provisioningServices/{self.name}"
        )


@dataclass(frozen=True)
class StoredGroup:
    """One enrollment group as stored: the client's fields, the service's stamps."""

    group_id: str
    document: dict[str, Any]
    etag: str
    created: str
    updated: str


def timestamp(moment: datetime) -> str:
    """``2023-05-09T20:31:16.3220889Z``: 7 fractional digits and ``Z`` [rec]."""
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond:06d}0Z"


def group_etag(rowversion: int, moment: datetime) -> str:
    """Base64 of a quoted Cosmos DB style value, ``"b0026f8c-0000-0800-0000-645aad940000"``
    [rec]; the first group here is the database-wide rowversion, so every write changes it."""
    value = f'"{rowversion & 0xFFFFFFFF:08x}-0000-0800-0000-{int(moment.timestamp()):08x}0000"'
    return base64.b64encode(value.encode("ascii")).decode("ascii")


def new_symmetric_key() -> str:
    """64 random bytes in base64, the length of the keys DPS generates [guess]."""
    return base64.b64encode(secrets.token_bytes(64)).decode("ascii")


def certificate_info(cert: x509.Certificate) -> dict[str, Any]:
    """``X509CertificateInfo`` as the service derives it from an uploaded certificate [rec: field
    names and formats; thumbprints upper-case hex [guess], the recording sanitises them]; names
    as .NET prints them (proof.display_name) [rec: "CN=enroll_cert_cada3eaa"]."""
    der = cert.public_bytes(Encoding.DER)
    return {
        "subjectName": display_name(cert.subject),
        "sha1Thumbprint": hashlib.sha1(der).hexdigest().upper(),  # noqa: S324 - a thumbprint
        "sha256Thumbprint": hashlib.sha256(der).hexdigest().upper(),
        "issuerName": display_name(cert.issuer),
        "notBeforeUtc": cert.not_valid_before_utc.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "notAfterUtc": cert.not_valid_after_utc.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "serialNumber": _serial_hex(cert.serial_number),
        "version": cert.version.value + 1,
    }


def _serial_hex(serial: int) -> str:
    """The serial's DER bytes in upper-case hex, as .NET prints ``SerialNumber`` [rec: 40 hex
    digits for a 20-byte serial] (a leading 00 when the high bit is set [guess])."""
    return serial.to_bytes((serial.bit_length() + 8) // 8, "big").hex().upper()


def _parse_certificate(text: Any, where: str) -> str:
    """The PEM of a signing certificate given as PEM or base64 DER, or 400."""
    if not isinstance(text, str) or not text.strip():
        raise InvalidRequest("TPM or X509 attestation is required.")  # [issue] azure-cli#19197
    try:
        cert = decode_certificate(text)
    except CertificateDecodeError:
        raise InvalidRequest(f"'{where}' is not a PEM or base64 DER certificate.") from None
    return cert.public_bytes(Encoding.PEM).decode("ascii")


def _string(value: Any, where: str) -> str:
    if not isinstance(value, str) or not value:
        raise InvalidRequest(f"'{where}' must be a non-empty string.")
    return value


def _object(value: Any, where: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise InvalidRequest(f"'{where}' must be an object.")
    return value


def _attestation(raw: Any) -> dict[str, Any]:
    """The stored attestation: ``x509`` with ``caReferences`` or ``signingCertificates``, or
    ``symmetricKey`` (keys generated when absent [rec: a PUT with null keys got keys back])."""
    if not isinstance(raw, dict) or raw.get("type") not in ("x509", "symmetricKey"):
        # [guess] groups take x509 or symmetric keys only: TPM is per device [doc].
        raise InvalidRequest("TPM or X509 attestation is required.")
    if raw["type"] == "symmetricKey":
        keys = raw.get("symmetricKey") or {}
        keys = _object(keys, "attestation.symmetricKey")
        return {
            "type": "symmetricKey",
            "symmetricKey": {
                "primaryKey": keys.get("primaryKey") or new_symmetric_key(),
                "secondaryKey": keys.get("secondaryKey") or new_symmetric_key(),
            },
        }
    x509_part = _object(raw.get("x509"), "attestation.x509")
    refs, signing = x509_part.get("caReferences"), x509_part.get("signingCertificates")
    if x509_part.get("clientCertificates") is not None or (refs is None) == (signing is None):
        # [code] az CLI: --root-ca-name and --certificate-path are mutually exclusive; client
        # certificates belong to individual enrollments [spec].
        raise InvalidRequest(
            "An enrollment group's x509 attestation takes either 'caReferences' or "
            "'signingCertificates'."
        )
    if refs is not None:
        refs = _object(refs, "attestation.x509.caReferences")
        stored = {"primary": _string(refs.get("primary"), "attestation.x509.caReferences.primary")}
        if refs.get("secondary") is not None:
            stored["secondary"] = _string(
                refs["secondary"], "attestation.x509.caReferences.secondary"
            )
        return {"type": "x509", "x509": {"caReferences": stored}}
    signing = _object(signing, "attestation.x509.signingCertificates")
    certs: dict[str, Any] = {}
    for slot in ("primary", "secondary"):
        entry = signing.get(slot)
        if entry is None:
            continue
        where = f"attestation.x509.signingCertificates.{slot}.certificate"
        certs[slot] = {
            "certificate": _parse_certificate(_object(entry, where).get("certificate"), where)
        }
    if "primary" not in certs:
        raise InvalidRequest("TPM or X509 attestation is required.")
    return {"type": "x509", "x509": {"signingCertificates": certs}}


def check_group(
    group_id: str, body: dict[str, Any], dps: DpsInstance, strict_ca: bool
) -> dict[str, Any]:
    """The stored document of a PUT body, or the 400 the service answers.

    Rules: the id in the body is the id in the path [guess]; ``static`` takes exactly one hub
    and ``custom`` a webhook URL and api-version [code: az CLI]; ``iotHubs`` are host names of
    hubs linked to the DPS [spec: "must be a subset of tenant level list"]. With ``strict_ca``
    the ``caReferences`` must name certificates on the DPS; off by default, because the service
    seems to resolve them at registration, not at write (reference §1.3) **[guess]**.
    """
    if not GROUP_ID.fullmatch(group_id):
        raise InvalidRequest(
            f"Enrollment group id '{group_id}' is invalid: up to 128 letters, digits and - . _ :"
        )
    body_id = body.get("enrollmentGroupId")
    if body_id is not None and str(body_id).lower() != group_id.lower():
        raise InvalidRequest(
            f"The enrollmentGroupId '{body_id}' in the body is not the one in the path, "
            f"'{group_id}'."
        )
    document: dict[str, Any] = {"attestation": _attestation(body.get("attestation"))}
    for field in WRITABLE_FIELDS:
        if body.get(field) is not None:
            document[field] = body[field]
    # Absent and null are stored alike, and answered as null [rec: "provisioningStatus": null].
    status = document.get("provisioningStatus")
    if status is not None and status not in PROVISIONING_STATUSES:
        raise InvalidRequest(
            f"provisioningStatus must be one of {', '.join(PROVISIONING_STATUSES)}."
        )
    policy = document.get("allocationPolicy")
    if policy is not None and policy not in ALLOCATION_POLICIES:
        raise InvalidRequest(f"allocationPolicy must be one of {', '.join(ALLOCATION_POLICIES)}.")
    hubs = document.get("iotHubs")
    if hubs is not None and (
        not isinstance(hubs, list) or not all(isinstance(h, str) for h in hubs)
    ):
        raise InvalidRequest("iotHubs must be a list of IoT hub host names.")
    named = list(hubs or []) + (
        [document["iotHubHostName"]] if isinstance(document.get("iotHubHostName"), str) else []
    )
    linked = {h.lower() for h in dps.linked_hubs}
    unknown = [h for h in named if h.lower() not in linked]
    if unknown:
        # [guess] wording and code; the spec only says "must be a subset of tenant level list".
        raise InvalidRequest(
            f"IoT hub(s) {', '.join(unknown)} are not linked to the provisioning service "
            f"{dps.name}; linked: {', '.join(dps.linked_hubs) or 'none'}."
        )
    if policy == "static" and len(set(h.lower() for h in named)) != 1:
        raise InvalidRequest("Only one hub is required in static allocation policy.")  # [code]
    if policy == "custom":
        custom = document.get("customAllocationDefinition")
        if not (isinstance(custom, dict) and custom.get("webhookUrl") and custom.get("apiVersion")):
            raise InvalidRequest(  # [code] az CLI: both required with custom allocation
                "Custom allocation policy requires customAllocationDefinition with webhookUrl "
                "and apiVersion."
            )
    refs = document["attestation"].get("x509", {}).get("caReferences")
    if strict_ca and refs:
        names = {n.lower() for n in dps.certificate_names}
        missing = [n for n in refs.values() if n.lower() not in names]
        if missing:
            raise InvalidRequest(  # [guess] wording; see the docstring
                f"CA certificate(s) {', '.join(missing)} not found on {dps.name}."
            )
    return document


def _attestation_wire(attestation: dict[str, Any], reveal_keys: bool) -> dict[str, Any]:
    """Symmetric keys only on a PUT's answer and from attestationmechanism; GET and query show the
    type alone [rec]. Signing certificates are answered by their ``info``, never echoed [rec]."""
    if attestation["type"] == "symmetricKey":
        return dict(attestation) if reveal_keys else {"type": "symmetricKey"}
    x509_part = attestation["x509"]
    if "caReferences" in x509_part:
        return {"type": "x509", "x509": {"caReferences": dict(x509_part["caReferences"])}}
    signing = {
        slot: {
            "info": certificate_info(x509.load_pem_x509_certificate(entry["certificate"].encode()))
        }
        for slot, entry in x509_part["signingCertificates"].items()
    }
    return {"type": "x509", "x509": {"signingCertificates": signing}}


def group_wire(group: StoredGroup, reveal_keys: bool = False) -> dict[str, Any]:
    """The EnrollmentGroup as the service answers it: null optional fields absent, except
    ``provisioningStatus``, answered null when never set [rec]."""
    doc = group.document
    body: dict[str, Any] = {
        "enrollmentGroupId": group.group_id,
        "attestation": _attestation_wire(doc["attestation"], reveal_keys),
    }
    for field in ("capabilities", "iotHubHostName", "initialTwin"):
        if field in doc:
            body[field] = doc[field]
    body["etag"] = group.etag
    body["provisioningStatus"] = doc.get("provisioningStatus")
    if "reprovisionPolicy" in doc:
        body["reprovisionPolicy"] = doc["reprovisionPolicy"]
    body["createdDateTimeUtc"] = group.created
    body["lastUpdatedDateTimeUtc"] = group.updated
    for field in ("allocationPolicy", "iotHubs", "customAllocationDefinition"):
        if field in doc:
            body[field] = doc[field]
    return body


def attestation_mechanism(group: StoredGroup) -> dict[str, Any]:
    """``POST .../attestationmechanism``: the attestation with its keys [rec]."""
    return _attestation_wire(group.document["attestation"], reveal_keys=True)


def _encode_token(after: int) -> str:
    return base64.urlsafe_b64encode(json.dumps({"after": after}).encode()).decode("ascii")


def _decode_token(token: str) -> int:
    try:
        after = json.loads(base64.urlsafe_b64decode(token.encode("ascii")))["after"]
    except (ValueError, KeyError, TypeError):
        raise InvalidRequest("The x-ms-continuation token is invalid.") from None
    if not isinstance(after, int):
        raise InvalidRequest("The x-ms-continuation token is invalid.")
    return after


class EnrollmentGroupBackend:
    """Enrollment groups of every DPS, in the state database (table ``enrollment_groups``)."""

    def __init__(self, store: Store, strict_ca_references: bool = False) -> None:
        self.store = store
        self.strict_ca_references = strict_ca_references

    # -- reads --------------------------------------------------------------------------------

    def get(self, dps: DpsInstance, group_id: str) -> StoredGroup:
        """One group, or 404204."""
        with self.store.read() as conn:
            row = self._row(conn, dps, group_id)
        if row is None:
            raise EnrollmentGroupNotFound(group_id)
        return self._group(row)

    def every_group(self, dps: DpsInstance) -> list[StoredGroup]:
        """All the DPS's groups in creation order, unpaged (the device API's candidates)."""
        with self.store.read() as conn:
            rows = conn.execute(
                "SELECT * FROM enrollment_groups WHERE dps_id = ? ORDER BY rowid", (dps.arm_id,)
            ).fetchall()
        return [self._group(r) for r in rows]

    def query(
        self, dps: DpsInstance, query: Any, max_items: int | None, continuation: str | None
    ) -> tuple[list[StoredGroup], str | None]:
        """A page of groups and the token of the next page, if any.

        Pages hold ``max_items`` groups (up to MAX_PAGE_SIZE), DEFAULT_PAGE_SIZE when the client
        sets none [rec]. Groups come in creation order: the emulator's choice; the paging
        recording's items come back out of creation order, so Azure does not promise one.
        Only ``SELECT *`` (any case, ``FROM enrollmentGroups`` optional) is emulated: the
        recording sends ``select *`` [rec]; the service's query language is documented no
        further, and a filter answered unfiltered would mislead [guess]."""
        if not isinstance(query, str) or " ".join(query.split()).upper() not in (
            "SELECT *",
            "SELECT * FROM ENROLLMENTGROUPS",
        ):
            raise InvalidRequest("The emulator answers the query 'SELECT *' only.")
        after = _decode_token(continuation) if continuation else 0
        # A count of 0 or less is taken as none given [guess].
        limit = min(max_items, MAX_PAGE_SIZE) if max_items and max_items > 0 else DEFAULT_PAGE_SIZE
        with self.store.read() as conn:
            rows = conn.execute(
                "SELECT rowid, * FROM enrollment_groups WHERE dps_id = ? AND rowid > ? "
                "ORDER BY rowid LIMIT ?",
                (dps.arm_id, after, limit + 1),
            ).fetchall()
        more = len(rows) > limit
        page = rows[:limit]
        token = _encode_token(page[-1]["rowid"]) if more else None
        return [self._group(r) for r in page], token

    # -- writes -------------------------------------------------------------------------------

    def create_or_update(
        self, dps: DpsInstance, group_id: str, body: dict[str, Any], if_match: str | None
    ) -> StoredGroup:
        """PUT: create (no If-Match), replace (If-Match equal, or absent [guess]); 412 on a stale
        etag, or on an If-Match for a group that does not exist [guess: HTTP's rule]."""
        document = check_group(group_id, body, dps, self.strict_ca_references)
        with self.store.write() as conn:
            row = self._row(conn, dps, group_id)
            if if_match is not None and (row is None or not etag_matches(row["etag"], if_match)):
                raise PreconditionFailed()
            return self._write(conn, dps, group_id, document, row)

    def delete(self, dps: DpsInstance, group_id: str, if_match: str | None) -> None:
        """DELETE: 404204 when missing, 412 on a stale If-Match."""
        with self.store.write() as conn:
            row = self._row(conn, dps, group_id)
            if row is None:
                raise EnrollmentGroupNotFound(group_id)
            if if_match is not None and not etag_matches(row["etag"], if_match):
                raise PreconditionFailed()
            conn.execute(
                "DELETE FROM enrollment_groups WHERE dps_id = ? AND group_id = ?",
                (dps.arm_id, group_id),
            )

    def bulk(self, dps: DpsInstance, groups: Any, mode: Any) -> list[dict[str, Any]]:
        """``POST /enrollmentGroups``: each group on its own; the errors, per group.

        [rec] ``create`` then ``update`` of the same groups answered ``update`` with 409202
        "EnrollmentGroup already exists." for each: the emulator answers so too, for ``create``
        and ``update`` alike; ``updateIfMatchETag`` replaces a group whose ``etag`` matches, and
        ``delete`` removes (404204 when missing) [guess]. A rejected body is that group's error
        (its code and message), never the request's [guess].
        """
        if mode not in BULK_MODES:
            raise InvalidRequest(f"mode must be one of {', '.join(BULK_MODES)}.")
        if not isinstance(groups, list) or not all(isinstance(g, dict) for g in groups):
            raise InvalidRequest("enrollmentGroups must be a list of enrollment groups.")
        if len(groups) > MAX_BULK_ITEMS:
            raise TooManyBulkItems(len(groups))
        errors: list[dict[str, Any]] = []
        for raw in groups:
            group_id = str(raw.get("enrollmentGroupId") or "")
            try:
                self._bulk_one(dps, group_id, raw, mode)
            except (
                InvalidRequest,
                EnrollmentGroupExists,
                EnrollmentGroupNotFound,
                PreconditionFailed,
            ) as error:
                errors.append(
                    {
                        "enrollmentGroupId": group_id,
                        "errorCode": error.code,
                        "errorStatus": error.message,
                    }
                )
        return errors

    def _bulk_one(self, dps: DpsInstance, group_id: str, raw: dict[str, Any], mode: str) -> None:
        if mode == "delete":
            self.delete(dps, group_id, None)
            return
        document = check_group(group_id, raw, dps, self.strict_ca_references)
        with self.store.write() as conn:
            row = self._row(conn, dps, group_id)
            if mode in ("create", "update") and row is not None:
                raise EnrollmentGroupExists()
            if mode == "updateIfMatchETag" and (
                row is None or not etag_matches(row["etag"], str(raw.get("etag") or ""))
            ):
                raise PreconditionFailed()
            self._write(conn, dps, group_id, document, row)

    # -- rows ---------------------------------------------------------------------------------

    def _write(
        self,
        conn: sqlite3.Connection,
        dps: DpsInstance,
        group_id: str,
        document: dict[str, Any],
        row: sqlite3.Row | None,
    ) -> StoredGroup:
        now = utcnow()
        etag = group_etag(self.store.next_rowversion(conn), now)
        stamp = timestamp(now)
        if row is None:
            conn.execute(
                "INSERT INTO enrollment_groups(dps_id, group_id, document, etag, created, "
                "updated) VALUES (?, ?, ?, ?, ?, ?)",
                (dps.arm_id, group_id, json.dumps(document), etag, stamp, stamp),
            )
        else:
            conn.execute(
                "UPDATE enrollment_groups SET document = ?, etag = ?, updated = ? "
                "WHERE dps_id = ? AND group_id = ?",
                (json.dumps(document), etag, stamp, dps.arm_id, group_id),
            )
        stored = self._row(conn, dps, group_id)
        assert stored is not None
        return self._group(stored)

    @staticmethod
    def _row(conn: sqlite3.Connection, dps: DpsInstance, group_id: str) -> sqlite3.Row | None:
        row: sqlite3.Row | None = conn.execute(
            "SELECT * FROM enrollment_groups WHERE dps_id = ? AND group_id = ?",
            (dps.arm_id, group_id),
        ).fetchone()
        return row

    @staticmethod
    def _group(row: sqlite3.Row) -> StoredGroup:
        return StoredGroup(
            row["group_id"],
            json.loads(row["document"]),
            row["etag"],
            row["created"],
            row["updated"],
        )
