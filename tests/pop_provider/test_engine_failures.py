"""Failures met at run time, as a pipeline's log shows them: one message, what, where, the fix.

Each runs `pulumi up --yes --skip-preview` through the real CLI, as pipelines do, and checks the
first words a person reads and that no Python traceback comes with them.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization

from azure_iot_emulator.testing import AdminClient, EmulatorInfo
from tests.conftest import write_certificates_config
from tests.pki import make_ca
from tests.pop_provider.engine import entry, hub_certificates
from tests.pulumi_cli import ENGINE_FAILED, PulumiStack, diagnostic_errors, first_cause

pytestmark = pytest.mark.engine

RESOURCE = "pulumi-python:dynamic/pop:VerifiedCaCertificate (root)"


def failed_up(stack: PulumiStack) -> str:
    """The output of an `up` that must fail, with no traceback anywhere in it."""
    result = stack.up(check=False)
    shown = result.stdout + result.stderr
    assert result.returncode != 0, shown
    assert "Traceback" not in shown, shown
    return shown


def resource_error(shown: str) -> str:
    """The first error line a person reads for the cause, which must be the resource's: the
    stack holds nothing but the engine's own "update failed" (no "Resource monitor has
    terminated" from the program)."""
    header, first = first_cause(shown)
    assert header == RESOURCE, shown
    on_stack = [
        line for h, lines in diagnostic_errors(shown).items() if h != RESOURCE for line in lines
    ]
    assert set(on_stack) <= set(ENGINE_FAILED), shown
    return first


def one_root(stack: PulumiStack, info: EmulatorInfo, workdir: Path, **extra: Any) -> None:
    write_certificates_config(stack, [entry(workdir, "root", make_ca("root"), info, **extra)])


def test_a_hub_that_does_not_exist_is_named_with_its_group_and_subscription(
    program_stack: PulumiStack, emulator: EmulatorInfo, tmp_path: Path
) -> None:
    missing = (
        f"/subscriptions/{emulator.subscription_id}/resourceGroups/{emulator.resource_group}"
        "/providers/Microsoft.Devices/IotHubs/no-such-hub"
    )
    one_root(program_stack, emulator, tmp_path, hubId=missing)
    first = resource_error(failed_up(program_stack))
    assert first.startswith(
        f"pop_provider.failures.TargetNotFound: IoT hub 'no-such-hub' (resource group "
        f"'{emulator.resource_group}', subscription {emulator.subscription_id}) does not exist"
    )
    assert "or create it first" in first


def test_a_resource_group_that_does_not_exist_is_named(
    program_stack: PulumiStack, emulator: EmulatorInfo, tmp_path: Path
) -> None:
    one_root(
        program_stack,
        emulator,
        tmp_path,
        hubId=None,
        resourceGroupName="rg-nowhere",
        hubName=emulator.iot_hubs[0],
    )
    first = resource_error(failed_up(program_stack))
    assert first.startswith(
        "pop_provider.failures.TargetNotFound: resource group 'rg-nowhere' does not exist in "
        f"subscription {emulator.subscription_id}"
    )


def test_403_names_the_principal_the_action_the_scope_and_the_role(
    program_stack: PulumiStack, emulator: EmulatorInfo, tmp_path: Path
) -> None:
    reader = next(c for c in emulator.credentials if "reader" in c["client_secret"])
    program_stack.extra_env.update(
        AZURE_CLIENT_ID=reader["client_id"], AZURE_CLIENT_SECRET=reader["client_secret"]
    )
    one_root(program_stack, emulator, tmp_path)
    first = resource_error(failed_up(program_stack))
    assert first.startswith("pop_provider.failures.AccessDenied: access denied: principal ")
    assert "may not perform 'Microsoft.Devices/IotHubs/certificates/write' on scope" in first
    assert f"/IotHubs/{emulator.iot_hubs[0]}/certificates/root-" in first
    assert "'IoT CA certificate verifier' (docs/guides/credentials.md" in first
    assert f"signed in as client {reader['client_id']}" in first
    assert hub_certificates(emulator) == {}


def test_a_wrong_client_secret_says_which_secret_and_how_to_set_it(
    program_stack: PulumiStack, emulator: EmulatorInfo, tmp_path: Path
) -> None:
    program_stack.extra_env["AZURE_CLIENT_SECRET"] = "not-the-secret"
    one_root(program_stack, emulator, tmp_path)
    shown = failed_up(program_stack)
    first = resource_error(shown)
    assert first.startswith(
        "pop_provider.failures.AuthenticationFailed: Azure sign-in failed for client "
        f"{emulator.credentials[0]['client_id']}"
    )
    assert "with the client secret from AZURE_CLIENT_SECRET: AADSTS7000215" in first
    assert "get_token failed" not in shown  # azure-identity's own warning, said once already
    assert "not-the-secret" not in shown


