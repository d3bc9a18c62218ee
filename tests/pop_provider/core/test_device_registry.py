"""Certificates that Azure Device Registry (ADR) manages are left alone: the listing marks them,
a create never claims or adopts one, a delete never removes one, an import refuses one and a
refresh drops the record of a name ADR now holds; no message suggests deleting or adopting it.

Against an emulator seeded with an ADR-synced certificate, through the provider's own clients.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any

import pytest

from azure_iot_emulator.seed import default_seed_document
from azure_iot_emulator.testing import AdminClient, EmulatorInfo, EmulatorProcess, stack_config
from pop_provider import failures
from pop_provider.core.azure_clients import ClientFactory
from pop_provider.core.certificate_collection import device_registry_id
from pop_provider.core.certificates import thumbprint
from pop_provider.core.connection import load_settings
from pop_provider.core.declaration import Mode
from pop_provider.core.inputs import DesiredCertificate
from pop_provider.core.lifecycle import CertificateLifecycle
from pop_provider.core.ownership import Declarations, HolderKind, holder_of
from pop_provider.core.remote import CertificateApi, RemoteCertificate, RunListing
from pop_provider.core.signers import LocalKeySigner
from pop_provider.core.target import Target, TargetKind, make_target
from pop_provider.core.verbs import CertificateVerbs
from pop_provider.failures import AlreadyTrusted, DeploymentError, NameConflict
from tests.conftest import azure_environment
from tests.pki import CertifiedKey, make_ca

ADR_NAME = "adr-fleet-ica"
AUTHORITY = (
    "/subscriptions/00000000-0000-0000-0000-00000000a2e0/resourceGroups/rg-pop-demo/providers/"
    "Microsoft.DeviceRegistry/namespaces/ns-fleet/credentials/default/policies/default"
)
# The CA that ADR synced onto the hub (and that the tests' programs declare too).
ADR_CA = make_ca("adr synced ica")
# Advice that would take the certificate from ADR (adopt it) or remove it.
FORBIDDEN = ("set certificate_name to 'adr", "adopt it", "delete it", "delete the certificate")


def assert_leaves_adr_alone(message: str) -> None:
    assert "\n" not in message
    assert "Azure Device Registry" in message
    assert not [words for words in FORBIDDEN if words in message], message


def remote(name: str, thumbprint: str, managed_by: str | None = None) -> RemoteCertificate:
    return RemoteCertificate(name, f"/x/certificates/{name}", "e", thumbprint, "CN=x", None, True,
                             managed_by=managed_by)  # fmt: skip


# -- what the provider reads --------------------------------------------------------------------


def test_the_marker_is_read_from_either_clients_model() -> None:
    # azure-mgmt-iothub (msrest): unknown keys in `additional_properties`, any case.
    hub = SimpleNamespace(additional_properties={"PolicyResourceId": AUTHORITY})
    assert device_registry_id(hub) == AUTHORITY
    newer = SimpleNamespace(additional_properties={"certificateAuthorityResourceId": "/ca"})
    assert device_registry_id(newer) == "/ca"
    # azure-mgmt-iothubprovisioningservices (azure-core models): the JSON object itself.
    assert device_registry_id({"subject": "x", "policyResourceId": AUTHORITY}) == AUTHORITY
    assert device_registry_id(SimpleNamespace(additional_properties={})) is None
    assert device_registry_id({"policyResourceId": ""}) is None
    assert device_registry_id(None) is None


def test_a_listing_never_gives_an_adr_certificate_to_a_claim_even_under_its_own_name() -> None:
    listing = RunListing()
    fetch = lambda: [remote(ADR_NAME, "AB01", AUTHORITY), remote("ours", "CD02")]  # noqa: E731
    assert listing.claim("AB01", ADR_NAME, fetch) == ADR_NAME
    assert listing.claim("ab01", "fleet-root", fetch) == ADR_NAME
    assert listing.claim("CD02", "ours", fetch) is None


def test_an_adr_holder_is_never_advised_to_be_adopted_or_deleted() -> None:
    held = holder_of(
        ADR_NAME,
        target_id="/hub",
        thumbprint="AB01",
        scope="p/s",
        declared_by="another-resource",
        managed_by=AUTHORITY,
    )
    assert held.kind is HolderKind.DEVICE_REGISTRY
    assert AUTHORITY in held.description


# -- against the emulator -----------------------------------------------------------------------


@pytest.fixture(scope="module")
def adr_emulator(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmulatorInfo]:
    """The default seed; its first hub holds ADR_CA, synced by ADR as ADR_NAME."""
    state = tmp_path_factory.mktemp("adr-provider")
    document = default_seed_document()
    hubs = document["subscriptions"][0]["resource_groups"][0]["iot_hubs"]
    hubs[0] = {
        "name": hubs[0],
        "certificates": [
            {
                "name": ADR_NAME,
                "certificate": ADR_CA.certificate_pem,
                "device_registry": {
                    "policy_resource_id": AUTHORITY,
                    "certificate_authority_resource_id": AUTHORITY,
                },
            }
        ],
    }
    (state / "seed.json").write_text(json.dumps(document), encoding="utf-8")
    with EmulatorProcess(state / "emulator", seed=state / "seed.json") as process:
        yield process.info


@dataclass
class AdrHub:
    info: EmulatorInfo
    admin: AdminClient
    target: Target

    def api(self) -> CertificateApi:
        """A new run's certificates API (a fresh listing)."""
        return ClientFactory(load_settings(environ=azure_environment(self.info))).certificates(
            self.target
        )

    def desired(self, ca: CertifiedKey, name: str) -> DesiredCertificate:
        signer = LocalKeySigner.from_pem(ca.private_key_pem, None)
        return DesiredCertificate(self.target, ca.certificate, name, True, Mode.PROOF, signer)

    def adr_certificate(self) -> RemoteCertificate:
        return {c.name: c for c in self.api().list()}[ADR_NAME]

    def writes(self) -> list[str]:
        return [
            e["operation"]
            for e in self.admin.requests()
            if e["operation"].startswith("Certificates_")
            and e["operation"] not in ("Certificates_Get", "Certificates_ListByIotHub")
        ]


