"""VerifiedCaCertificate under the real `pulumi up`, against the emulator.

Each test runs this repo's own program (`__main__.py`) from a scratch project, configured through
the stack config as a user would, and judges the result by what the hub reports through
Microsoft's client and by the emulator's request log (ARM calls by operation).
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from azure.mgmt.iothub import IotHubClient

from azure_iot_emulator.testing import AdminClient, EmulatorInfo, management_credential
from tests.conftest import write_certificates_config
from tests.pki import CertifiedKey, make_ca
from tests.pulumi_cli import PulumiStack

pytestmark = pytest.mark.engine

WRITE_OPERATIONS = {
    "Certificates_CreateOrUpdate",
    "Certificates_Delete",
    "Certificates_GenerateVerificationCode",
    "Certificates_Verify",
}


def hub_client(info: EmulatorInfo) -> Any:
    return IotHubClient(
        management_credential(info),
        info.subscription_id,
        base_url=info.base_url,
        connection_verify=info.ca_bundle,
    )


def hub_certificates(info: EmulatorInfo, hub: str | None = None) -> dict[str, Any]:
    listing = hub_client(info).certificates.list_by_iot_hub(
        info.resource_group, hub or info.iot_hubs[0]
    )
    return {cert.name: cert for cert in listing.value or []}


def arm_calls(admin: AdminClient) -> Counter[str]:
    """ARM calls by operation id (token requests and admin calls are not ARM calls)."""
    return Counter(
        entry["operation"]
        for entry in admin.requests()
        if str(entry.get("operation", "")).startswith("Certificates_")
    )


def hub_id(info: EmulatorInfo, hub: str | None = None) -> str:
    return (
        f"/subscriptions/{info.subscription_id}/resourceGroups/{info.resource_group}"
        f"/providers/Microsoft.Devices/IotHubs/{hub or info.iot_hubs[0]}"
    )


def entry(
    workdir: Path,
    name: str,
    ca: CertifiedKey,
    info: EmulatorInfo,
    *,
    mode: str = "proof",
    password: str | None = None,
    **extra: Any,
) -> dict[str, Any]:
    """One `certificates` config entry with the CA's files written beside the project."""
    cert_file = workdir / f"{name}.pem"
    cert_file.write_text(ca.certificate_pem)
    item: dict[str, Any] = {
        "name": name,
        "hubId": hub_id(info),
        "mode": mode,
        "certificateFile": str(cert_file),
    }
    if mode == "proof":
        key_file = workdir / f"{name}.key"
        key_file.write_text(
            ca.encrypted_private_key_pem(password) if password else ca.private_key_pem
        )
        item["privateKeyFile"] = str(key_file)
    item.update(extra)
    return item


def test_auto_mode_is_one_call_and_verified(
    program_stack: PulumiStack, emulator: EmulatorInfo, admin: AdminClient, tmp_path: Path
) -> None:
    write_certificates_config(
        program_stack, [entry(tmp_path, "auto-root", make_ca("auto root"), emulator, mode="auto")]
    )
    admin.clear_requests()
    program_stack.up()
    assert arm_calls(admin) == Counter({"Certificates_CreateOrUpdate": 1})
    outputs = program_stack.outputs()["certificates"]["auto-root"]
    assert outputs["is_verified"] is True
    assert hub_certificates(emulator)[outputs["certificate_name"]].properties.is_verified

    admin.clear_requests()
    program_stack.preview("--expect-no-changes")
    assert not (set(arm_calls(admin)) & WRITE_OPERATIONS)

    program_stack.destroy()
    assert hub_certificates(emulator) == {}