def test_no_credential_lists_each_source_tried_and_config_ids_reach_them(
    program_stack: PulumiStack, emulator: EmulatorInfo, tmp_path: Path
) -> None:
    credential = emulator.credentials[0]
    for name in ("AZURE_CLIENT_ID", "AZURE_CLIENT_SECRET", "AZURE_TENANT_ID"):
        program_stack.extra_env.pop(name)
    # Managed identity asks this machine (a closed port), never the cloud's metadata address.
    program_stack.extra_env["MSI_ENDPOINT"] = "http://127.0.0.1:1/msi"
    program_stack.set_configs(
        {
            "azure-native:tenantId": credential["tenant_id"],
            "azure-native:clientId": credential["client_id"],
        }
    )
    one_root(program_stack, emulator, tmp_path)
    shown = failed_up(program_stack)
    assert resource_error(shown).startswith(
        "pop_provider.failures.AuthenticationFailed: no Azure credential is available; each "
        "source DefaultAzureCredential tried:"
    )
    tried = [line.strip() for line in shown.splitlines() if line.strip().startswith("- ")]
    assert any(line.startswith("- EnvironmentCredential: ") for line in tried), tried
    workload = next(line for line in tried if line.startswith("- WorkloadIdentityCredential"))
    # The ids from azure-native: config reached it; only the token file is missing.
    assert "'token_file_path'" in workload and "'tenant_id'" not in workload, workload
    assert "run `az login`" in shown


def test_a_rejected_proof_says_what_was_removed(
    program_stack: PulumiStack, emulator: EmulatorInfo, admin: AdminClient, tmp_path: Path
) -> None:
    admin.script_failure(
        "Certificates_Verify", 400, code=400053, message="Proof-Of-Possession failed. Injected."
    )
    one_root(program_stack, emulator, tmp_path)
    first = resource_error(failed_up(program_stack))
    assert first.startswith(
        "pop_provider.failures.ProofOfPossessionFailed: Azure rejected the proof of possession "
        "for 'root-"
    )
    assert "Proof-Of-Possession failed. Injected." in first
    assert "' was removed" in first
    assert hub_certificates(emulator) == {}


def test_the_hubs_ca_limit_says_what_to_remove(
    program_stack: PulumiStack, emulator: EmulatorInfo, admin: AdminClient, tmp_path: Path
) -> None:
    admin.script_failure(
        "Certificates_CreateOrUpdate",
        400,
        code=400110,
        message=f"The maximum number of certificates (25) for '{emulator.iot_hubs[0]}' has been "
        "reached.",
    )
    one_root(program_stack, emulator, tmp_path)
    first = resource_error(failed_up(program_stack))
    assert first.startswith(
        f"pop_provider.failures.CertificateLimitReached: IoT hub '{emulator.iot_hubs[0]}'"
    )
    assert "delete certificates it no longer needs" in first


def test_throttling_past_the_budget_fails_at_once_with_what_to_do(
    program_stack: PulumiStack, emulator: EmulatorInfo, admin: AdminClient, tmp_path: Path
) -> None:
    admin.script_failure("Certificates_CreateOrUpdate", 429, message="Slow.", retry_after_s=3600)
    one_root(program_stack, emulator, tmp_path)
    first = resource_error(failed_up(program_stack))
    assert first.startswith("pop_provider.failures.Throttled: Azure answered HTTP 429")
    assert "asked to wait 3600 s" in first and "run `pulumi up` again later" in first


def test_an_untrusted_tls_certificate_names_pop_ca_bundle(
    program_stack: PulumiStack, emulator: EmulatorInfo, tmp_path: Path
) -> None:
    stranger = tmp_path / "stranger-ca.pem"
    stranger.write_text(make_ca("not the emulator's CA").certificate_pem)
    program_stack.extra_env["POP_CA_BUNDLE"] = str(stranger)
    one_root(program_stack, emulator, tmp_path)
    first = resource_error(failed_up(program_stack))
    assert first.startswith(
        f"pop_provider.failures.TlsVerificationFailed: TLS verification of "
        f"{emulator.base_url} failed (certificate verify failed"
    )
    assert f"pop:caBundle ({stranger}) does not sign it" in first


def test_an_unreachable_authority_names_its_setting(
    program_stack: PulumiStack, emulator: EmulatorInfo, tmp_path: Path
) -> None:
    program_stack.extra_env["AZURE_AUTHORITY_HOST"] = "https://127.0.0.1:1"
    one_root(program_stack, emulator, tmp_path)
    first = resource_error(failed_up(program_stack))
    assert first.startswith(
        "pop_provider.failures.EndpointUnreachable: cannot reach https://127.0.0.1:1 "
        "(connection refused"
    )
    assert "check pop:authorityHost (or AZURE_AUTHORITY_HOST)" in first


def test_a_certificate_file_that_does_not_exist_is_one_line_naming_entry_and_path(
    program_stack: PulumiStack, emulator: EmulatorInfo, tmp_path: Path
) -> None:
    one_root(program_stack, emulator, tmp_path, certificateFile="certs/missing.pem")
    shown = failed_up(program_stack)
    assert (
        "certificates[0] (root): certificateFile 'certs/missing.pem' does not exist (looked for "
        in shown
    )
    assert "StackConfigError" not in shown


def test_a_der_certificate_file_is_read_and_verified(
    program_stack: PulumiStack, emulator: EmulatorInfo, tmp_path: Path
) -> None:
    ca = make_ca("der root")
    der = tmp_path / "root.cer"
    der.write_bytes(ca.certificate.public_bytes(serialization.Encoding.DER))
    item = entry(tmp_path, "root", ca, emulator)
    item["certificateFile"] = str(der)
    write_certificates_config(program_stack, [item])
    program_stack.up()
    out = program_stack.outputs()["certificates"]["root"]
    assert out["is_verified"] is True
    assert out["subject"] == "der root"
    program_stack.preview("--expect-no-changes")
