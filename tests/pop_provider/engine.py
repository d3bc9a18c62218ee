"""Helpers shared by the engine tests: config entries, what the hub reports, ARM call counts."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

from azure.mgmt.iothub import IotHubClient
from azure.mgmt.iothubprovisioningservices import IotDpsClient

from azure_iot_emulator.testing import AdminClient, EmulatorInfo, management_credential
from tests.pki import CertifiedKey


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


def delete_out_of_band(info: EmulatorInfo, name: str, hub: str | None = None) -> None:
    """Delete a hub certificate as a colleague with the portal would."""
    client, group, hub = hub_client(info).certificates, info.resource_group, hub or info.iot_hubs[0]
    current = client.get(group, hub, name)
    client.delete(group, hub, name, if_match=current.etag)


def unverify_out_of_band(info: EmulatorInfo, name: str, hub: str | None = None) -> None:
    """Re-upload a hub certificate as unverified, as a portal upload over it would."""
    client, group, hub = hub_client(info).certificates, info.resource_group, hub or info.iot_hubs[0]
    current = client.get(group, hub, name)
    current.properties.is_verified = False
    client.create_or_update(group, hub, name, current, if_match=current.etag)


def arm_calls(admin: AdminClient, prefix: str = "Certificates_") -> Counter[str]:
    """Certificate ARM calls by operation id (not tokens, not admin calls)."""
    return Counter(
        entry["operation"]
        for entry in admin.requests()
        if str(entry.get("operation") or "").startswith(prefix)
    )


def dps_client(info: EmulatorInfo) -> Any:
    return IotDpsClient(
        management_credential(info),
        info.subscription_id,
        base_url=info.base_url,
        connection_verify=info.ca_bundle,
    )


def dps_certificates(info: EmulatorInfo) -> dict[str, Any]:
    listing = dps_client(info).dps_certificate.list(info.resource_group, info.dps[0])
    return {cert.name: cert for cert in listing.value or []}


def dps_id(info: EmulatorInfo) -> str:
    return (
        f"/subscriptions/{info.subscription_id}/resourceGroups/{info.resource_group}"
        f"/providers/Microsoft.Devices/provisioningServices/{info.dps[0]}"
    )


def hub_id(info: EmulatorInfo, hub: str | None = None) -> str:
    return (
        f"/subscriptions/{info.subscription_id}/resourceGroups/{info.resource_group}"
        f"/providers/Microsoft.Devices/IotHubs/{hub or info.iot_hubs[0]}"
    )


def make_thumbprint(ca: CertifiedKey) -> str:
    """The thumbprint Azure reports for this CA's certificate."""
    from pop_provider.core.certificates import thumbprint

    return thumbprint(ca.certificate)


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
