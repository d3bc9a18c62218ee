"""A CA key that reaches either face in clear (issue 23): under the real CLI against the emulator,
one warning line under the resource naming the property and the fix, the state keeping the key
secret as before, and no warning once the key is set with `--secret`."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from azure_iot_emulator.testing import EmulatorInfo
from tests.pki import make_ca
from tests.pop_provider.engine import dps_id, hub_id
from tests.pop_provider.test_engine_faces import FACES, face_stack, shown
from tests.pulumi_cli import PulumiStack

# The program of each face, reading the key from `root.key` (KEY_SOURCE "file") or from the
# config key `caKey` ("config"), a Python program with `config.require_secret`.
pytestmark = pytest.mark.engine

DYNAMIC_PROGRAM = """\
import pulumi
from pop_provider import VerifiedCaCertificate, VerifiedCaCertificateArgs, read_pem

config = pulumi.Config()
VerifiedCaCertificate(
    "rootCa",
    VerifiedCaCertificateArgs(
        hub_id=config.require("hubId"),
        certificate_pem=read_pem("ca.pem"),
        private_key_pem={key},
    ),
)
"""
DYNAMIC_KEYS = {"file": 'read_pem("root.key")', "config": 'config.require_secret("caKey")'}

NATIVE_PROGRAM = """\
name: pop-yaml
runtime: yaml
config:
  hubId:
    type: string
  caKey:
    type: string
    default: ""
resources:
  rootCa:
    type: pop:index:VerifiedCaCertificate
    properties:
      hubId: ${{hubId}}
      certificatePem:
        fn::readFile: ca.pem
      privateKeyPem: {key}
"""
NATIVE_KEYS = {"file": "\n        fn::readFile: root.key", "config": "${caKey}"}


def use_key_from(stack: PulumiStack, face: str, source: str) -> None:
    """Rewrite the face's program to take the key from `source` ("file" or "config")."""
    if face == "native":
        program = NATIVE_PROGRAM.format(key=NATIVE_KEYS[source])
        (stack.project_dir / "Pulumi.yaml").write_text(program)
    else:
        (stack.project_dir / "__main__.py").write_text(
            DYNAMIC_PROGRAM.format(key=DYNAMIC_KEYS[source])
        )


def clear_key_warnings(result: subprocess.CompletedProcess[str]) -> list[tuple[str, str]]:
    """(resource, message) of each key-in-clear warning in the Diagnostics the command printed."""
    found = []
    for section in result.stdout.split("Diagnostics:")[1:]:
        header = ""
        for line in section.split("\nResources:", 1)[0].splitlines():
            if line.startswith("  ") and not line.startswith("   ") and line.endswith(":"):
                header = line.strip().removesuffix(":")
            elif line.strip().startswith("warning: ") and "is not a secret" in line:
                found.append((header, line.strip().removeprefix("warning: ")))
    return found


@pytest.mark.parametrize("face", FACES)
def test_a_key_in_clear_is_one_warning_and_stays_secret_in_the_state(
    face: str, emulator: EmulatorInfo, tmp_path: Path
) -> None:
    ca = make_ca(f"{face} key in clear")
    stack = face_stack(face, emulator, tmp_path, ca)
    stack.run("config", "rm", "caKey", "--stack", stack.stack)
    (stack.project_dir / "root.key").write_text(ca.private_key_pem)
    body = ca.private_key_pem.splitlines()[1]
    resource = (
        "pop:index:VerifiedCaCertificate (rootCa)"
        if face == "native"
        else "pulumi-python:dynamic/pop:VerifiedCaCertificate (rootCa)"
    )
    field = "privateKeyPem" if face == "native" else "private_key_pem"

    # Read from a file in clear: the program passes the key as a plain value.
    use_key_from(stack, face, "file")
    up = stack.up()
    ((where, message),) = clear_key_warnings(up)
    assert where == resource
    assert message.startswith(f"{field} is not a secret: if it comes from stack config, ")
    assert "fix: `pulumi config set --secret <key> < root.key`" in message
    assert body not in shown(up)
    # The state holds it as a secret, though the program passed it in clear.
    assert body not in stack.state_files_text()

    # Set in config without --secret (read as a secret by the Python program: still in clear).
    use_key_from(stack, face, "config")
    stack.set_config("caKey", ca.private_key_pem)
    preview = stack.preview()
    ((where, message),) = clear_key_warnings(preview)
    if face == "native":  # the provider never sees the program's config
        assert message.startswith("privateKeyPem is not a secret: ")
    else:
        assert message.startswith(
            "private_key_pem comes from config key 'caKey', which is not a secret: the CA key "
            "sits in clear in the stack's config and in its history; fix: `pulumi config set "
            "--secret caKey < root.key`"
        )
    assert where == resource and body not in shown(preview)

    # Set with --secret: nothing to say, and the state still never holds the key in clear.
    stack.set_config("caKey", ca.private_key_pem, secret=True)
    quiet = stack.up()
    assert "is not a secret" not in shown(quiet)
    assert body not in stack.state_files_text()


def test_a_native_trusted_ca_warns_once_on_the_component_naming_the_config_key(
    emulator: EmulatorInfo, tmp_path: Path
) -> None:
    ca = make_ca("native component key in clear")
    stack = face_stack("native", emulator, tmp_path, ca)
    (stack.project_dir / "Pulumi.yaml").write_text(
        f"""\
name: pop-yaml
runtime: yaml
config:
  caKey:
    type: string
resources:
  root:
    type: pop:index:TrustedCa
    properties:
      certificatePem:
        fn::readFile: ca.pem
      privateKeyPem: ${{caKey}}
      targets:
        - hubId: {hub_id(emulator)}
        - dpsId: {dps_id(emulator)}
          name: provisioning
"""
    )
    stack.set_config("caKey", ca.private_key_pem)
    up = stack.up()
    ((where, message),) = clear_key_warnings(up)
    assert where == "pop:index:TrustedCa (root)"
    assert message.startswith(
        "privateKeyPem comes from config key 'caKey', which is not a secret: "
    )
    assert "fix: `pulumi config set --secret caKey < root.key`" in message
