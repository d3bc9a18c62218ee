"""What a user of either face sees, under the real CLI against the emulator: the dynamic face
(a Python program) and the native provider `pop` (the Pulumi YAML example a user copies) run
the same scenarios: lifecycle with drift repaired, bad input refused before any ARM call, a
missing hub and a role without verify each reported in one line."""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

import pytest

from azure_iot_emulator.testing import AdminClient, EmulatorInfo, stack_config
from tests.pki import CertifiedKey, make_ca
from tests.pop_provider.engine import arm_calls, delete_out_of_band, hub_certificates, hub_id
from tests.pop_provider.test_engine_least_privilege import WITHOUT_VERIFY, start_emulator
from tests.pulumi_cli import ENGINE_FAILED, REPO, PulumiStack, diagnostic_errors, first_cause

pytestmark = pytest.mark.engine

FACES = ["dynamic", "native"]
# The console scripts of the installed package (pulumi-resource-pop) are on the venv's bin/.
VENV_BIN = str(Path(sys.executable).parent)

DYNAMIC_PROGRAM = """\
import pulumi
from pop_provider import VerifiedCaCertificate, VerifiedCaCertificateArgs, read_pem

config = pulumi.Config()
root_ca = VerifiedCaCertificate(
    "rootCa",
    VerifiedCaCertificateArgs(
        hub_id=config.require("hubId"),
        certificate_pem=read_pem(config.get("caCertificatePath") or "ca.pem"),
        private_key_pem=config.require_secret("caKey"),
    ),
)
pulumi.export("armId", root_ca.arm_id)
pulumi.export("isVerified", root_ca.is_verified)
"""


def face_stack(
    face: str,
    info: EmulatorInfo,
    tmp_path: Path,
    ca: CertifiedKey,
    *,
    key: str | None = None,
    hub: str | None = None,
    credential_in_config: bool = True,
    env: dict[str, str] | None = None,
) -> PulumiStack:
    """One certificate on the emulator's hub, declared in the face's language: the YAML example
    for the native provider, a Python program for the dynamic one; the same config keys."""
    project = tmp_path / f"{face}-project"
    if face == "native":
        shutil.copytree(REPO / "examples" / "yaml", project)
    else:
        project.mkdir()
        (project / "Pulumi.yaml").write_text(
            "name: pop-dynamic\nruntime:\n  name: python\n"
            f"  options:\n    virtualenv: {Path(sys.prefix)}\noptions:\n  refresh: always\n"
        )
        (project / "__main__.py").write_text(DYNAMIC_PROGRAM)
    (project / "ca.pem").write_text(ca.certificate_pem)
    extra = {"PATH": f"{VENV_BIN}{os.pathsep}{os.environ['PATH']}", **(env or {})}
    stack = PulumiStack(project, tmp_path / f"{face}-state", extra_env=extra).init()
    plain, secret = stack_config(info, native=face == "native")
    if not credential_in_config:
        plain = {k: v for k, v in plain.items() if k.startswith("pop:") and not k.endswith("Id")}
        secret = {}
    stack.set_configs(
        {**plain, "hubId": hub or hub_id(info)}, {**secret, "caKey": key or ca.private_key_pem}
    )
    return stack


def shown(result: object) -> str:
    return str(getattr(result, "stdout", "")) + str(getattr(result, "stderr", ""))


@pytest.mark.parametrize("face", FACES)
def test_verified_by_proof_unchanged_then_repaired_then_destroyed(
    face: str, emulator: EmulatorInfo, admin: AdminClient, tmp_path: Path
) -> None:
    ca = make_ca(f"{face} lifecycle")
    stack = face_stack(face, emulator, tmp_path, ca)
    stack.up()
    (certificate,) = hub_certificates(emulator).values()
    assert certificate.properties.is_verified is True
    assert stack.outputs()["isVerified"] is True
    calls = arm_calls(admin)
    assert (calls["Certificates_CreateOrUpdate"], calls["Certificates_Verify"]) == (1, 1)

    stack.preview("--expect-no-changes")
    delete_out_of_band(emulator, certificate.name)
    stack.up()
    (repaired,) = hub_certificates(emulator).values()
    assert repaired.name == certificate.name and repaired.properties.is_verified is True

    stored = stack.state_files_text()
    assert emulator.credentials[0]["client_secret"] not in stored
    assert ca.private_key_pem.splitlines()[1] not in stored
    stack.destroy()
    assert hub_certificates(emulator) == {}


