"""Certificates that Azure Device Registry synced onto a hub: seeded, listed with the ADR
marker the request's api-version names (`policyResourceId` 2025-08-01-preview,
`certificateAuthorityResourceId` 2026-10-01-preview, none on a stable version), verified, and
deletable through ARM ([guess]: no source says Azure refuses)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from azure.mgmt.iothub import IotHubClient

from azure_iot_emulator.arm.apiversions import iothub_device_registry_property
from azure_iot_emulator.devices.models import CertificateBackend, ParentRef
from azure_iot_emulator.iothub import models as iothub_models
from azure_iot_emulator.seed import (
    DEFAULT_RESOURCE_GROUP,
    DEFAULT_SUBSCRIPTION,
    SeedError,
    apply_seed,
    default_seed_document,
    parse_seed,
)
from azure_iot_emulator.store import Store
from azure_iot_emulator.testing import (
    EmulatorInfo,
    EmulatorProcess,
    client_kwargs,
    management_credential,
)
from tests.pki import make_ca

POLICY = (
    f"/subscriptions/{DEFAULT_SUBSCRIPTION}/resourceGroups/{DEFAULT_RESOURCE_GROUP}/providers/"
    "Microsoft.DeviceRegistry/namespaces/ns-fleet/credentials/default/policies/default"
)
AUTHORITY = POLICY + "/certificateAuthorities/default"  # [guess] no public example
HUB = "hub-pop-demo"


def seed_with_adr_certificate(pem: str, **registry: str) -> dict[str, Any]:
    """The default seed, its first hub holding one ADR-synced certificate `adr-ica`."""
    document = default_seed_document()
    group = document["subscriptions"][0]["resource_groups"][0]
    group["iot_hubs"][0] = {
        "name": HUB,
        "certificates": [
            {
                "name": "adr-ica",
                "certificate": pem,
                "device_registry": registry or {"policy_resource_id": POLICY},
            }
        ],
    }
    return document


def test_the_marker_is_named_by_api_version() -> None:
    assert iothub_device_registry_property("2023-06-30") is None
    assert iothub_device_registry_property("2023-06-30-preview") is None
    assert iothub_device_registry_property("2025-08-01-preview") == "policyResourceId"
    assert iothub_device_registry_property("2026-08-01-preview") == "policyResourceId"
    assert iothub_device_registry_property("2026-10-01-preview") == "certificateAuthorityResourceId"


def test_a_seeded_certificate_needs_its_device_registry_link() -> None:
    pem = make_ca("adr seed").certificate_pem
    document = seed_with_adr_certificate(pem)
    del document["subscriptions"][0]["resource_groups"][0]["iot_hubs"][0]["certificates"][0][
        "device_registry"
    ]
    with pytest.raises(SeedError, match="device_registry"):
        parse_seed(document)
    with pytest.raises(SeedError, match="not a certificate"):
        parse_seed(seed_with_adr_certificate("not a pem"))
    parsed = parse_seed(seed_with_adr_certificate(pem))
    seeded = parsed.subscriptions[0].resource_groups[0].hub_certificates
    assert [(c.hub, c.name) for c in seeded] == [(HUB, "adr-ica")]
    # Without its own id, the certificate authority is named by the policy [guess].
    assert seeded[0].link.certificate_authority_resource_id == POLICY


def test_the_backend_holds_it_verified_with_its_link_until_deleted(tmp_path: Path) -> None:
    ca = make_ca("adr backend")
    store = Store(tmp_path / "s.db")
    apply_seed(store, parse_seed(seed_with_adr_certificate(ca.certificate_pem)))
    backend = CertificateBackend(store, iothub_models.certificate_policy())
    parent = ParentRef(DEFAULT_SUBSCRIPTION, DEFAULT_RESOURCE_GROUP, "iothub", HUB)
    (listed,) = backend.list(parent)
    assert listed.is_verified and listed.device_registry is not None
    assert listed.device_registry.policy_resource_id == POLICY
    # A second start on the same state changes nothing (a seed never overwrites).
    apply_seed(store, parse_seed(seed_with_adr_certificate(ca.certificate_pem)))
    assert len(backend.list(parent)) == 1
    assert backend.delete(parent, "adr-ica", "*")
    backend.create_or_update(parent, "adr-ica", ca.certificate_pem, False, None)
    assert backend.get(parent, "adr-ica").device_registry is None


@pytest.fixture(scope="module")
def adr_emulator(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmulatorInfo]:
    state = tmp_path_factory.mktemp("adr")
    seed = state / "seed.json"
    document = seed_with_adr_certificate(
        make_ca("adr wire").certificate_pem,
        policy_resource_id=POLICY,
        certificate_authority_resource_id=AUTHORITY,
    )
    seed.write_text(json.dumps(document), encoding="utf-8")
    with EmulatorProcess(state / "emulator", seed=seed) as process:
        yield process.info


@pytest.mark.parametrize(
    ("api_version", "expected"),
    [
        ("2023-06-30", {}),
        ("2025-08-01-preview", {"policyResourceId": POLICY}),
        ("2026-10-01-preview", {"certificateAuthorityResourceId": AUTHORITY}),
    ],
)
def test_microsofts_client_sees_the_marker_its_api_version_names(
    adr_emulator: EmulatorInfo, api_version: str, expected: dict[str, str]
) -> None:
    """azure-mgmt-iothub 4.0.0's models do not know either property: msrest keeps it in the
    properties' `additional_properties` [sdk, _serialization.Deserializer]."""
    info = adr_emulator
    client = IotHubClient(management_credential(info), info.subscription_id, **client_kwargs(info))
    listed = client.certificates.list_by_iot_hub(
        info.resource_group, HUB, api_version=api_version
    ).value
    (cert,) = [c for c in listed or [] if c.name == "adr-ica"]
    assert cert.properties.is_verified is True
    assert cert.properties.additional_properties == expected
    got = client.certificates.get(info.resource_group, HUB, "adr-ica", api_version=api_version)
    assert got.properties.additional_properties == expected