@pytest.fixture
def adr_hub(adr_emulator: EmulatorInfo) -> AdrHub:
    admin = AdminClient(adr_emulator)
    admin.reset()
    target = make_target(
        TargetKind.IOT_HUB,
        adr_emulator.subscription_id,
        adr_emulator.resource_group,
        adr_emulator.iot_hubs[0],
    )
    return AdrHub(adr_emulator, admin, target)


def test_the_listing_marks_the_adr_certificate(adr_hub: AdrHub) -> None:
    listed = adr_hub.adr_certificate()
    assert listed.managed_by == AUTHORITY and listed.is_verified
    # The provider reads on the api-version that names the marker.
    (listing,) = [e for e in adr_hub.admin.requests() if e["operation"].endswith("ListByIotHub")]
    assert "2026-10-01-preview" in json.dumps(listing)


def test_a_create_of_the_same_ca_is_refused_without_a_write(adr_hub: AdrHub) -> None:
    for name in ("fleet-root-1234", ADR_NAME):  # another name, and the ADR certificate's own
        with pytest.raises(AlreadyTrusted) as raised:
            CertificateLifecycle(adr_hub.api()).create(adr_hub.desired(ADR_CA, name))
        assert_leaves_adr_alone(str(raised.value))
        assert f"as certificate '{ADR_NAME}'" in str(raised.value)
    assert adr_hub.writes() == []


def test_another_ca_under_the_adr_name_is_refused_not_adopted(adr_hub: AdrHub) -> None:
    with pytest.raises(NameConflict) as raised:
        CertificateLifecycle(adr_hub.api()).create(adr_hub.desired(make_ca("other"), ADR_NAME))
    assert_leaves_adr_alone(str(raised.value))
    # Only the create's PUT without If-Match, which Azure refuses (412) for a taken name.
    assert adr_hub.writes() == ["Certificates_CreateOrUpdate"]
    assert adr_hub.adr_certificate().thumbprint == thumbprint(ADR_CA.certificate)
    with pytest.raises(NameConflict):
        CertificateLifecycle(adr_hub.api()).ensure_verified(adr_hub.desired(ADR_CA, ADR_NAME))


