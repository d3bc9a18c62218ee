"""Azure's error answers, mapped by status and code to what the lifecycle does or the user reads.

Each answer comes from the emulator through the provider's own clients (azure-mgmt-iothub and
-iothubprovisioningservices, azure-core's pipeline): the emulator's own refusals where it makes
them, a scripted answer in Azure's shape where it would take a fleet to provoke one.
"""

from __future__ import annotations

import pytest

from azure_iot_emulator.testing import AdminClient, EmulatorInfo
from pop_provider import failures
from pop_provider.core import connection
from pop_provider.core.azure_clients import ClientFactory
from pop_provider.core.connection import load_settings
from pop_provider.core.proof import proof_certificate_pem
from pop_provider.core.remote import (
    CertificateApi,
    CertificateNotFound,
    EtagConflict,
    ProofRejected,
    TargetMissing,
)
from pop_provider.core.signers import LocalKeySigner
from pop_provider.core.target import Target, TargetKind, make_target
from tests.conftest import azure_environment
from tests.pki import make_ca

MISSING_SUBSCRIPTION = "00000000-0000-0000-0000-0000000000a1"


def certificates(info: EmulatorInfo, target: Target, principal: int = 0) -> CertificateApi:
    """The target's certificates API as the provider builds it, signed in as seeded principal
    `principal` (0: Contributor on the subscription; 2: Reader)."""
    environment = azure_environment(info)
    credential = info.credentials[principal]
    environment["AZURE_CLIENT_ID"] = credential["client_id"]
    environment["AZURE_CLIENT_SECRET"] = credential["client_secret"]
    return ClientFactory(load_settings(environ=environment)).certificates(target)


def hub(info: EmulatorInfo, name: str | None = None, group: str | None = None) -> Target:
    return make_target(
        TargetKind.IOT_HUB,
        info.subscription_id,
        group or info.resource_group,
        name or info.iot_hubs[0],
    )


def dps(info: EmulatorInfo, group: str | None = None, subscription: str | None = None) -> Target:
    return make_target(
        TargetKind.DPS,
        subscription or info.subscription_id,
        group or info.resource_group,
        info.dps[0],
    )


def test_a_missing_hub_is_named_with_group_and_subscription(emulator: EmulatorInfo) -> None:
    api = certificates(emulator, hub(emulator, "hub-one"))
    with pytest.raises(TargetMissing) as raised:
        api.upload("root", make_ca("missing hub").certificate_pem, verified=True, etag=None)
    assert str(raised.value).startswith(
        f"IoT hub 'hub-one' (resource group '{emulator.resource_group}', subscription "
        f"{emulator.subscription_id}) does not exist"
    )
    assert "The Resource 'Microsoft.Devices/IotHubs/hub-one' under resource group" in str(
        raised.value
    )  # Azure's own words follow
    assert isinstance(raised.value, CertificateNotFound)  # to read and delete: gone


def test_a_missing_resource_group_and_subscription(emulator: EmulatorInfo) -> None:
    with pytest.raises(TargetMissing, match="resource group 'rg-fleet' does not exist"):
        certificates(emulator, dps(emulator, group="rg-fleet")).get("root")
    missing = dps(emulator, subscription=MISSING_SUBSCRIPTION)
    with pytest.raises(failures.TargetNotFound, match=f"subscription {MISSING_SUBSCRIPTION} was"):
        certificates(emulator, missing).get("root")


def test_the_lifecycle_outcomes(emulator: EmulatorInfo) -> None:
    api = certificates(emulator, hub(emulator))
    with pytest.raises(CertificateNotFound) as missing:
        api.get("nothing-here")
    assert not isinstance(missing.value, TargetMissing)

    ca = make_ca("outcomes root")
    uploaded = api.upload("root", ca.certificate_pem, verified=False, etag=None)
    code, etag = api.generate_verification_code("root", uploaded.etag)
    signer = LocalKeySigner.from_pem(ca.private_key_pem, None)
    with pytest.raises(EtagConflict):
        api.verify("root", uploaded.etag, proof_certificate_pem(ca.certificate, signer, code))
    wrong_code = proof_certificate_pem(ca.certificate, signer, "0" * 48)
    with pytest.raises(ProofRejected, match="Proof-Of-Possession failed"):
        api.verify("root", etag, wrong_code)


def test_403_parses_principal_action_and_scope(emulator: EmulatorInfo) -> None:
    target = hub(emulator)
    reader = certificates(emulator, target, principal=2)
    with pytest.raises(failures.AccessDenied) as raised:
        reader.upload("root", make_ca("denied").certificate_pem, verified=True, etag=None)
    said = str(raised.value)
    assert said.startswith("access denied: principal ")
    assert (
        " may not perform 'Microsoft.Devices/IotHubs/certificates/write' on scope "
        f"'{target.arm_id}/certificates/root'"
    ) in said
    assert "IoT CA certificate verifier" in said

    # ARM names the client and its object id apart when they differ (an app's own id).
    AdminClient(emulator).script_failure(
        "Certificates_Verify",
        403,
        code="AuthorizationFailed",
        message=(
            "The client 'c1' with object id 'o1' does not have authorization to perform action "
            "'Microsoft.Devices/IotHubs/certificates/verify/Action' over scope '/subscriptions/x' "
            "or the scope is invalid."
        ),
    )
    with pytest.raises(failures.AccessDenied) as raised:
        certificates(emulator, target).verify("root", "*", "proof")
    assert str(raised.value).startswith(
        "access denied: principal c1 (object id o1) may not perform "
        "'Microsoft.Devices/IotHubs/certificates/verify/Action' on scope '/subscriptions/x'"
    )


def test_limits_throttling_and_the_rest(
    emulator: EmulatorInfo, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(connection, "BACKOFF_FACTOR_S", 0.001)  # the retries, not their waits
    admin = AdminClient(emulator)
    pem = make_ca("limits root").certificate_pem
    admin.script_failure(  # the emulator's own answer at its limit, without 25 uploads first
        "DpsCertificate_CreateOrUpdate",
        400,
        code=400110,
        message=f"The maximum number of certificates (25) for '{emulator.dps[0]}' has been "
        "reached.",
    )
    with pytest.raises(failures.CertificateLimitReached, match="delete certificates"):
        certificates(emulator, dps(emulator)).upload("root", pem, verified=True, etag=None)

    api = certificates(emulator, hub(emulator))
    admin.script_failure(
        "Certificates_CreateOrUpdate",
        429,
        code="TooManyRequests",
        message="Slow.",
        times=connection.RETRIES + 1,
    )
    with pytest.raises(failures.Throttled, match="HTTP 429 while uploading a certificate to"):
        api.upload("root", pem, verified=True, etag=None)
    with pytest.raises(failures.AzureRejected, match=r"\(HTTP 400\): Invalid certificate"):
        api.upload(
            "root",
            "-----BEGIN CERTIFICATE-----\nbm90\n-----END CERTIFICATE-----\n",
            verified=True,
            etag=None,
        )
