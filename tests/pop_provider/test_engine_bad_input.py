"""Bad input fails at `pulumi preview` with a clear message and without a single call to Azure.

29 malformed inputs, packed into 11 previews: the engine reports the failures of the first
failing resource, and the provider reports every failing property of it at once, so each preview
carries one problem per property (certificate, key, target, name).
"""

from __future__ import annotations

from itertools import zip_longest
from pathlib import Path
from typing import Any

import pytest

from azure_iot_emulator.testing import AdminClient, EmulatorInfo
from tests.conftest import write_certificates_config
from tests.pki import (
    KeyType,
    key_usage,
    make_ca,
    make_certificate,
    make_expired_ca,
    make_leaf,
    make_not_yet_valid_ca,
    pkcs7_bundle,
)
from tests.pulumi_cli import PulumiStack

pytestmark = pytest.mark.engine

PASSWORD = "the-right-password-7"
WRONG_PASSWORD = "a-wrong-password-9"


def test_malformed_inputs_fail_at_preview_with_zero_arm_calls(
    program_stack: PulumiStack, emulator: EmulatorInfo, admin: AdminClient, tmp_path: Path
) -> None:
    ca, other, leaf = make_ca("good"), make_ca("other"), None
    leaf = make_leaf(ca)
    ed25519 = make_ca("ed", key_type=KeyType.ED25519)
    no_cert_sign = make_certificate("no sign", key_usage=key_usage(cert_sign=False))
    program_stack.set_configs(secret={"rightPassword": PASSWORD, "wrongPassword": WRONG_PASSWORD})

    def file(name: str, text: str) -> str:
        path = tmp_path / name
        path.write_text(text)
        return str(path)

    good_key = file("good.key", ca.private_key_pem)
    encrypted_key = file("encrypted.key", ca.encrypted_private_key_pem(PASSWORD))
    sub = emulator.subscription_id
    hub_arm_id = (
        f"/subscriptions/{sub}/resourceGroups/{emulator.resource_group}"
        f"/providers/Microsoft.Devices/IotHubs/{emulator.iot_hubs[0]}"
    )
    good: dict[str, Any] = {
        "resourceGroupName": emulator.resource_group,
        "hubName": emulator.iot_hubs[0],
        "mode": "proof",
        "certificatePem": ca.certificate_pem,
        "privateKeyFile": good_key,
    }
    # (certificate problem, key problem, target problem, name problem): each a dict of entry
    # fields and the words the error must say.
    certificate_cases: list[tuple[dict[str, Any], str | None]] = [
        ({"certificatePem": "hello"}, "is neither PEM"),
        ({"certificatePem": " "}, "is empty"),
        ({"certificatePem": ca.certificate_pem + other.certificate_pem}, "contains 2 certificates"),
        ({"certificatePem": ca.private_key_pem}, "looks like a private key, not a certificate"),
        ({"certificatePem": leaf.certificate_pem}, "is not a CA certificate"),
        ({"certificatePem": make_expired_ca().certificate_pem}, "expired on"),
        ({"certificatePem": make_not_yet_valid_ca().certificate_pem}, "is not valid until"),
        ({"certificatePem": ed25519.certificate_pem}, "unsupported Ed25519 key"),
        ({"certificatePem": no_cert_sign.certificate_pem}, "lacks keyCertSign"),
        ({"certificatePem": pkcs7_bundle(ca.certificate).decode()}, "is PKCS#7"),
        ({}, None),
    ]
    key_cases: list[tuple[dict[str, Any], str | None]] = [
        ({"mode": "manual"}, "'manual' is not a mode"),
        ({"privateKeyFile": None}, "mode 'proof' needs the CA's private key"),
        ({"mode": "auto"}, "mode 'auto' verifies on upload and never uses a private key"),
        (
            {"privateKeyFile": encrypted_key},
            "the private key is encrypted; set private_key_password",
        ),
        (
            {"privateKeyFile": encrypted_key, "privateKeyPasswordSecret": "wrongPassword"},
            "the password does not decrypt the private key",
        ),
        ({"privateKeyPasswordSecret": "rightPassword"}, "no password is needed"),
        ({"privateKeyFile": file("garbage.key", "not a key")}, "is not a PEM private key"),
        (
            {"privateKeyFile": file("cert.key", ca.certificate_pem)},
            "looks like a certificate, not a private key",
        ),
        ({}, None),
        ({}, None),
        ({"privateKeyFile": file("other.key", other.private_key_pem)}, "does not belong to"),
    ]
    no_names = {"resourceGroupName": None, "hubName": None}
    target_cases: list[tuple[dict[str, Any], str | None]] = [
        ({"hubId": "/subscriptions/x/hub", **no_names}, "is not the ARM id of an IoT hub"),
        (
            {"hubId": hub_arm_id.replace("IotHubs", "provisioningServices"), **no_names},
            "is not an IoT hub",
        ),
        ({"hubId": hub_arm_id}, "give one target, not hub_id and hub_name"),
        (no_names, "no target: set hub_id"),
        ({"hubName": "-bad"}, "IoT hub name '-bad' is invalid"),
        ({"resourceGroupName": "rg."}, "resource group name 'rg.' is invalid"),
        ({"subscriptionId": "not-a-guid"}, "subscription id 'not-a-guid' is not a GUID"),
        ({"resourceGroupName": "x" * 91}, "is invalid: 1-90"),
    ]
    name_cases: list[tuple[dict[str, Any], str | None]] = [
        ({"certificateName": "has space"}, "'has space' is not a valid certificate name"),
        ({"certificateName": "n" * 65}, "is not a valid certificate name"),
    ]

    # Every case of every list runs: the shorter lists are padded with no problem.
    no_problem: tuple[dict[str, Any], str | None] = ({}, None)
    packed = zip_longest(
        certificate_cases, key_cases, target_cases, name_cases, fillvalue=no_problem
    )
    for index, cases in enumerate(packed):
        fields = {**good}
        for case_fields, _ in cases:
            fields.update(case_fields)
        entry = {"name": f"bad-{index}", **{k: v for k, v in fields.items() if v is not None}}
        write_certificates_config(program_stack, [entry])

        admin.clear_requests()
        # As a person previews, and as a pipeline applies (`up --yes --skip-preview`).
        for result in (program_stack.preview(check=False), program_stack.up(check=False)):
            shown = result.stdout + result.stderr
            assert result.returncode != 0, entry
            for _, words in cases:
                if words:
                    assert words in shown, (words, shown)
            assert "unexpected unknown" not in shown and "Traceback" not in shown, shown
            for secret in (PASSWORD, WRONG_PASSWORD, *ca.private_key_pem.splitlines()[1:-1]):
                assert secret not in shown
        assert [e for e in admin.requests() if e.get("operation") != "Keys"] == []


