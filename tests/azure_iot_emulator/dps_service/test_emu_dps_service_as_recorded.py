"""Replays of real DPS service API exchanges (tests/azure_iot_emulator/recordings/dps_service/,
README there names their source) against the emulator, through Microsoft's client's own
pipeline (Entra token, TLS): each recorded request is sent as recorded, and the answer must
have the recorded status, headers and body, field for field.

What cannot be equal is compared by form: the service's etags and timestamps (their format, and
"new etag on every write, created kept, updated moved"), values the recorder sanitised
(``thumbprint``, keys: by type), and a real certificate's dates and serial (by format: the
recording's certificate is gone, a generated one with the recorded subject takes its place).
One deliberate difference: the recordings answer a signing-certificate group with a
``secondary`` identical to its ``primary`` though none was sent; the emulator does not invent
one (reference §1.3: a quirk or the recorder's sanitising, not to be relied on).
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from azure.core.rest import HttpRequest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from azure_iot_emulator.testing import EmulatorInfo
from tests.azure_iot_emulator.dps_service.conftest import (
    DATA_CONTRIBUTOR,
    credential_of,
    service_client,
)

RECORDINGS = Path(__file__).parent.parent / "recordings" / "dps_service"
TIMESTAMP = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{7}Z$")
CERT_DATE = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
SANITISED = {"thumbprint", "primaryKey", "secondaryKey"}
STAMPS = {"createdDateTimeUtc", "lastUpdatedDateTimeUtc"}


def signing_certificate(cn: str) -> str:
    """A self-signed certificate with the recorded subject, in PEM."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=1))
        .not_valid_after(now + timedelta(days=1))
        .sign(key, hashes.SHA256())
    )
    return cert.public_bytes(serialization.Encoding.PEM).decode()


def substitute(value: Any, pem: str) -> Any:
    """The recorded request with a real certificate where the recorder left ``"certificate"``."""
    if isinstance(value, dict):
        return {
            k: (pem if k == "certificate" and v == "certificate" else substitute(v, pem))
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [substitute(v, pem) for v in value]
    return value


def drop_invented_secondary(recorded: Any) -> Any:
    """The recording's ``secondary`` signing certificate that no request sent (see module doc)."""
    if isinstance(recorded, dict):
        out = {k: drop_invented_secondary(v) for k, v in recorded.items()}
        signing = out.get("signingCertificates")
        if isinstance(signing, dict) and signing.get("secondary") == signing.get("primary"):
            out["signingCertificates"] = {"primary": signing["primary"]}
        return out
    if isinstance(recorded, list):
        return [drop_invented_secondary(v) for v in recorded]
    return recorded


class Replay:
    """Compares one live answer with its recording, keeping the etag and stamp history."""

    def __init__(self) -> None:
        self.etags: dict[str, str] = {}  # recorded etag -> live etag
        self.stamps: dict[str, str] = {}  # recorded timestamp -> live timestamp

    def same(self, recorded: Any, live: Any, where: str) -> None:
        if isinstance(recorded, dict):
            assert isinstance(live, dict), where
            assert set(live) == set(recorded), f"{where}: {sorted(live)} != {sorted(recorded)}"
            for key, value in recorded.items():
                self.field(key, value, live[key], f"{where}.{key}")
        elif isinstance(recorded, list):
            assert isinstance(live, list) and len(live) == len(recorded), where
            for i, (r, v) in enumerate(zip(recorded, live, strict=True)):
                self.same(r, v, f"{where}[{i}]")
        else:
            assert live == recorded, f"{where}: {live!r} != {recorded!r}"

    def field(self, key: str, recorded: Any, live: Any, where: str) -> None:
        if key == "etag":
            # One live etag per recorded one: a new write, a new etag; a read, the same.
            assert self.etags.setdefault(recorded, live) == live, where
            assert list(self.etags.values()).count(live) == 1, f"{where}: etag reused"
        elif key in STAMPS:
            assert TIMESTAMP.match(live), f"{where}: {live}"
            assert self.stamps.setdefault(recorded, live) == live, where
        elif key in ("notBeforeUtc", "notAfterUtc"):
            assert CERT_DATE.match(live), f"{where}: {live}"
        elif key == "serialNumber":
            assert re.fullmatch(r"[0-9A-F]+", live) and len(live) % 2 == 0, where
        elif isinstance(recorded, str) and recorded in SANITISED:
            assert isinstance(live, str) and live, where
        else:
            self.same(recorded, live, where)


@pytest.mark.parametrize(
    "recording",
    [
        "enrollment_group_symmetrickey_lifecycle.json",
        "enrollment_group_x509_lifecycle.json",
        "enrollment_group_bulk_operations.json",
    ],
)
def test_the_emulator_answers_as_recorded(
    dps_emulator: EmulatorInfo, service_host: str, recording: str
) -> None:
    entries = json.loads((RECORDINGS / recording).read_text())["Entries"]
    client = service_client(
        dps_emulator, credential_of(dps_emulator, DATA_CONTRIBUTOR["client_id"]), service_host
    )
    pem = signing_certificate("enroll_cert_cada3eaa")
    replay = Replay()
    live_etag: dict[str, str] = {}  # recorded etag -> live etag, to send a recorded If-Match
    for number, entry in enumerate(entries):
        where = f"{recording}#{number} {entry['RequestMethod']} {entry['RequestUri']}"
        headers = dict(entry.get("RequestHeaders", {}))
        if "If-Match" in headers:
            headers["If-Match"] = live_etag[headers["If-Match"]]
        body = entry["RequestBody"]
        request = HttpRequest(
            entry["RequestMethod"],
            f"https://{service_host}{entry['RequestUri']}",
            headers=headers,
            json=substitute(body, pem) if body is not None else None,
        )
        response = client.send_request(request)
        assert response.status_code == entry["StatusCode"], f"{where}: {response.text()}"
        for name, value in entry.get("ResponseHeaders", {}).items():
            assert response.headers.get(name) == value, where
        recorded = entry["ResponseBody"]
        if recorded is None:
            assert not response.content, where
            continue
        replay.same(drop_invented_secondary(recorded), response.json(), where)
        live_etag.update(replay.etags)