@pytest.mark.parametrize("face", FACES)
def test_a_key_of_another_ca_is_refused_in_one_line_before_any_arm_call(
    face: str, emulator: EmulatorInfo, admin: AdminClient, tmp_path: Path
) -> None:
    ca, other = make_ca(f"{face} bad key"), make_ca("not its issuer")
    stack = face_stack(face, emulator, tmp_path, ca, key=other.private_key_pem)
    failed = stack.up("--skip-preview", check=False)
    assert failed.returncode != 0
    field = "privateKeyPem" if face == "native" else "private_key_pem"
    assert f"{field}: the private key does not belong to the certificate" in failed.stdout
    assert "Traceback" not in shown(failed)
    assert other.private_key_pem.splitlines()[1] not in shown(failed)
    assert arm_calls(admin) == {}
    assert hub_certificates(emulator) == {}


def test_a_hub_that_does_not_exist_is_one_line_naming_it(
    emulator: EmulatorInfo, tmp_path: Path
) -> None:
    """The native face; the dynamic face's run is test_engine_failures' first test."""
    missing = hub_id(emulator, "no-such-hub")
    stack = face_stack("native", emulator, tmp_path, make_ca("native no hub"), hub=missing)
    failed = stack.up("--skip-preview", check=False)
    assert failed.returncode != 0
    # The first error a person reads is the resource's; the stack holds only the engine's own
    # "update failed" (a Python program used to add "Resource monitor has terminated").
    resource, message = first_cause(failed.stdout)
    assert resource.endswith("VerifiedCaCertificate (rootCa)"), failed.stdout
    errors = diagnostic_errors(failed.stdout)
    stack_errors = [
        line for header, lines in errors.items() if header != resource for line in lines
    ]
    assert set(stack_errors) <= set(ENGINE_FAILED), failed.stdout
    # The native face prints the message alone (the dynamic host prefixes the failure's kind).
    assert message.startswith("IoT hub 'no-such-hub' (resource group "), message
    assert "does not exist" in message
    assert "Traceback" not in shown(failed)


def test_a_role_without_verify_names_the_action_and_leaves_nothing(tmp_path: Path) -> None:
    """The native face; the dynamic face's run, on a hub and a DPS, is in
    test_engine_least_privilege."""
    face = "native"
    process = start_emulator(tmp_path, WITHOUT_VERIFY)
    try:
        info = process.info
        env = {
            "AZURE_TENANT_ID": info.credentials[0]["tenant_id"],
            "AZURE_SUBSCRIPTION_ID": info.subscription_id,
            "AZURE_CLIENT_ID": WITHOUT_VERIFY.client_id,
            "AZURE_CLIENT_SECRET": WITHOUT_VERIFY.client_secret,
        }
        ca = make_ca(f"{face} no verify")
        stack = face_stack(face, info, tmp_path, ca, credential_in_config=False, env=env)
        failed = stack.up("--skip-preview", check=False)
        assert failed.returncode != 0
        assert (
            f"access denied: principal {WITHOUT_VERIFY.object_id} may not perform "
            "'Microsoft.Devices/IotHubs/certificates/verify/action'"
        ) in failed.stdout
        assert "Traceback" not in shown(failed)
        assert WITHOUT_VERIFY.client_secret not in shown(failed)
        assert hub_certificates(info) == {}
    finally:
        process.stop()


def test_a_bad_plugin_secret_names_pop_and_a_stack_behind_its_saved_config_says_how_out(
    emulator: EmulatorInfo, tmp_path: Path
) -> None:
    """The plugin's settings are `pop:*`: a failure names the key the user set. A refresh that
    does not run the program signs in with the config the last deployment saved, and says so
    first, with the whole command that uses the program's."""
    stack = face_stack("native", emulator, tmp_path, make_ca("rotated secret"))
    stack.up()
    good = emulator.credentials[0]["client_secret"]
    stack.set_config("pop:clientSecret", "not-the-secret", secret=True)

    refreshed = stack.refresh("--run-program", check=False)  # saves the bad secret in the state
    assert refreshed.returncode != 0
    _, first = first_cause(refreshed.stdout)
    assert first.startswith("Azure sign-in failed for client "), first
    assert "with the client secret from pop:clientSecret: AADSTS7000215" in first
    assert "`pulumi config set --secret pop:clientSecret <secret>`" in first
    assert "azure-native" not in refreshed.stdout and "not-the-secret" not in shown(refreshed)

    stack.set_config("pop:clientSecret", good, secret=True)  # fixed, but the state has the old
    stuck = stack.up(check=False)  # refresh: always, without the program
    assert stuck.returncode != 0
    _, first = first_cause(stuck.stdout)
    assert first.startswith(
        "`pulumi up` (its refresh) used the configuration recorded by the last deployment, "
        "not the program's current config: Azure sign-in failed for client "
    ), first
    assert "run `pulumi up --refresh --run-program` to use the program's" in first

    stack.up("--refresh", "--run-program")  # the command the message gives
    stack.up()  # and plain runs work again: the state holds the program's config