@pytest.mark.parametrize(
    ("certificate", "reason"),
    [
        ("leaf", "is not a CA certificate"),
        ("expired", "expired on"),
        ("chain", "contains 2 certificates"),
    ],
)
def test_up_skip_preview_reports_what_preview_reports_with_zero_arm_calls(
    program_stack: PulumiStack,
    emulator: EmulatorInfo,
    admin: AdminClient,
    tmp_path: Path,
    certificate: str,
    reason: str,
) -> None:
    """A pipeline runs `up --yes --skip-preview`: the check failure must read as in preview."""
    ca = make_ca("skip preview")
    pem = {
        "leaf": make_leaf(ca).certificate_pem,
        "expired": make_expired_ca().certificate_pem,
        "chain": ca.certificate_pem + make_ca("second").certificate_pem,
    }[certificate]
    key = tmp_path / "ca.key"
    key.write_text(ca.private_key_pem)
    entry: dict[str, object] = {
        "name": "skip",
        "resourceGroupName": emulator.resource_group,
        "hubName": emulator.iot_hubs[0],
        "mode": "proof",
        "certificatePem": pem,
        "privateKeyFile": str(key),
    }
    write_certificates_config(program_stack, [entry])
    admin.clear_requests()
    previewed = program_stack.preview(check=False)
    applied = program_stack.up(check=False)
    for result in (previewed, applied):
        shown = result.stdout + result.stderr
        assert result.returncode != 0
        assert reason in shown, shown
        assert "unexpected unknown" not in shown, shown
    assert [e for e in admin.requests() if e.get("operation")] == []