def test_a_delete_leaves_it_and_the_verbs_say_so(
    adr_hub: AdrHub, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert CertificateLifecycle(adr_hub.api(), Declarations()).delete(ADR_NAME) is False
    for key, value in azure_environment(adr_hub.info).items():
        monkeypatch.setenv(key, value)
    verbs = CertificateVerbs(Declarations())
    verbs.configure(None)
    cert_id = adr_hub.target.certificate_id(ADR_NAME)
    left = verbs.delete(cert_id, {})
    assert left is not None
    assert_leaves_adr_alone(left)
    assert adr_hub.writes() == []
    assert adr_hub.adr_certificate().is_verified


def test_an_import_refuses_it_and_a_refresh_drops_the_record(
    adr_hub: AdrHub, monkeypatch: pytest.MonkeyPatch
) -> None:
    for key, value in azure_environment(adr_hub.info).items():
        monkeypatch.setenv(key, value)
    verbs = CertificateVerbs(Declarations())
    verbs.configure(None)
    cert_id = adr_hub.target.certificate_id(ADR_NAME)
    with pytest.raises(DeploymentError) as raised:
        verbs.read(cert_id, {})
    assert_leaves_adr_alone(str(raised.value))
    assert "pulumi import" in str(raised.value)
    recorded: dict[str, Any] = {"target_id": adr_hub.target.arm_id, "certificate_name": ADR_NAME}
    assert verbs.read(cert_id, recorded).id == ""
    assert adr_hub.writes() == []


def test_the_native_face_warns_when_a_destroy_leaves_it(adr_hub: AdrHub) -> None:
    """The engine's log says why the certificate is still on the hub after the delete."""
    from pulumi.provider.experimental.property_value import PropertyValue
    from pulumi.provider.experimental.provider import ConfigureRequest, DeleteRequest

    from pop_provider.native.provider import PopProvider
    from tests.pop_provider.native.test_provider import run

    warned: list[tuple[str, str]] = []
    provider = PopProvider("0.0.0-test", warn=lambda urn, message: warned.append((urn, message)))
    plain, secret = stack_config(adr_hub.info, native=True)
    args = {key.split(":", 1)[1]: PropertyValue(value) for key, value in plain.items()}
    args |= {k.split(":", 1)[1]: PropertyValue(v, is_secret=True) for k, v in secret.items()}
    run(provider.configure(ConfigureRequest({}, args, True, False)))
    urn = "urn:pulumi:prod::fleet::pop:index:VerifiedCaCertificate::fleet"
    cert_id = adr_hub.target.certificate_id(ADR_NAME)
    run(provider.delete(DeleteRequest(urn, cert_id, {}, 60)))
    assert [u for u, _ in warned] == [urn]
    assert_leaves_adr_alone(warned[0][1])
    assert adr_hub.writes() == []


def refuse_read_version(hub: AdrHub, times: int) -> None:
    """ARM's answer to an api-version it no longer serves, for the next `times` listings."""
    hub.admin.script_failure(
        "Certificates_ListByIotHub",
        400,
        code="NoRegisteredProviderFound",
        message="No registered resource provider found for location 'westeurope' and API "
        "version '2026-10-01-preview' for type 'IotHubs/certificates'.",
        times=times,
    )


def read_versions(hub: AdrHub) -> list[str | None]:
    return [
        e["api_version"]
        for e in hub.admin.requests()
        if e["operation"] in ("Certificates_Get", "Certificates_ListByIotHub")
    ]


def test_a_retired_read_version_falls_back_to_one_that_still_sees_adr(adr_hub: AdrHub) -> None:
    refuse_read_version(adr_hub, times=1)
    api = adr_hub.api()
    listed = {c.name: c for c in api.list()}
    assert listed[ADR_NAME].managed_by == AUTHORITY
    api.get(ADR_NAME)  # the refused version is not asked again
    assert read_versions(adr_hub) == [
        "2026-10-01-preview",
        "2025-08-01-preview",
        "2025-08-01-preview",
    ]


def test_with_every_read_version_retired_reads_stop_in_one_line(adr_hub: AdrHub) -> None:
    refuse_read_version(adr_hub, times=2)
    with pytest.raises(failures.AzureRejected) as raised:
        adr_hub.api().list()
    message = str(raised.value)
    assert message.startswith(
        f"IoT hub '{adr_hub.target.name}' refused every api-version pop reads its certificates "
        "with (2026-10-01-preview, 2025-08-01-preview)"
    )
    assert "upgrade pop-provider" in message and "\n" not in message
    assert adr_hub.writes() == []
