"""The floor: our ARM calls from a plain azure-mgmt-iothub script with 4 threads.

    python -m bench.floor_script create|delete SPEC RESULT

`create` does what our `up` must: per certificate a PUT (unverified), generateVerificationCode,
and verify with a real proof signed by the CA's key. `delete` does what our `destroy` must: a GET
for the etag, then DELETE. SPEC is JSON: the emulator's startup info and the certificates
(name, hub, certificate_file, key_file); RESULT receives the call phase's duration.

Deliberately plain: only what such a script would import (not pop_provider, whose package
imports the Pulumi SDK), so its start-up is a fair floor too; the proof is built with cryptography
directly, for the bench's EC P-256 CAs.
"""

from __future__ import annotations

import json
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from azure.mgmt.iothub import IotHubClient
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from azure_iot_emulator.testing import EmulatorInfo, client_kwargs, management_credential

THREADS = 4  # the dynamic provider host's gRPC server runs at most 4 calls at once


def proof_pem(ca: x509.Certificate, key: ec.EllipticCurvePrivateKey, code: str) -> str:
    """A certificate with subject CN=<code>, issued under the CA's name and signed by its key."""
    now = datetime.now(UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, code)]))
        .issuer_name(ca.subject)
        .public_key(ec.generate_private_key(ec.SECP256R1()).public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(days=1))
        .sign(key, hashes.SHA256())
    )
    return certificate.public_bytes(serialization.Encoding.PEM).decode()


def create_one(client: Any, group: str, item: dict[str, str]) -> None:
    """PUT, generateVerificationCode, verify: proof of possession in three calls."""
    models = client.certificates.models
    pem = Path(item["certificate_file"]).read_text()
    ca = x509.load_pem_x509_certificate(pem.encode())
    key = serialization.load_pem_private_key(Path(item["key_file"]).read_bytes(), None)
    if not isinstance(key, ec.EllipticCurvePrivateKey):
        raise TypeError("the bench's CAs are EC P-256")
    hub, name = item["hub"], item["name"]
    uploaded = client.certificates.create_or_update(
        group,
        hub,
        name,
        models.CertificateDescription(
            properties=models.CertificateProperties(certificate=pem, is_verified=False)
        ),
    )
    code = client.certificates.generate_verification_code(group, hub, name, if_match=uploaded.etag)
    proof = proof_pem(ca, key, code.properties.verification_code)
    verified = client.certificates.verify(
        group,
        hub,
        name,
        if_match=code.etag,
        certificate_verification_body=models.CertificateVerificationDescription(certificate=proof),
    )
    if not verified.properties.is_verified:
        raise RuntimeError(f"{hub}/{name} is not verified after verify")


def delete_one(client: Any, group: str, item: dict[str, str]) -> None:
    """GET for the current etag, then DELETE with it."""
    current = client.certificates.get(group, item["hub"], item["name"])
    client.certificates.delete(group, item["hub"], item["name"], if_match=current.etag)


def main(argv: list[str]) -> int:
    """Run `create` or `delete` over SPEC's certificates with 4 threads."""
    action, spec_path, result_path = argv
    one = {"create": create_one, "delete": delete_one}[action]
    spec = json.loads(Path(spec_path).read_text())
    info = EmulatorInfo.from_json(json.dumps(spec["info"]))
    client = IotHubClient(management_credential(info), info.subscription_id, **client_kwargs(info))
    started = time.perf_counter()
    with ThreadPoolExecutor(THREADS) as pool:
        futures = [
            pool.submit(one, client, info.resource_group, item) for item in spec["certificates"]
        ]
        for future in futures:
            future.result()
    Path(result_path).write_text(json.dumps({"calls_s": time.perf_counter() - started}))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
