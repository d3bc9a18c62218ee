"""Under the real CLI against the emulator: DPS targets, Key Vault keys, the offline two-phase
proof and expiry warnings, with the same no-leak, no-orphan and zero-calls-on-bad-input checks."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from azure_iot_emulator.testing import AdminClient, EmulatorInfo
from pop_provider.core.certificates import thumbprint
from pop_provider.core.proof import proof_certificate_pem
from pop_provider.core.signers import LocalKeySigner
from tests.conftest import write_certificates_config
from tests.keyvault import import_key
from tests.pki import KeyType, make_ca, make_certificate
from tests.pop_provider.engine import (
    arm_calls,
    dps_certificates,
    dps_client,
    dps_id,
    entry,
    hub_certificates,
    hub_client,
    hub_id,
)
from tests.pulumi_cli import PulumiStack

pytestmark = pytest.mark.engine


def on_dps(item: dict[str, object], info: EmulatorInfo) -> dict[str, object]:
    item = {key: value for key, value in item.items() if key != "hubId"}
    item["dpsId"] = dps_id(info)
    return item


def test_dps_proof_and_auto_mode_drift_by_thumbprint_and_destroy(
    program_stack: PulumiStack, emulator: EmulatorInfo, admin: AdminClient, tmp_path: Path
) -> None:
    proof_ca, auto_ca = make_ca("dps proof", key_type=KeyType.RSA_2048), make_ca("dps auto")
    write_certificates_config(
        program_stack,
        [
            on_dps(entry(tmp_path, "dps-proof", proof_ca, emulator), emulator),
            on_dps(entry(tmp_path, "dps-auto", auto_ca, emulator, mode="auto"), emulator),
        ],
    )
    admin.clear_requests()
    program_stack.up()
    assert arm_calls(admin, "DpsCertificate_") == Counter(
        {
            "DpsCertificate_List": 1,  # one list per DPS per run
            "DpsCertificate_CreateOrUpdate": 2,
            "DpsCertificate_GenerateVerificationCode": 1,
            "DpsCertificate_VerifyCertificate": 1,
        }
    )
    outputs = program_stack.outputs()["certificates"]
    on_service = dps_certificates(emulator)
    for name, ca in (("dps-proof", proof_ca), ("dps-auto", auto_ca)):
        remote = on_service[outputs[name]["certificate_name"]]
        assert remote.properties.is_verified
        assert remote.properties.certificate is None  # DPS never returns the content
        assert remote.properties.thumbprint == thumbprint(ca.certificate)
        assert "provisioningServices" in outputs[name]["arm_id"]
    program_stack.preview("--expect-no-changes")

    # Swapped out of band under the same name: only the thumbprint can tell.
    client = dps_client(emulator).dps_certificate
    name = outputs["dps-proof"]["certificate_name"]
    from azure.core import MatchConditions
    from azure.mgmt.iothubprovisioningservices import models

    current = client.get(name, emulator.resource_group, emulator.dps[0])
    body = models.CertificateResponse(
        properties=models.CertificateProperties(
            certificate=make_ca("intruder").certificate_pem.encode(), is_verified=True
        )
    )
    client.create_or_update(
        emulator.resource_group,
        emulator.dps[0],
        name,
        body,
        etag=current.etag,
        match_condition=MatchConditions.IfNotModified,
    )
    program_stack.refresh()
    program_stack.up()
    repaired = dps_certificates(emulator)[name]
    assert repaired.properties.thumbprint == thumbprint(proof_ca.certificate)
    assert repaired.properties.is_verified
    program_stack.preview("--expect-no-changes")

    program_stack.destroy()
    assert dps_certificates(emulator) == {}


def test_dps_rejected_proof_leaves_no_certificate(
    program_stack: PulumiStack, emulator: EmulatorInfo, admin: AdminClient, tmp_path: Path
) -> None:
    ca = make_ca("dps rejected")
    write_certificates_config(
        program_stack, [on_dps(entry(tmp_path, "dps", ca, emulator), emulator)]
    )
    admin.script_failure(
        "DpsCertificate_VerifyCertificate", 400, code=400053, message="Injected by the test."
    )
    failed = program_stack.up(check=False)
    assert failed.returncode != 0
    assert "was removed" in failed.stdout
    assert dps_certificates(emulator) == {}
    stored = program_stack.state_files_text()
    assert not any(line in stored for line in ca.private_key_pem.splitlines()[1:-1])


def test_dps_bad_input_fails_at_preview_without_calls(
    program_stack: PulumiStack, emulator: EmulatorInfo, admin: AdminClient, tmp_path: Path
) -> None:
    bad = on_dps(entry(tmp_path, "bad", make_ca("bad"), emulator), emulator)
    bad["dpsId"] = str(bad["dpsId"]).replace("provisioningServices", "IotHubs")
    write_certificates_config(program_stack, [bad])
    admin.clear_requests()
    result = program_stack.preview(check=False)
    assert result.returncode != 0
    assert "is not a DPS (Microsoft.Devices/provisioningServices)" in result.stdout
    assert arm_calls(admin, "") == Counter()


def test_key_vault_key_signs_the_proof_and_never_leaves_the_vault(
    program_stack: PulumiStack, emulator: EmulatorInfo, admin: AdminClient, tmp_path: Path
) -> None:
    cas = {
        "kv-rsa": make_ca("vault rsa", key_type=KeyType.RSA_2048),
        "kv-ec": make_ca("vault ec", key_type=KeyType.EC_P384),
    }
    entries = []
    for name, ca in cas.items():
        import_key(emulator, f"{name}-key", ca.key)
        item = entry(tmp_path, name, ca, emulator, mode="auto")
        item.update(mode="proof", keyVaultUrl=emulator.base_url, keyVaultKeyName=f"{name}-key")
        entries.append(item)
    write_certificates_config(program_stack, entries)
    admin.clear_requests()
    program_stack.up()
    assert arm_calls(admin) == Counter(
        {
            "Certificates_ListByIotHub": 1,  # one list per hub per run: a CA already there?
            "Certificates_CreateOrUpdate": 2,
            "Certificates_GenerateVerificationCode": 2,
            "Certificates_Verify": 2,
        }
    )
    assert arm_calls(admin, "KeyVault_")["KeyVault_Sign"] == 2
    outputs = program_stack.outputs()["certificates"]
    on_hub = hub_certificates(emulator)
    assert all(on_hub[out["certificate_name"]].properties.is_verified for out in outputs.values())
    stored = program_stack.state_files_text()
    for ca in cas.values():
        assert not any(line in stored for line in ca.private_key_pem.splitlines()[1:-1])

    # A vault key that is not the CA's: refused before any ARM call, nothing uploaded.
    program_stack.destroy()
    wrong = entry(tmp_path, "kv-wrong", make_ca("not in vault"), emulator, mode="auto")
    wrong.update(mode="proof", keyVaultUrl=emulator.base_url, keyVaultKeyName="kv-rsa-key")
    write_certificates_config(program_stack, [wrong])
    admin.clear_requests()
    failed = program_stack.up(check=False)
    assert failed.returncode != 0
    assert "does not belong to the certificate" in failed.stdout
    assert arm_calls(admin) == Counter()
    assert hub_certificates(emulator) == {}


def test_offline_two_phase_proof(
    program_stack: PulumiStack, emulator: EmulatorInfo, admin: AdminClient, tmp_path: Path
) -> None:
    ca = make_ca("offline root", key_type=KeyType.EC_P256)
    item = entry(tmp_path, "offline-root", ca, emulator, mode="auto")
    item["mode"] = "offline"
    write_certificates_config(program_stack, [item])

    # Phase 1: upload, and a code for the operator.
    admin.clear_requests()
    program_stack.up()
    assert arm_calls(admin) == Counter(
        {
            "Certificates_ListByIotHub": 1,
            "Certificates_CreateOrUpdate": 1,
            "Certificates_GenerateVerificationCode": 1,
        }
    )
    out = program_stack.outputs()["certificates"]["offline-root"]
    assert out["is_verified"] is False
    code = out["verification_code"]
    assert len(code) == 48
    assert out["thumbprint"] == thumbprint(ca.certificate)
    program_stack.preview("--expect-no-changes")  # waiting for the proof is not drift

    # The operator signs offline (as the README shows) and hands back only the certificate.
    def sign(for_code: str) -> str:
        signer = LocalKeySigner.from_pem(ca.private_key_pem, None)
        return proof_certificate_pem(ca.certificate, signer, for_code)

    # A stale proof: someone generated a new code meanwhile.
    client = hub_client(emulator).certificates
    name = out["certificate_name"]
    current = client.get(emulator.resource_group, emulator.iot_hubs[0], name)
    client.generate_verification_code(
        emulator.resource_group, emulator.iot_hubs[0], name, if_match=current.etag
    )
    item["proofCertificateFile"] = str(tmp_path / "proof.pem")
    (tmp_path / "proof.pem").write_text(sign(code))
    write_certificates_config(program_stack, [item])
    stale = program_stack.up(check=False)
    assert stale.returncode != 0
    assert "verification code changed since it was signed" in stale.stdout
    new_code = stale.stdout.split("set it as proof_certificate_pem: ")[1][:48]
    assert new_code != code

    # Phase 2: the proof for the code Azure now holds.
    (tmp_path / "proof.pem").write_text(sign(new_code))
    admin.clear_requests()
    program_stack.up()
    assert arm_calls(admin)["Certificates_Verify"] == 1
    out = program_stack.outputs()["certificates"]["offline-root"]
    assert out["is_verified"] is True
    assert out.get("verification_code") is None
    assert hub_certificates(emulator)[name].properties.is_verified
    program_stack.preview("--expect-no-changes")


def test_a_ca_close_to_expiry_warns_in_up(
    program_stack: PulumiStack, emulator: EmulatorInfo, tmp_path: Path
) -> None:
    now = datetime.now(UTC)
    ca = make_certificate("expiring root", not_after=now + timedelta(days=10, hours=1))
    later = make_ca("long lived", not_after=now + timedelta(days=400, hours=1))
    write_certificates_config(
        program_stack,
        [
            entry(tmp_path, "expiring", ca, emulator, mode="auto"),
            entry(tmp_path, "long-lived", later, emulator, mode="auto"),
        ],
    )
    result = program_stack.up()
    assert "the CA certificate expires in 10 days" in result.stdout
    warned = [line for line in result.stdout.splitlines() if "expires in" in line]
    assert any("VerifiedCaCertificate expiring" in line for line in warned)
    assert not any("long-lived" in line for line in warned)
    outputs = program_stack.outputs()["certificates"]
    days = {name: out["days_until_expiry"] for name, out in outputs.items()}
    # Whole days: JSON's 10, which reads back as an int, not 10.04 (a float).
    assert {name: type(count) for name, count in days.items()} == {
        "expiring": int,
        "long-lived": int,
    }, days
    assert days == {"expiring": 10, "long-lived": 400}

    # Every later run warns again, with no change to code or config: preview, and a plain up
    # with nothing to do (the count comes from the certificate, not from the last update).
    for again in (program_stack.preview("--expect-no-changes"), program_stack.up()):
        warned = [line for line in again.stdout.splitlines() if "expires in 10 days" in line]
        assert any("VerifiedCaCertificate expiring" in line for line in warned), again.stdout
        assert not any("long-lived" in line for line in warned)


def test_an_offline_proof_from_another_key_fails_at_preview_without_calls(
    program_stack: PulumiStack, emulator: EmulatorInfo, admin: AdminClient, tmp_path: Path
) -> None:
    ca, impostor = make_ca("offline root"), make_ca("impostor")
    signer = LocalKeySigner.from_pem(impostor.private_key_pem, None)
    forged = proof_certificate_pem(impostor.certificate, signer, "A" * 48)
    item = entry(tmp_path, "offline-root", ca, emulator, mode="auto")
    item.update(mode="offline", proofCertificatePem=forged)
    write_certificates_config(program_stack, [item])
    admin.clear_requests()
    result = program_stack.preview(check=False)
    assert result.returncode != 0
    assert "is not signed by this CA's key" in result.stdout
    assert arm_calls(admin, "") == Counter()


def test_one_ca_on_many_targets_from_the_stack_config(
    program_stack: PulumiStack, emulator: EmulatorInfo, admin: AdminClient, tmp_path: Path
) -> None:
    ca = make_ca("fleet root everywhere")
    item = entry(tmp_path, "root", ca, emulator)
    del item["hubId"]
    second = emulator.iot_hubs[1]
    item["targets"] = [
        {"hubId": hub_id(emulator)},
        {"resourceGroupName": emulator.resource_group, "hubName": second},
        {"dpsId": dps_id(emulator), "name": "provisioning"},
    ]
    write_certificates_config(program_stack, [item])
    admin.clear_requests()
    program_stack.up()
    # Each target has its own proof: three codes, three verifications.
    calls = arm_calls(admin, "")
    assert calls["Certificates_Verify"] == 2 and calls["DpsCertificate_VerifyCertificate"] == 1
    outputs = program_stack.outputs()["certificates"]
    assert sorted(outputs) == sorted(
        [f"root-{emulator.iot_hubs[0]}", f"root-{second}", "root-provisioning"]
    )
    assert all(out["is_verified"] for out in outputs.values())
    assert len(hub_certificates(emulator)) == 1
    assert len(hub_certificates(emulator, second)) == 1
    assert len(dps_certificates(emulator)) == 1
    program_stack.preview("--expect-no-changes")
